"""The HTTP edge as pure ASGI middleware: request ids and security headers, refusals that need no route
(a NUL byte in the address, no bearer token on a signed-in route, an oversized body), and load shedding
(api/overload.py).

Pure ASGI (not `@app.middleware("http")`, which wraps every request in extra tasks and streams): it reads
the request headers, counts body bytes as the app receives them and adds headers to
`http.response.start`, costing a few microseconds.

Body limits are counted as the bytes arrive (`receive` is wrapped), so a chunked body without a
Content-Length is held to the same limit; a request to a route that needs a token and carries none is
answered 401 before a byte of its body is read (FastAPI reads the whole body before it runs the route's
dependencies). Which routes are public and which take multipart uploads is read from the app's own
OpenAPI description at startup, so a new route is classified without a list to keep.
"""
import json
import re
import uuid

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import compile_path

from api.failover import RetryLostReads
from api.overload import LoadShedder
from api.plans.geometry_input import GEOMETRY_BODIES


def content_security_policy(basemap_url: str = "") -> str:
    """The app's CSP; images only from itself, data:/blob: and the configured basemap's origin."""
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:"
        f"{basemap_origin(basemap_url)}; connect-src 'self'; font-src 'self' data:; worker-src 'self'; "
        "manifest-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    )


def basemap_origin(url: str) -> str:
    """' https://tiles.example:8443' for an XYZ URL, '' when none or relative (then 'self' serves it).

    A templated first label (`{s}.tiles.example`) becomes `*.`; a template elsewhere in the host leaves
    only the scheme, the narrowest source that still lets the tiles load."""
    found = re.match(r"^(https?)://([^/?#]+)", url.strip())
    if not found:
        return ""
    scheme, host = found.groups()
    first, _, rest = host.partition(".")
    if "{" in first and rest and re.fullmatch(r"[A-Za-z0-9.-]+(:\d{1,5})?", rest):
        return f" {scheme}://*.{rest}"
    if re.fullmatch(r"[A-Za-z0-9.-]+(:\d{1,5})?", host):
        return f" {scheme}://{host}"
    return f" {scheme}:"


CSP = content_security_policy()
_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # also the policy of what a stylesheet fetches
]
_FRAME = (b"x-frame-options", b"DENY")
# Scripts and stylesheets are no documents: a CSP or X-Frame-Options on them has no effect (a page's own
# policy governs them), and on a first load's ~50 files they were ~15 KB of headers (issue 22). The
# service worker's script keeps its CSP (a worker's policy is its script's).
_SUBRESOURCE_TYPES = (b"text/javascript", b"application/javascript", b"text/css")
_WORKER_SCRIPT = "/sw.js"
_NO_STORE = (b"cache-control", b"no-store")
_CLOSE = (b"connection", b"close")
# A multipart upload carries its form fields and part headers besides the file itself: the file limit
# (HOLOMAP_MAX_BODY_BYTES, checked again by the route with its own message) plus this much
MULTIPART_OVERHEAD = 64 * 1024


