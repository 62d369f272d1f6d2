"""/vendor: the third-party files the frontend loads, and nothing else of node_modules.

The allowlist is computed at startup from the frontend itself: every `/vendor/…` address in
index.html and in the JS and CSS under frontend/, the files a listed stylesheet points to with `url(…)`,
and the images beside a listed stylesheet (Leaflet derives its marker image addresses from its
stylesheet's). package.json, source maps, sources and READMEs are 404.
"""
import re
from pathlib import Path, PurePosixPath

from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

_REFERENCE = re.compile(r"/vendor/([A-Za-z0-9@._/+-]+)")
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")
_IMAGES = {".png", ".svg", ".gif", ".jpg", ".jpeg", ".webp"}


def vendor_allowlist(frontend: Path) -> set[str]:
    """Paths under node_modules (posix, relative) that the frontend references."""
    modules = (frontend / "node_modules").resolve()
    sources = [frontend / "index.html"]
    for sub in ("js", "css"):
        if (frontend / sub).is_dir():
            sources += [p for p in (frontend / sub).rglob("*") if p.suffix in (".js", ".css", ".html")]
    allowed: set[str] = set()
    for source in sources:
        for ref in _REFERENCE.findall(source.read_text(encoding="utf-8")):
            allowed.add(str(PurePosixPath(ref)))
    for ref in [r for r in allowed if r.endswith(".css")]:
        css = modules / ref
        if not css.is_file():
            continue
        folder = PurePosixPath(ref).parent
        for target in _CSS_URL.findall(css.read_text(encoding="utf-8")):
            if ":" in target or target.startswith(("#", "%23", "/")):
                continue  # data: URIs, fragments and absolute addresses are not files here
            allowed.add(_normal(folder / target.split("?")[0].split("#")[0]))
        for image in css.parent.rglob("*"):
            if image.suffix.lower() in _IMAGES and image.is_file():
                allowed.add(image.resolve().relative_to(modules).as_posix())
    return {p for p in allowed if p and not p.startswith("..") and (modules / p).is_file()}


def _normal(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


class VendorFiles(StaticFiles):
    """StaticFiles over frontend/node_modules that serves only the allowlisted files (404 otherwise)."""

    def __init__(self, *, frontend: Path):
        super().__init__(directory=frontend / "node_modules")
        self.allowed = frozenset(vendor_allowlist(frontend))

    async def get_response(self, path: str, scope):
        if path not in self.allowed:
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)
