"""Engine, session dependency and the declarative Base with a naming convention."""
import asyncio
import functools
import logging
import math
import select
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, TypeVar

import psycopg
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from sqlalchemy import MetaData, create_engine, event, make_url, text
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.engine import Compiled, Connection, Engine, ExceptionContext
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection

from api.config import Settings, normalise_database_url
from api.errors import ClientClosedRequest

log = logging.getLogger("holomap")
T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every ORM table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def server_options(settings: Settings) -> str:
    """libpq `options` of every app connection: JIT off and the app role's timeouts (docs/DECISIONS.md).

    Per connection, so they hold whatever the role's or the server's defaults are; an import or export
    raises its own statement timeout for its transaction only (allow_long_statements).
    """
    return (
        "-c jit=off"  # JIT compilation costs tens of ms on short interactive queries and never pays off here
        f" -c statement_timeout={settings.statement_timeout_ms}"
        f" -c lock_timeout={settings.lock_timeout_ms}"
        f" -c idle_in_transaction_session_timeout={settings.idle_in_transaction_timeout_ms}"
    )


def libpq_connect_timeout(settings: Settings) -> int:
    """connect_timeout for libpq/psycopg: whole seconds, and libpq treats anything below 2 as 2."""
    return max(2, math.ceil(settings.connect_timeout_s))


# SQLSTATEs after which no pooled connection is to be trusted: the server went read-only (a primary
# demoted by a failover: "cannot execute … in a read-only transaction") or is shutting down or starting.
# They count as disconnects: SQLAlchemy then drops the whole pool and the next checkout connects anew,
# and libpq's target_session_attrs picks the current primary among the hosts of the URL.
FAILOVER_SQLSTATES = frozenset({"25006", "57P01", "57P02", "57P03", "08006", "08003", "08001"})


def database_hosts(url: str) -> list[str]:
    """The host:port list of a database URL (one or several), for logs and /api/health."""
    u = make_url(normalise_database_url(url))
    many = u.query.get("host")
    if many:
        return list(many) if isinstance(many, tuple) else [many]
    return [f"{u.host or 'localhost'}:{u.port or 5432}"]


def make_engine(settings: Settings, url: str | None = None) -> Engine:
    """The pooled engine of the application role (or of `url`, one host or several): a worker's one pool
    (with HOLOMAP_READ_DATABASE_URL, one more for the hot standbys' non-personal reads).

    A dead pooled connection (database restarted, backend terminated) is found at checkout without a round
    trip (`_alive`: the server closes the socket of a connection it ends) and replaced by a new one; while
    the database refuses connections that fails at once (503), and the first request after it is back
    succeeds. A statement refused because the server is now a standby (FAILOVER_SQLSTATES) drops the pool
    too (_failover_is_disconnect), and libpq's target_session_attrs picks the new primary among the hosts.
    """
    engine = create_engine(
        normalise_database_url(url or settings.database_url),
        hide_parameters=True,  # error messages and logs never carry the values (names, ID numbers)
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_timeout=settings.pool_timeout_s,
        connect_args={"connect_timeout": libpq_connect_timeout(settings), "application_name": "holomap",
                      "options": server_options(settings)},
    )
    event.listen(engine, "checkout", _alive)
    event.listen(engine, "handle_error", _failover_is_disconnect)
    return engine


def _failover_is_disconnect(context: ExceptionContext) -> None:
    if getattr(context.original_exception, "sqlstate", None) in FAILOVER_SQLSTATES:
        context.is_disconnect = True


def _alive(dbapi_connection: psycopg.Connection, record, proxy) -> None:
    """Checkout check of a pooled connection, no round trip (a pre-ping costs one, and opens a transaction):
    an idle connection has nothing to read unless the server ended it (its termination notice, then EOF;
    no LISTEN is used, and the server sends nothing else to an idle session). Then SQLAlchemy's pool drops
    it and checks out another."""
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection is closed")
    readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    if readable:
        raise DisconnectionError("the server ended the connection")


