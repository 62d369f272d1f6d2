"""Domain exceptions and the one place where they and database errors become HTTP answers."""
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger("holomap")


class HolomapError(Exception):
    """A problem the user can act on; `status` is the HTTP status it maps to."""

    status = 400

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra or {}


class NotFound(HolomapError):
    status = 404


class Forbidden(HolomapError):
    status = 403


class Unauthorized(HolomapError):
    status = 401


class Conflict(HolomapError):
    status = 409


class PreconditionFailed(HolomapError):
    status = 412


class PreconditionRequired(HolomapError):
    status = 428


class InvalidInput(HolomapError):
    status = 422


class PayloadTooLarge(HolomapError):
    status = 413


class Unavailable(HolomapError):
    status = 503


def _json(status: int, detail: str, headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status, headers=headers)


def _constraint_message(exc: IntegrityError) -> str:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None) or "a database rule"
    return f"the change breaks {name}; check the values and try again"


def install_error_handlers(app: FastAPI) -> None:
    """Translate domain and database errors into JSON {"detail": …} with a 4xx/503 status."""

    @app.exception_handler(HolomapError)
    async def _domain(_: Request, exc: HolomapError) -> JSONResponse:
        return _json(exc.status, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return _json(422, "invalid input — " + "; ".join(problems), errors=problems)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        return _json(409, _constraint_message(exc))

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        return _json(422, "a value is malformed or out of range for its field")

    @app.exception_handler(OperationalError)
    async def _operational(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", type(exc.orig).__name__)
        return _json(503, "the database is unreachable; try again shortly or contact the administrator")

    @app.exception_handler(PoolTimeoutError)
    async def _pool(_: Request, exc: PoolTimeoutError) -> JSONResponse:
        return _json(503, "the server is busy; try again shortly")
