"""The installable app: /manifest.webmanifest and the service worker /sw.js with its app shell (issue 16).

The shell is every file the app may load before it reaches the network: the page (`/`), the manifest,
every file under frontend/js, css and img, and the vendor files of api/vendor.py's allowlist. /sw.js is
frontend/sw.js with `SHELL` (that list) and `VERSION` (a hash of the files' bytes) filled in, so any
change to the shell changes /sw.js and the browser installs the new worker, which replaces the cache.
The list and hash are recomputed when a file's modification time or size changes (cheap stat calls).

The shell lists the versioned addresses the page loads (api/frontend.py): `/r/<app version>/js|css|img/…`
and `/r/<vendor version>/vendor/…`, so the worker caches exactly the files a release's page asks for.
"""
import hashlib
import json
import time
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response

from api.vendor import vendor_allowlist

SHELL_DIRS = ("js", "css", "img")
NO_CACHE = {"Cache-Control": "no-cache"}
GROUP_OF = {"js": "app", "css": "app", "img": "app", "vendor": "vendor"}  # the first folder → its version
RECHECK_S = 1.0  # serving versioned files: the files' stat calls at most once a second


class AppShell:
    """The shell's URLs and version for one frontend folder."""

    def __init__(self, frontend: Path):
        self.frontend = frontend
        self.vendor = sorted(vendor_allowlist(frontend)) if (frontend / "node_modules").is_dir() else []
        self._key: tuple | None = None
        self._files: list[tuple[str, Path]] = []
        self._version = ""
        self._groups: dict[str, str] = {}
        self._checked = 0.0

    def files(self) -> list[tuple[str, Path]]:
        """(url, path) of every shell file."""
        found = [("/", self.frontend / "index.html"), ("/manifest.webmanifest", self.frontend / "manifest.webmanifest")]
        for sub in SHELL_DIRS:
            folder = self.frontend / sub
            if folder.is_dir():
                found += [(f"/{sub}/{p.relative_to(folder).as_posix()}", p)
                          for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")]
        found += [(f"/vendor/{ref}", self.frontend / "node_modules" / ref) for ref in self.vendor]
        return found

    def current(self) -> tuple[list[str], str]:
        """(the shell's versioned URLs, the shell's version)."""
        self._refresh()
        return [self.versioned(url) for url, _ in self._files], self._version

    def versions(self, *, max_age: float = 0.0) -> dict[str, str]:
        """The version of each group of files: `app` (js, css, img) and `vendor`: a hash of their bytes.

        `max_age`: seconds the last check may be reused (the file server asks on every request)."""
        if time.monotonic() - self._checked > max_age or not self._groups:
            self._refresh()
        return self._groups

    def versioned(self, url: str) -> str:
        """`/js/main.js` → `/r/<app version>/js/main.js`; other addresses as they are."""
        kind = url.split("/", 2)[1] if url.count("/") > 1 else ""
        group = GROUP_OF.get(kind)
        return f"/r/{self._groups[group]}{url}" if group else url

    def _refresh(self) -> None:
        files = self.files()
        key = tuple((url, p.stat().st_mtime_ns, p.stat().st_size) for url, p in files)
        if key != self._key:
            digest = hashlib.sha256()
            groups = {name: hashlib.sha256() for name in set(GROUP_OF.values())}
            for url, path in files:
                body = url.encode() + b"\0" + path.read_bytes() + b"\0"
                digest.update(body)
                group = GROUP_OF.get(url.split("/", 2)[1])
                if group:
                    groups[group].update(body)
            digest.update((self.frontend / "sw.js").read_bytes())
            self._files, self._version, self._key = files, digest.hexdigest()[:16], key
            self._groups = {name: h.hexdigest()[:12] for name, h in groups.items()}
        self._checked = time.monotonic()

    def size(self) -> int:
        """Bytes of the shell (uncompressed), for the figures."""
        return sum(path.stat().st_size for _, path in self.files())

    def worker(self) -> str:
        urls, version = self.current()
        source = (self.frontend / "sw.js").read_text(encoding="utf-8")
        source = source.replace("const VERSION = 'dev';", f"const VERSION = {json.dumps(version)};", 1)
        return source.replace("const SHELL = [];", f"const SHELL = {json.dumps(urls)};", 1)


def install_app_shell(app: FastAPI, frontend: Path) -> None:
    """GET /sw.js (no-cache: the browser checks it for a new release) and GET /manifest.webmanifest."""
    shell = app.state.app_shell = AppShell(frontend)

    @app.get("/sw.js", include_in_schema=False)
    def service_worker() -> Response:
        return Response(shell.worker(), media_type="text/javascript", headers=NO_CACHE)

    @app.get("/manifest.webmanifest", include_in_schema=False)
    def manifest() -> FileResponse:
        return FileResponse(frontend / "manifest.webmanifest", media_type="application/manifest+json",
                            headers=NO_CACHE)
