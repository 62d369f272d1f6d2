"""Domain exceptions and the one place where they and database errors become HTTP answers."""
import logging
import math

import psycopg
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("holomap")


STATEMENT_TIMEOUT = ("the request took too long in the database and was stopped; try again, narrow the "
                     "request (a smaller area or fewer rows), or tell the administrator if it goes on")
LOCK_TIMEOUT = ("the data is being changed by another task (for example an import or a publication); "
                "try again in a few seconds")
IDLE_TIMEOUT = "the request's database transaction was left waiting too long and was ended; try again"
CONFLICT = "another task changed the same data at the same moment and this change was not saved; try again"
# SQLSTATEs with an answer of their own (503 with Retry-After): query_canceled (statement_timeout),
# lock_not_available (lock_timeout), idle_in_transaction_session_timeout (the server ended the session),
# deadlock_detected and serialization_failure (two transactions waited for each other: PostgreSQL rolled this
# one back, nothing of it was written — not a lost database, so not db.unavailable)
DB_TIMEOUTS = {"57014": {"code": "db.timeout", "detail": STATEMENT_TIMEOUT},
               "55P03": {"code": "db.lock_timeout", "detail": LOCK_TIMEOUT},
               "25P03": {"code": "db.idle_timeout", "detail": IDLE_TIMEOUT},
               "40P01": {"code": "db.conflict", "detail": CONFLICT},
               "40001": {"code": "db.conflict", "detail": CONFLICT}}
UNREACHABLE = "the database is unreachable; try again shortly or contact the administrator"
FAILOVER = ("the database is switching to its standby server and the change was not saved; try again in a "
            "few seconds")
# how long a client is asked to wait after the database was lost: a Patroni failover takes ~10–30 s, a
# plain reconnect less; clients (the offline outbox, scripts) retry after this
RETRY_AFTER_S = "5"
# marks a request whose database connection was lost (api/failover.py retries such a GET once)
DB_LOST = "holomap.db_lost"
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
    default_code = "resource.not_found"


class Forbidden(HolomapError):
    status = 403
    default_code = "access.forbidden"


class Unauthorized(HolomapError):
    status = 401
    default_code = "auth.required"


class Conflict(HolomapError):
    status = 409
    default_code = "data.conflict"


class DeniedProbe(Conflict):
    """A 409 that tells of a record outside the user's scope (e.g. an ID number registered in another
    beat): still answered, so the user knows to ask, and audited as a denied probe (outcome 'denied')."""

    default_code = "conflict.elsewhere"


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


class ClientClosedRequest(HolomapError):
    """The client disconnected before the answer (its statement was cancelled); nobody reads this."""

    status = 499
    default_code = "request.client_closed"


class IdempotentReplay(Exception):  # noqa: N818  (not an error: the answer of an earlier request)
    """The stored answer of an earlier request with the same Idempotency-Key (api/idempotency)."""

    def __init__(self, status: int, body: str):
        super().__init__(status)
        self.status = status
        self.body = body


def _json(status: int, detail: str, headers: dict[str, str] | None = None, *, code: str,
          params: dict | None = None, **extra) -> JSONResponse:
    """The one error body: {"detail": message, "code": stable code, "params": {…}} (+ route extras)."""
    return JSONResponse({"detail": detail, "code": code, "params": _finite(params or {}), **extra},
                        status_code=status, headers=headers)


def _finite(value):
    """params as JSON can carry them: an infinite or NaN number (from the request) as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _is_nul(message: str) -> bool:
    return "NUL (0x00)" in message or "null byte" in message or "null character" in message


def _nul_byte() -> JSONResponse:
    return _json(422, "a text value contains a NUL (0x00) character, which cannot be stored",
                 code="request.nul_byte")


def _value_out_of_range() -> JSONResponse:
    return _json(422, "a value is malformed or out of range for its field", code="db.value")


def validation_problem(err: dict) -> dict:
    """One pydantic error as {field, code, params, message}: `code` is pydantic's type (missing,
    string_too_long, greater_than…) and `params` its context (max_length, limit…), for the UI's text."""
    field = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
    params = {k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
              for k, v in (err.get("ctx") or {}).items()}
    return {"field": field, "code": str(err.get("type", "invalid")), "params": params,
            "message": str(err.get("msg", ""))}


def _constraint_message(exc: IntegrityError) -> str:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None) or "a database rule"
    return f"the change breaks {name}; check the values and try again"


def _audit_denial(request: Request, exc: HolomapError) -> None:
    """An audit row (outcome 'denied') for a 403/404 or a DeniedProbe answered to a signed-in user.

    The request's own transaction has been rolled back, so the row is written in a transaction of its
    own. Routes that audit their denial themselves set request.state.denial_audited.
    """
    from api.audit.service import record  # the audit domain imports this module's errors
    from api.clientaddr import client_address

    user = getattr(request.state, "user", None)
    if user is None or getattr(request.state, "denial_audited", False):
        return
    route = request.scope.get("route")
    params = ",".join(f"{k}={v}" for k, v in request.path_params.items())
    with request.app.state.sessionmaker() as session:
        record(session=session, action=f"{request.method} {getattr(route, 'path', request.url.path)}"[:48],
               user_id=user.id, username=user.username, object_type="endpoint", object_id=params or None,
               outcome="denied", reason_code="request.denied",
               reason_params={"status": exc.status, "code": exc.code, "params": _finite(exc.params)},
               client_addr=client_address(request),
               request_id=getattr(request.state, "request_id", None))
        session.commit()