async def send_error(send, status: int, detail: str, *, code: str, params: dict | None = None,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """An error answered by middleware, in the one error body {"detail", "code", "params"}."""
    body = json.dumps({"detail": detail, "code": code, "params": params or {}}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    """Raised to the app from `receive` once the body passed its limit (the 413 is already sent)."""


class RouteClasses:
    """Public routes (no token needed) and multipart upload routes, from the app's OpenAPI description."""

    def __init__(self, app: FastAPI):
        public, uploads = [], []
        for path, operations in app.openapi().get("paths", {}).items():
            pattern = compile_path(path)[0]
            for operation in operations.values():
                if not isinstance(operation, dict):
                    continue
                if not operation.get("security"):
                    public.append(pattern)
                content = (operation.get("requestBody") or {}).get("content", {})
                if "multipart/form-data" in content:
                    uploads.append(pattern)
        self.public: list[re.Pattern] = public
        self.uploads: list[re.Pattern] = uploads

    def needs_token(self, path: str) -> bool:
        """Everything under /api/ except the routes the OpenAPI description declares without security."""
        return path.startswith("/api/") and not any(p.match(path) for p in self.public)

    def is_upload(self, path: str) -> bool:
        return any(p.match(path) for p in self.uploads)


def _has_bearer(authorization: bytes | None, query_string: bytes) -> bool:
    """A bearer token is present (not checked: the route's dependency verifies it)."""
    if authorization:
        scheme, _, token = authorization.partition(b" ")
        if scheme.lower() == b"bearer" and token.strip():
            return True
    return any(part.startswith(b"access_token=") and len(part) > len(b"access_token=")
               for part in query_string.split(b"&"))


class GuardMiddleware:
    """Request id (X-Request-ID, taken from the client or made), security headers, `no-store` on /api/
    unless the route chose its own Cache-Control; 400 for a NUL byte in the path or query, 401 before
    the body for a signed-in route without a bearer token, 413 once a body passes its route's limit."""

    def __init__(self, app, *, fastapi_app: FastAPI, max_body: int, max_json: int, max_geometry: int = 0,
                 csp: str = CSP):
        self.app = app
        self.fastapi_app = fastapi_app
        self.max_body = max_body
        self.csp = (b"content-security-policy", csp.encode())
        self.max_json = max_json
        self.max_geometry = max_geometry
        self._routes: RouteClasses | None = None

    @property
    def routes(self) -> RouteClasses:
        if self._routes is None:
            self._routes = RouteClasses(self.fastapi_app)
        return self._routes

    def limit_for(self, path: str) -> int:
        """The largest body a route accepts: uploads the file limit, drawn geometries theirs
        (HOLOMAP_MAX_GEOMETRY_BYTES: 50,000 vertices need more than 1 MB), everything else the JSON limit."""
        if self.routes.is_upload(path):
            return self.max_body + MULTIPART_OVERHEAD
        if GEOMETRY_BODIES.match(path):
            return max(self.max_json, self.max_geometry)
        return self.max_json

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                self.routes  # noqa: B018  classify the routes at startup, not in the first request
            await self.app(scope, receive, send)
            return
        request_id = length = authorization = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value.decode("latin-1")[:64]
            elif name == b"content-length":
                length = value
            elif name == b"authorization":
                authorization = value
            elif name == b"transfer-encoding":
                chunked = True
        request_id = request_id or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        path = scope["path"]
        api = path.startswith("/api/")
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                headers.extend(_ALWAYS)
                if not _is_subresource(headers, path):
                    headers.append(_FRAME)
                    if b"content-security-policy" not in present:
                        headers.append(self.csp)
                if api and b"cache-control" not in present:
                    headers.append(_NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        # a body may follow: a refusal closes the connection instead of reading (or discarding) it
        body_pending = chunked or (length is not None and length.strip() not in (b"", b"0"))
        refusal_headers = [_CLOSE] if body_pending else []
        query = scope.get("query_string", b"")
        if "\x00" in path or b"%00" in query or b"\x00" in query:
            await send_error(send_with_headers, 400, "the address contains a NUL byte (%00), which no "
                             "value may contain; remove it", code="request.nul_byte", headers=refusal_headers)
            return
        if self.routes.needs_token(path) and not _has_bearer(authorization, query):
            await send_error(send_with_headers, 401, "sign in first: send Authorization: Bearer <token>",
                             code="auth.required",
                             headers=[(b"www-authenticate", b"Bearer"), *refusal_headers])
            return
        limit = self.limit_for(path)
        too_large = "the request body is too large: the limit for this address is {limit} bytes; send less" + (
            " (larger files: holomap import on the command line)" if self.routes.is_upload(path) else "")
        # a drawn geometry's declared length is refused inside, with its own code (GeometryBodyLimit);
        # its bytes are still counted here as they arrive
        declared_geometry = GEOMETRY_BODIES.match(path) and scope["method"] in ("POST", "PUT")
        if length is not None and length.isdigit() and int(length) > limit and not declared_geometry:
            await send_error(send_with_headers, 413, too_large.format(limit=limit), code="request.too_large",
                             params={"limit": limit}, headers=[_CLOSE])
            return
        if not body_pending:
            await self.app(scope, receive, send_with_headers)
            return

        received = 0
        refused = False

        async def counted_receive():
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not refused and not started:
                        refused = True
                        await send_error(send_with_headers, 413, too_large.format(limit=limit),
                                         code="request.too_large", params={"limit": limit}, headers=[_CLOSE])
                    raise _BodyTooLarge
            return message

        async def send_unless_refused(message):
            if not refused:  # the app's own answer to the failed read (FastAPI makes it a 400) is dropped
                await send_with_headers(message)

        try:
            await self.app(scope, counted_receive, send_unless_refused)
        except _BodyTooLarge:
            if not refused:
                raise


def _is_subresource(headers: list[tuple[bytes, bytes]], path: str) -> bool:
    """A script or stylesheet answer (not the service worker's script): no CSP, no X-Frame-Options."""
    if path == _WORKER_SCRIPT:
        return False
    kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    return kind.split(b";")[0].strip().lower() in _SUBRESOURCE_TYPES


def install_middleware(app: FastAPI) -> None:
    """Attach the load shedder and, outside it, the guard (so a 503 carries the security headers too)."""
    settings = app.state.settings
    # innermost: gzip for every answer of 1 KB or more to a client that accepts it (JS, CSS, JSON, GeoJSON,
    # tiles); Starlette's middleware leaves answers that already carry a Content-Encoding alone
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    # inside the load shedder (a retry keeps its slot): a GET whose database connection was lost (restart,
    # failover) runs once more
    app.add_middleware(RetryLostReads)
    app.add_middleware(LoadShedder, max_concurrent=settings.concurrency_limit,
                       queue_wait_ms=settings.queue_wait_ms, state=app.state)
    app.add_middleware(GuardMiddleware, fastapi_app=app, max_body=settings.max_body_bytes,
                       max_json=settings.max_json_bytes, max_geometry=settings.max_geometry_bytes,
                       csp=content_security_policy(settings.basemap_url))
