"""Domain exceptions and the one place where they and database errors become HTTP answers."""
import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout as AsyncPoolTimeout
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger("holomap")


POOL_TIMEOUT = ("the server is busy or cannot reach its database; try again shortly, and tell the "
                "administrator if it goes on")


class HolomapError(Exception):
    """A problem the user can act on; `status` is the HTTP status it maps to.

    `code` is the stable, dotted name the UI chooses its Chinese text by (e.g. "dispute.transition");
    `params` are the values that text needs. A subclass's `default_code` applies when none is given.
    """

    status = 400
    default_code = "request.invalid"

    def __init__(self, detail: str, *, code: str | None = None, params: dict | None = None,
                 headers: dict[str, str] | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.params = params or {}
        self.headers = headers
        self.extra = extra or {}


class NotFound(HolomapError):
    status = 404
    default_code = "not_found"


class Forbidden(HolomapError):
    status = 403
    default_code = "forbidden"


class Unauthorized(HolomapError):
    status = 401
    default_code = "auth.required"


class Conflict(HolomapError):
    status = 409
    default_code = "conflict"


class PreconditionFailed(HolomapError):
    status = 412
    default_code = "precondition.failed"


class PreconditionRequired(HolomapError):
    status = 428
    default_code = "precondition.required"


class InvalidInput(HolomapError):
    status = 422
    default_code = "input.invalid"


class PayloadTooLarge(HolomapError):
    status = 413
    default_code = "request.too_large"


class TooManyRequests(HolomapError):
    status = 429
    default_code = "request.rate_limited"


class Unavailable(HolomapError):
    status = 503
    default_code = "service.unavailable"


def _json(status: int, detail: str, headers: dict[str, str] | None = None, *, code: str,
          params: dict | None = None, **extra) -> JSONResponse:
    """The one error body: {"detail": message, "code": stable code, "params": {…}} (+ route extras)."""
    return JSONResponse({"detail": detail, "code": code, "params": params or {}, **extra},
                        status_code=status, headers=headers)


def _constraint_message(exc: IntegrityError) -> str:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None) or "a database rule"
    return f"the change breaks {name}; check the values and try again"


def _audit_denial(request: Request, exc: HolomapError) -> None:
    """An audit row (outcome 'denied') for a 403/404 answered to a signed-in user.

    The request's own transaction has been rolled back, so the row is written in a transaction of its
    own. Routes that audit their denial themselves set request.state.denial_audited.
    """
    from api.audit.service import record  # the audit domain imports this module's errors

    user = getattr(request.state, "user", None)
    if user is None or getattr(request.state, "denial_audited", False):
        return
    route = request.scope.get("route")
    params = ",".join(f"{k}={v}" for k, v in request.path_params.items())
    with request.app.state.sessionmaker() as session:
        record(session, action=f"{request.method} {getattr(route, 'path', request.url.path)}"[:48],
               user_id=user.id, username=user.username, object_type="endpoint", object_id=params or None,
               outcome="denied", reason=f"{exc.status}: {exc.detail}"[:500],
               client_addr=request.client.host if request.client else None,
               request_id=getattr(request.state, "request_id", None))
        session.commit()


def install_error_handlers(app: FastAPI) -> None:
    """Translate domain and database errors into JSON {"detail": …} with a 4xx/503 status."""

    @app.exception_handler(HolomapError)
    async def _domain(request: Request, exc: HolomapError) -> JSONResponse:
        if exc.status in (403, 404):
            await run_in_threadpool(_audit_denial, request, exc)
        return _json(exc.status, exc.detail, exc.headers, code=exc.code, params=exc.params, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return _json(422, "invalid input — " + "; ".join(problems), code="request.validation", errors=problems)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        return _json(409, _constraint_message(exc), code="db.constraint")

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        return _json(422, "a value is malformed or out of range for its field", code="db.value")

    # the one-statement routes (lookup, tiles) use psycopg directly: a NUL byte in a text value or a number
    # out of range fails there as psycopg's own DataError, not SQLAlchemy's
    @app.exception_handler(psycopg.DataError)
    async def _data_async(_: Request, exc: psycopg.DataError) -> JSONResponse:
        return _json(422, "a value is malformed or out of range for its field", code="db.value")

    @app.exception_handler(OperationalError)
    async def _operational(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        return _json(503, "the database is unreachable; try again shortly or contact the administrator",
                     code="db.unavailable")

    @app.exception_handler(psycopg.OperationalError)
    async def _operational_async(_: Request, exc: psycopg.OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", type(exc).__name__)
        return _json(503, "the database is unreachable; try again shortly or contact the administrator",
                     code="db.unavailable")

    # No connection within the pool's wait: every connection busy, or the database not answering (the
    # pool cannot tell them apart here), so the message names both and the log says which pool
    @app.exception_handler(AsyncPoolTimeout)
    async def _async_pool(_: Request, exc: AsyncPoolTimeout) -> JSONResponse:
        log.error("no database connection in time (async pool): %s", exc)
        return _json(503, POOL_TIMEOUT, code="db.busy")

    @app.exception_handler(PoolTimeoutError)
    async def _pool(_: Request, exc: PoolTimeoutError) -> JSONResponse:
        log.error("no database connection in time (session pool)")
        return _json(503, POOL_TIMEOUT, code="db.busy")
