"""Request ids, security headers and a body-size limit, as one pure ASGI middleware.

Pure ASGI (not `@app.middleware("http")`, which wraps every request in extra tasks and streams): it only
reads the request headers and adds headers to `http.response.start`, costing a few microseconds.
"""
import json
import re
import uuid

from fastapi import FastAPI


def content_security_policy(basemap_url: str = "") -> str:
    """The app's CSP; images only from itself, data:/blob: and the configured basemap's origin."""
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:"
        f"{basemap_origin(basemap_url)}; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
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
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
_NO_STORE = (b"cache-control", b"no-store")


class GuardMiddleware:
    """Request id (X-Request-ID, taken from the client or made), security headers, `no-store` on /api/
    unless the route chose its own Cache-Control, and 413 before reading an oversized body."""

    def __init__(self, app, *, max_body: int, csp: str = CSP):
        self.app = app
        self.max_body = max_body
        self.csp = (b"content-security-policy", csp.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = length = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value.decode("latin-1")[:64]
            elif name == b"content-length":
                length = value
        request_id = request_id or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        api = scope["path"].startswith("/api/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                headers.extend(_ALWAYS)
                if b"content-security-policy" not in present:
                    headers.append(self.csp)
                if api and b"cache-control" not in present:
                    headers.append(_NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        if length is not None and length.isdigit() and int(length) > self.max_body:
            detail = f"the upload is too large: {int(length)} bytes, the limit is {self.max_body} bytes"
            body = json.dumps({"detail": detail}).encode()
            await send_with_headers({"type": "http.response.start", "status": 413, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send_with_headers({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send_with_headers)


def install_middleware(app: FastAPI) -> None:
    """Attach request id, security headers and the body-size guard."""
    app.add_middleware(GuardMiddleware, max_body=app.state.settings.max_body_bytes,
                       csp=content_security_policy(app.state.settings.basemap_url))
