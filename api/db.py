"""Engine, session dependency and the declarative Base with a naming convention."""
import asyncio
from collections.abc import AsyncIterator

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import MetaData, create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from api.config import Settings

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


def make_engine(settings: Settings, url: str | None = None) -> Engine:
    """A pooled engine for the application role (or for `url`)."""
    return create_engine(
        url or settings.database_url,
        pool_pre_ping=True,
        hide_parameters=True,  # error messages and logs never carry the values (names, ID numbers)
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        # JIT compilation costs tens of ms on short interactive queries and never pays off here
        connect_args={"connect_timeout": 5, "application_name": "holomap", "options": "-c jit=off"},
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
        await run_in_threadpool(session.close)


def set_request_user(session: Session, *, user_id: int | None, role: str | None) -> None:
    """Make the request's user visible to SQL (row-level security) for this transaction only."""
    session.execute(
        text("SELECT set_config('holomap.user_id', :uid, true), set_config('holomap.role', :role, true)"),
        {"uid": "" if user_id is None else str(user_id), "role": role or ""},
    )


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as a libpq connection URI for psycopg itself."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PoolCalls:
    """One-statement calls of the hot paths (lookup, tiles) on an async psycopg pool, no worker thread.

    Each call is one round trip in autocommit mode: the statement is its own transaction (the SQL
    functions it calls set the request's user with set_config(…, true) for that transaction only).
    The pool opens on first use, on the running event loop (a new loop, e.g. a new test client, gets its
    own pool). A connection closed by the server fails one call (psycopg.OperationalError → 503) and is
    then replaced by the pool. Call close() on the loop that opened the pool before that loop ends (the
    app's lifespan does): a loop that ends with its pool open while the pool is still connecting never
    finishes shutting down. (tests/test_db_pool.py)
    """

    def __init__(self, settings: Settings):
        self._conninfo = libpq_url(settings.database_url)
        self._max_size = settings.pool_size
        self._pool: AsyncConnectionPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _current(self) -> AsyncConnectionPool:
        loop = asyncio.get_running_loop()
        if self._pool is None or self._loop is not loop:
            pool = AsyncConnectionPool(
                self._conninfo, min_size=1, max_size=self._max_size, open=False, timeout=10,
                kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": 5,
                        "application_name": "holomap", "options": "-c jit=off"},
            )
            await pool.open()
            self._pool, self._loop = pool, loop
        return self._pool

    async def one(self, sql: str, params: dict) -> dict | None:
        """The first row of the statement (psycopg %(name)s parameters) as a dict, or None."""
        pool = await self._current()
        async with pool.connection() as conn:
            cur = await conn.execute(sql, params)
            return await cur.fetchone()

    async def close(self) -> None:
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            await self._pool.close()
        self._pool = self._loop = None


class SessionCalls:
    """The same calls on the app's sessionmaker (tests: their sessions join the test's transaction)."""

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory

    def _one(self, sql: str, params: dict) -> dict | None:
        with self._factory() as session:
            row = session.connection().exec_driver_sql(sql, params).mappings().first()
            session.commit()
            return None if row is None else dict(row)

    async def one(self, sql: str, params: dict) -> dict | None:
        return await run_in_threadpool(self._one, sql, params)

    async def close(self) -> None:
        return None
