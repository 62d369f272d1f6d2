"""Engine, session dependency and the declarative Base with a naming convention."""
import asyncio
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import psycopg
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolClosed
from sqlalchemy import MetaData, create_engine, event, make_url, text
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from api.config import Settings, normalise_database_url
from api.errors import RETRY_AFTER_S, UNREACHABLE, ClientClosedRequest, Unavailable

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
    """A pooled engine for the application role (or for `url`, one host or several).

    A dead pooled connection (database restarted, failed over) is found by the pre-ping at checkout,
    which then drops the whole pool and connects anew: while no server answers that fails at once (503),
    and the first request after one is back succeeds. A statement refused because the server is now a
    standby (FAILOVER_SQLSTATES) drops the pool too (handle_error below).
    """
    engine = create_engine(
        normalise_database_url(url or settings.database_url),
        pool_pre_ping=True,
        hide_parameters=True,  # error messages and logs never carry the values (names, ID numbers)
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_timeout=settings.pool_timeout_s,
        connect_args={"connect_timeout": libpq_connect_timeout(settings), "application_name": "holomap",
                      "options": server_options(settings)},
    )
    event.listen(engine, "handle_error", _failover_is_disconnect)
    return engine


def _failover_is_disconnect(context: ExceptionContext) -> None:
    if getattr(context.original_exception, "sqlstate", None) in FAILOVER_SQLSTATES:
        context.is_disconnect = True


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


class PoolCalls:
    """One-statement calls of the hot paths (lookup, tiles) on an async psycopg pool, no worker thread.

    Each call is one round trip in autocommit mode: the statement is its own transaction (the SQL
    functions it calls set the request's user with set_config(…, true) for that transaction only).
    The pool opens on first use, on the running event loop (a new loop, e.g. a new test client, gets its
    own pool). Call close() on the loop that opened the pool before that loop ends (the app's lifespan
    does): a loop that ends with its pool open while the pool is still connecting never finishes
    shutting down. (tests/test_db_pool.py)

    Failing fast and recovering at once: a pool is only made after one direct connection attempt
    succeeded (bounded by connect_timeout_s), so while the database is down every call fails at once
    (psycopg.OperationalError or Unavailable → 503) instead of waiting for the pool. A call whose
    connection turns out broken (database restarted, backend terminated) fails (503) and drops the whole
    pool, closing it in the background; the next call tries a fresh connection again instead of waiting
    for the pool's own reconnection backoff (1 s, 2 s, 4 s … in psycopg_pool).
    """

    def __init__(self, settings: Settings, url: str | None = None):
        self._conninfo = libpq_url(url or settings.database_url)
        self._max_size = settings.pool_size
        self._timeout = settings.pool_timeout_s
        self._connect_timeout = settings.connect_timeout_s
        self._kwargs = {"autocommit": True, "row_factory": dict_row,
                        "connect_timeout": libpq_connect_timeout(settings),
                        "application_name": "holomap", "options": server_options(settings)}
        self._pool: AsyncConnectionPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opening: asyncio.Lock | None = None
        self._failed_at: float | None = None  # loop time of the last failed connection attempt
        self._retiring: set[asyncio.Task] = set()

    async def _current(self) -> AsyncConnectionPool:
        loop = asyncio.get_running_loop()
        if self._pool is not None and self._loop is loop:
            return self._pool
        if self._opening is None or self._loop is not loop:
            self._opening, self._loop, self._pool, self._failed_at = asyncio.Lock(), loop, None, None
        asked = loop.time()
        async with self._opening:  # concurrent first calls make one pool
            if self._pool is None:
                if self._failed_at is not None and self._failed_at >= asked:
                    # a probe failed while this call waited for it: the same answer now, not another wait
                    raise unreachable()
                try:
                    await self._probe()
                except BaseException:
                    self._failed_at = loop.time()
                    raise
                pool = AsyncConnectionPool(
                    self._conninfo, min_size=1, max_size=self._max_size, open=False, timeout=self._timeout,
                    kwargs=self._kwargs,
                )
                await pool.open()
                self._pool = pool
        return self._pool

    async def _probe(self) -> None:
        """One direct connection attempt, bounded by connect_timeout_s (libpq's own floor is 2 s): raises
        psycopg.OperationalError (refused, wrong password …) or Unavailable (no answer in time)."""
        try:
            conn = await asyncio.wait_for(psycopg.AsyncConnection.connect(self._conninfo, **self._kwargs),
                                          self._connect_timeout)
        except TimeoutError:
            log.error("database unavailable: no connection within %.1f s", self._connect_timeout)
            raise unreachable() from None
        await conn.close()

    def _drop(self, pool: AsyncConnectionPool) -> None:
        """Forget a pool whose connection broke; close it in the background (its waiters get PoolClosed)."""
        if self._pool is pool:
            self._pool = None
            task = asyncio.get_running_loop().create_task(pool.close(timeout=1))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    async def one(self, sql: str, params: dict, *, request: Request | None = None) -> dict | None:
        """The first row of the statement (psycopg %(name)s parameters) as a dict, or None.

        With `request`, the statement is cancelled in the server when the client disconnects."""
        return await self.run(lambda conn: fetch_one(conn, sql, params), request=request)

    async def run(self, work: Callable[[psycopg.AsyncConnection], Awaitable[T]], *,
                  request: Request | None = None) -> T:
        """`work(conn)` on one pooled connection (its statements in autocommit, each one its own transaction,
        all on the same server: a version read first is never newer than the data read after it).

        The calls are reads: when the connection turns out broken (database restarted, failed over), the
        pool is dropped and `work` runs once more on a fresh connection, which libpq opens on whichever
        host of the URL now fits target_session_attrs; a second failure answers 503."""
        if request is None:
            return await self._run(work)
        return await cancel_on_disconnect(request, self._run(work))

    async def _run(self, work: Callable[[psycopg.AsyncConnection], Awaitable[T]]) -> T:
        for attempt in (1, 2):
            pool = await self._current()
            try:
                async with pool.connection() as conn:
                    try:
                        return await work(conn)
                    except psycopg.OperationalError as exc:
                        lost = conn.broken or conn.closed or exc.sqlstate in FAILOVER_SQLSTATES
                        if lost:  # the connection is gone, not only this statement
                            self._drop(pool)
                        if not lost or attempt == 2:
                            raise
                        log.warning("database connection lost (%s): one retry on a new connection",
                                    exc.sqlstate or type(exc).__name__)
            except PoolClosed:
                if attempt == 2 or self._pool is pool:
                    raise
                # this call was waiting in a pool dropped after another call's broken connection: once more
        raise AssertionError("not reached")

    async def close(self) -> None:
        if self._loop is asyncio.get_running_loop():
            if self._pool is not None:
                await self._pool.close()
            if self._retiring:
                await asyncio.gather(*self._retiring, return_exceptions=True)
        self._pool = self._loop = self._opening = self._failed_at = None


