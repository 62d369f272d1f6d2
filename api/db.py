"""Engine, session dependency and the declarative Base with a naming convention."""
from collections.abc import AsyncIterator

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import MetaData, create_engine, text
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
