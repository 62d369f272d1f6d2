"""The installable app: /manifest.webmanifest and the service worker /sw.js with its app shell (issue 16).

The shell is every file the app may load before it reaches the network: the page (`/`), the manifest,
every file under frontend/js, css and img, and the vendor files of api/vendor.py's allowlist. /sw.js is
frontend/sw.js with `SHELL` (that list) and `VERSION` (a hash of the files' bytes) filled in, so any
change to the shell changes /sw.js and the browser installs the new worker, which replaces the cache.
The list and hash are recomputed when a file's modification time or size changes (cheap stat calls).
"""
import hashlib
import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response

from api.vendor import vendor_allowlist

SHELL_DIRS = ("js", "css", "img")
NO_CACHE = {"Cache-Control": "no-cache"}


class AppShell:
    """The shell's URLs and version for one frontend folder."""

    def __init__(self, frontend: Path):
        self.frontend = frontend
        self.vendor = sorted(vendor_allowlist(frontend)) if (frontend / "node_modules").is_dir() else []
        self._key: tuple | None = None
        self._files: list[tuple[str, Path]] = []
        self._version = ""

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
        files = self.files()
        key = tuple((url, p.stat().st_mtime_ns, p.stat().st_size) for url, p in files)
        if key != self._key:
            digest = hashlib.sha256()
            for url, path in files:
                digest.update(url.encode() + b"\0" + path.read_bytes() + b"\0")
            digest.update((self.frontend / "sw.js").read_bytes())
            self._files, self._version, self._key = files, digest.hexdigest()[:16], key
        return [url for url, _ in self._files], self._version

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
