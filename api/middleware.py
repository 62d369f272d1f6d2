"""Request ids, security headers and a body-size limit, as plain ASGI-friendly middleware."""
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: *; "
    "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def install_middleware(app: FastAPI) -> None:
    """Attach request id, security headers and the body-size guard."""
    max_body = app.state.settings.max_body_bytes

    @app.middleware("http")
    async def _guard(request: Request, call_next):
        request.state.request_id = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > max_body:
            return JSONResponse(
                {"detail": f"the upload is too large: {int(length)} bytes, the limit is {max_body} bytes"},
                status_code=413,
            )
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
