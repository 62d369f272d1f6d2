"""The web app's files: the page, /config.json, and js, css, img and vendor files under versioned addresses.

Versioned addresses (issue 22): the page (`/`, never cached long) names its files as
`/r/<version>/js/main.js`, `/r/<version>/css/app.css`, `/r/<vendor version>/vendor/leaflet/dist/leaflet.js`,
the version being a hash of that group's files (api/offline/shell.py: `app` for js, css and img, `vendor`
for the library files). Such an answer never changes, so it carries `Cache-Control: public,
max-age=31536000, immutable` and a browser asks for it once per release. The ES modules import each other by
relative path, so every module a versioned main.js imports is versioned too, with no build step. An address
with another version (a page of the previous release, still open) gets today's file with `no-cache`: it
works, and is never kept under a name that does not match its bytes. The plain addresses (`/js/…`,
`/vendor/…`) still answer, with `no-cache` (revalidated by ETag).
"""
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette._utils import get_route_path
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from api.config import Settings
from api.offline.shell import GROUP_OF, NO_CACHE, RECHECK_S, AppShell, install_app_shell
from api.vendor import VendorFiles

IMMUTABLE = "public, max-age=31536000, immutable"
_PAGE_REF = re.compile(r'((?:src|href)=")(/(?:js|css|img|vendor)/[^"]+)(")')


class CacheControl:
    """Sets one Cache-Control on every answer of the wrapped app."""

    def __init__(self, app: ASGIApp, value: str) -> None:
        self.app, self.value = app, value.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, _with_cache_control(send, self.value))


# An immutable answer is never revalidated: its validators would only be bytes on every first load (issue 22)
_VALIDATORS = (b"etag", b"last-modified", b"accept-ranges")


def _with_cache_control(send: Send, value: bytes, drop: tuple[bytes, ...] = ()) -> Send:
    async def sending(message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", [])
                       if k.lower() != b"cache-control" and k.lower() not in drop]
            message = {**message, "headers": [*headers, (b"cache-control", value)]}
        await send(message)
    return sending


class VersionedFiles:
    """`/r/<version>/<folder>/<path>`: the file of that folder, immutable when the version is current."""

    def __init__(self, shell: AppShell, folders: dict[str, ASGIApp]) -> None:
        self.shell, self.folders = shell, folders

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        parts = get_route_path(scope).lstrip("/").split("/", 2)
        if len(parts) < 3 or parts[1] not in self.folders:
            raise HTTPException(status_code=404)
        version, folder, rest = parts
        current = self.shell.versions(max_age=RECHECK_S)[GROUP_OF[folder]] == version
        inner = {**scope, "path": "/" + rest, "root_path": "", "raw_path": ("/" + rest).encode()}
        await self.folders[folder](inner, receive, _with_cache_control(send, IMMUTABLE.encode(), _VALIDATORS)
                                   if current else _with_cache_control(send, b"no-cache"))


def page(index: Path, shell: AppShell) -> str:
    """index.html with its js, css, img and vendor addresses versioned."""
    shell.versions(max_age=RECHECK_S)
    return _PAGE_REF.sub(lambda m: m.group(1) + shell.versioned(m.group(2)) + m.group(3),
                         index.read_text(encoding="utf-8"))


def mount_frontend(app: FastAPI, settings: Settings, frontend: Path) -> None:
    """GET /, /config.json, /sw.js, /manifest.webmanifest, /js, /css, /img, /vendor and /r (versioned)."""
    @app.get("/config.json", include_in_schema=False)
    def client_config() -> JSONResponse:
        return JSONResponse({
            "basemap_url": settings.basemap_url, "basemap_attribution": settings.basemap_attribution,
            "offline_tile_limit": settings.offline_tile_limit,
        })

    install_app_shell(app, frontend)  # /sw.js and /manifest.webmanifest: the installable, offline app
    shell: AppShell = app.state.app_shell

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return Response(page(frontend / "index.html", shell), media_type="text/html; charset=utf-8",
                        headers=NO_CACHE)

    folders: dict[str, ASGIApp] = {sub: StaticFiles(directory=frontend / sub)
                                   for sub in ("js", "css", "img") if (frontend / sub).is_dir()}
    if (frontend / "node_modules").is_dir():  # only the library files the frontend loads (api/vendor.py)
        folders["vendor"] = VendorFiles(frontend=frontend)
    app.mount("/r", VersionedFiles(shell, folders), name="versioned")
    for sub, files in folders.items():
        app.mount(f"/{sub}", CacheControl(files, "no-cache"), name=sub)