def _db_timeout(sqlstate: str | None) -> JSONResponse | None:
    """503 db.timeout (statement_timeout), db.lock_timeout (lock_timeout), db.idle_timeout or db.conflict
    (deadlock, serialization failure), else None."""
    if sqlstate not in DB_TIMEOUTS:
        return None
    code, message = DB_TIMEOUTS[sqlstate]["code"], DB_TIMEOUTS[sqlstate]["detail"]
    log.warning("database %s (sqlstate %s)", code, sqlstate)
    return _json(503, message, {"Retry-After": "2"}, code=code)


READ_ONLY_SQLSTATE = "25006"  # "cannot execute … in a read-only transaction": the server is a standby now


def _db_lost(request: Request, *, retry: bool) -> JSONResponse:
    """503 db.unavailable with Retry-After; with `retry`, marks the request so that a GET runs once more."""
    if retry:
        request.scope[DB_LOST] = True
    return _json(503, UNREACHABLE, {"Retry-After": RETRY_AFTER_S}, code="db.unavailable")


def _failover(request: Request) -> JSONResponse:
    """503 db.failover: a write reached a primary that has just become a standby (Patroni failover).

    Nothing was written (the server refused the statement, the transaction is rolled back); the pool was
    dropped (api/db.py FAILOVER_SQLSTATES) so the client's retry connects to the new primary."""
    log.error("database failover: a statement reached a read-only server")
    request.scope[DB_LOST] = True
    return _json(503, FAILOVER, {"Retry-After": RETRY_AFTER_S}, code="db.failover")


def install_error_handlers(app: FastAPI) -> None:
    """Translate domain and database errors into JSON {"detail": …} with a 4xx/503 status."""

    @app.exception_handler(IdempotentReplay)
    async def _replay(_: Request, exc: IdempotentReplay) -> Response:
        return Response(exc.body, status_code=exc.status, media_type="application/json",
                        headers={"Idempotent-Replayed": "true"})

    @app.exception_handler(HolomapError)
    async def _domain(request: Request, exc: HolomapError) -> JSONResponse:
        if exc.status in (403, 404) or isinstance(exc, DeniedProbe):
            await run_in_threadpool(_audit_denial, request, exc)
        return _json(exc.status, exc.detail, exc.headers, code=exc.code, params=exc.params, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [validation_problem(err) for err in exc.errors()]
        sentences = [f"{p['field']}: {p['message']}" if p["field"] else p["message"] for p in problems]
        return _json(422, "invalid input — " + "; ".join(sentences), code="request.validation", errors=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # unknown routes (404), wrong methods (405) and any framework HTTPException: our body, a code
        code = {404: "route.not_found", 405: "route.method_not_allowed"}.get(exc.status_code, "http.error")
        detail = exc.detail if isinstance(exc.detail, str) else "the request cannot be answered"
        return _json(exc.status_code, detail, getattr(exc, "headers", None), code=code)

    @app.exception_handler(ValueError)
    async def _value(_: Request, exc: ValueError) -> JSONResponse:
        # NUL characters refused before the database sees them (psycopg, os paths); any other
        # ValueError is a bug and stays a 500
        if not _is_nul(str(exc)):
            raise exc
        return _nul_byte()

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        return _json(409, _constraint_message(exc), code="db.constraint")

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        return _nul_byte() if _is_nul(str(exc.orig)) else _value_out_of_range()

    # the one-statement routes (lookup, tiles) use psycopg directly: a NUL byte in a text value or a number
    # out of range fails there as psycopg's own DataError, not SQLAlchemy's
    @app.exception_handler(psycopg.DataError)
    async def _data_async(_: Request, exc: psycopg.DataError) -> JSONResponse:
        return _nul_byte() if _is_nul(str(exc)) else _value_out_of_range()

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> JSONResponse:
        timeout = _db_timeout(getattr(exc.orig, "sqlstate", None))
        if timeout is not None:
            return timeout
        log.error("database unavailable: %s", type(exc.orig).__name__)
        # an open connection broke (restart, failover): a GET is tried once more; a failed attempt to
        # connect is not (no host answered just now, the client is asked to come back later)
        return _db_lost(request, retry=exc.connection_invalidated)

    @app.exception_handler(psycopg.OperationalError)
    async def _operational_async(request: Request, exc: psycopg.OperationalError) -> JSONResponse:
        timeout = _db_timeout(exc.sqlstate)
        if timeout is not None:
            return timeout
        log.error("database unavailable: %s", type(exc).__name__)
        return _db_lost(request, retry=False)  # on_connection (api/db.py) has retried on a new connection already

    @app.exception_handler(InternalError)
    async def _internal(request: Request, exc: InternalError) -> JSONResponse:
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate == READ_ONLY_SQLSTATE:
            return _failover(request)
        timeout = _db_timeout(sqlstate)
        if timeout is None:
            raise exc
        return timeout

    # the psycopg routes (lookup, tiles) only read; a write there would meet the same demoted primary
    @app.exception_handler(psycopg.errors.ReadOnlySqlTransaction)
    async def _read_only_async(request: Request, exc: psycopg.Error) -> JSONResponse:
        return _failover(request)

    @app.exception_handler(psycopg.errors.IdleInTransactionSessionTimeout)
    async def _idle_async(_: Request, exc: psycopg.Error) -> JSONResponse:
        return _db_timeout(exc.sqlstate)

    # No connection within the pool's wait: every connection busy, or the database not answering (the
    # pool cannot tell them apart here), so the message names both
    @app.exception_handler(PoolTimeoutError)
    async def _pool(_: Request, exc: PoolTimeoutError) -> JSONResponse:
        log.error("no database connection in time (the pool's wait)")
        return _json(503, POOL_TIMEOUT, code="db.busy")