def allow_long_statements(session: Session | Connection, milliseconds: int) -> None:
    """Raise statement_timeout (and the idle-in-transaction timeout, as an import works in Python between
    its statements) for the current transaction only, as SET LOCAL does; imports and exports. 0: no limit."""
    session.execute(
        text("SELECT set_config('statement_timeout', :ms, true), "
             "set_config('idle_in_transaction_session_timeout', :ms, true)"),
        {"ms": str(int(milliseconds))},
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency: one session (one transaction) per request; the route commits writes.

    Async so that opening the session (no I/O: the connection is checked out by the first statement)
    costs no worker-thread hop (~0.2 ms each); closing it may talk to the database, so it runs in one.
    """
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        await run_in_threadpool(close_session, session)


# a route's database session, one transaction per request (get_session): `session: DbSession`
DbSession = Annotated[Session, Depends(get_session)]


def close_session(session: Session) -> None:
    """End a request's session. Its rollback can fail when the server went away after the answer was sent
    (a failover): the connection is then discarded, and nothing is raised into a finished response."""
    try:
        session.close()
    except DBAPIError as exc:
        log.warning("database connection lost while ending a request's session: %s",
                    type(getattr(exc, "orig", exc)).__name__)
        try:
            session.invalidate()
        except DBAPIError:
            pass


def set_request_user(session: Session, *, user_id: int | None, role: str | None) -> None:
    """Make the request's user visible to SQL (row-level security) for this transaction only."""
    session.execute(
        text("SELECT set_config('holomap.user_id', :uid, true), set_config('holomap.role', :role, true)"),
        {"uid": "" if user_id is None else str(user_id), "role": role or ""},
    )


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…, one host or several) as a libpq conninfo for psycopg."""
    parsed = make_url(normalise_database_url(url))
    _, kwargs = parsed.get_dialect()().create_connect_args(parsed)
    return make_conninfo(**kwargs)


class Statements:
    """Where the one-statement hot paths (lookup, tiles: one_row) get their connection: the worker's one pool.

    A connection of the SQLAlchemy pool (the one every route uses) is borrowed and its statement run on the
    event loop through psycopg's async interface on the same libpq connection (`_on_loop`), so these routes
    take no worker-thread hop. Taking a connection is immediate when the pool has an idle one; otherwise
    (connecting, or waiting for a busy pool) it happens in a worker thread, so the loop does not wait.
    (An idle connection found dead at checkout is replaced on the spot, on the loop: one local connect.)
    The tests use the same class on their own connection (`TransactionStatements`, tests/conftest.py).
    """

    def __init__(self, engine: Engine):
        self.engine = engine

    async def checkout(self) -> PoolProxiedConnection:
        if self.engine.pool.checkedin() > 0:  # type: ignore[attr-defined]
            return self.engine.raw_connection()
        return await run_in_threadpool(self.engine.raw_connection)

    async def release(self, proxy: PoolProxiedConnection, conn: psycopg.Connection) -> None:
        if proxy.is_valid and conn.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            proxy.invalidate()  # broken or cancelled mid-way
        proxy.close()

    def compile(self, sql: str) -> Compiled:
        return _compiled(self.engine.dialect, sql)


@functools.lru_cache(maxsize=256)
def _compiled(dialect, sql: str) -> Compiled:
    """A `:name` statement compiled by SQLAlchemy for the driver (psycopg's %(name)s, literal % escaped)."""
    return text(sql).compile(dialect=dialect)


def driver_statement(sql: str, params: dict) -> tuple[str, dict]:
    """A `:name` statement and its parameters as psycopg itself takes them, compiled by SQLAlchemy (benchmarks
    timing the raw SQL on a bare psycopg connection use the app's own statements this way)."""
    compiled = _compiled(_PSYCOPG, sql)
    return compiled.string, compiled.construct_params(params)


_PSYCOPG = postgresql_psycopg.dialect()


def _on_loop(conn: psycopg.Connection) -> psycopg.AsyncConnection:
    """psycopg's async interface on a pooled connection's libpq connection, kept with it: autocommit (the
    statement is its own transaction, one round trip; inside an open transaction, as in the tests, it joins
    it), sharing the sync interface's registry of server-side prepared statements (one server session: a
    statement run 5 times is prepared once, under one name)."""
    wrapper = getattr(conn, "_holomap_on_loop", None)
    if wrapper is None:
        pgconn = conn.pgconn
        handlers = pgconn.notice_handler, pgconn.notify_handler
        wrapper = psycopg.AsyncConnection(pgconn, row_factory=dict_row)
        pgconn.notice_handler, pgconn.notify_handler = handlers  # the sync side keeps its own (psycopg private
        # attributes below: tests/test_db_pool.py and the lookup/tiles tests fail if a psycopg upgrade moves them)
        wrapper._autocommit = True
        wrapper._prepared = conn._prepared
        wrapper._pool = None  # its libpq connection is closed by the sync side's owner (no "deleted while open")
        conn._holomap_on_loop = wrapper
    return wrapper


async def one_row(request: Request, sql: str, params: dict, *, read: bool = False) -> dict | None:
    """The first row of one statement (`:name` parameters) as a dict, or None: the one-statement hot paths
    (lookup, tiles) on the worker's one pool (app.state.statements: Statements), on the event loop.
    `read=True`: a non-personal read, on the read pool (a hot standby when HOLOMAP_READ_DATABASE_URL is set).

    The SQL functions these statements call set the request's user with set_config(…, true), for that
    statement's transaction only. When the client disconnects before the answer (GET requests: this watches
    the ASGI `receive`), the statement is cancelled in the server and the request ends with
    ClientClosedRequest. A broken connection is dropped from the pool and the call tried once more on a new
    one (on_connection).
    """
    return await on_connection(request, lambda conn: conn.one(sql, params), read=read)


class OnLoop:
    """One pooled connection lent to `on_connection`'s work: `await conn.one(sql, params)` runs a `:name`
    statement on the event loop (autocommit: each statement its own transaction, all on the same server)."""

    def __init__(self, wrapper: psycopg.AsyncConnection, statements: "Statements"):
        self._wrapper, self._statements = wrapper, statements

    async def one(self, sql: str, params: dict) -> dict | None:
        compiled = self._statements.compile(sql)
        return await _fetch(self._wrapper, compiled.string, compiled.construct_params(params))


async def _fetch(wrapper: psycopg.AsyncConnection, sql: str, values: dict) -> dict | None:
    cur = await wrapper.execute(sql, values)
    return await cur.fetchone()


async def on_connection(request: Request, work: Callable[[OnLoop], Awaitable[T]], *, read: bool = False) -> T:
    """`work(conn)` on one connection of the worker's pool (the read pool when `read`), on the event loop,
    cancelled in the server when the client disconnects (see one_row). The work only reads: when the
    connection turns out broken (database restarted, failed over: FAILOVER_SQLSTATES), it is dropped and
    `work` runs once more on a fresh connection, which libpq opens on whichever host of the URL now fits
    target_session_attrs; a second failure answers 503."""
    state = request.app.state
    statements = (getattr(state, "read_statements", None) or state.statements) if read else state.statements
    for attempt in (1, 2):
        proxy = await statements.checkout()
        conn = proxy.driver_connection
        try:
            task = asyncio.ensure_future(work(OnLoop(_on_loop(conn), statements)))
            return await _unless_disconnected(request, task)
        except psycopg.OperationalError as exc:
            lost = conn.broken or conn.closed or exc.sqlstate in FAILOVER_SQLSTATES
            if lost:  # the connection is gone (or its server is no longer what the URL asks for)
                proxy.invalidate()
            if not lost or attempt == 2:
                raise
            log.warning("database connection lost (%s): one retry on a new connection",
                        exc.sqlstate or type(exc).__name__)
        finally:
            await statements.release(proxy, conn)
    raise AssertionError("not reached")


async def _unless_disconnected(request: Request, task: asyncio.Future):
    gone = False

    async def watch() -> None:
        nonlocal gone
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                gone = True
                task.cancel()  # psycopg cancels the statement in the server and waits for its end
                return

    watcher = asyncio.ensure_future(watch())
    try:
        return await task
    except asyncio.CancelledError:
        if gone and task.cancelled():
            log.info("client disconnected: its statement was cancelled")
            raise ClientClosedRequest("the client closed the request", code="request.client_closed") from None
        raise
    finally:
        watcher.cancel()