def unreachable() -> Unavailable:
    """503 db.unavailable with Retry-After: no host of the URL answered in time."""
    return Unavailable(UNREACHABLE, code="db.unavailable", headers={"Retry-After": RETRY_AFTER_S})


async def fetch_one(conn: psycopg.AsyncConnection, sql: str, params: dict) -> dict | None:
    """The first row of one statement on a PoolCalls connection (dict rows), or None."""
    cur = await conn.execute(sql, params)
    return await cur.fetchone()




async def cancel_on_disconnect(request: Request, call: Awaitable[T]) -> T:
    """Await `call`, cancelling it when the client disconnects (uvicorn does not cancel the request's task,
    so this watches the ASGI `receive` for http.disconnect). A cancelled psycopg async statement is
    cancelled in the server too. Only for requests without a body (GET): it consumes `receive`."""
    task = asyncio.ensure_future(call)
    gone = False

    async def watch() -> None:
        nonlocal gone
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                gone = True
                task.cancel()
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


class SessionCalls:
    """The same calls on the app's sessionmaker (tests: their sessions join the test's transaction)."""

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory

    def _one(self, sql: str, params: dict) -> dict | None:
        with self._factory() as session:
            row = session.connection().exec_driver_sql(sql, params).mappings().first()
            session.commit()
            return None if row is None else dict(row)

    async def one(self, sql: str, params: dict, *, request: Request | None = None) -> dict | None:
        return await run_in_threadpool(self._one, sql, params)

    async def run(self, work: Callable, *, request: Request | None = None):
        """`work(conn)` with an async-looking connection whose statements run on one session."""
        return await work(_SessionConn(self))

    async def close(self) -> None:
        return None


class _SessionConn:
    """The little of psycopg's AsyncConnection that `fetch_one` uses, on SessionCalls (tests)."""

    def __init__(self, calls: SessionCalls):
        self._calls = calls

    async def execute(self, sql: str, params: dict) -> "_Rows":
        return _Rows(await self._calls.one(sql, params))


class _Rows:
    def __init__(self, row: dict | None):
        self._row = row

    async def fetchone(self) -> dict | None:
        return self._row

