"""Engine, session dependency and the declarative Base with a naming convention."""
from collections.abc import Iterator
from functools import lru_cache

from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from api.config import get_settings

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


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    """The pooled engine for the application role (or for `url`)."""
    settings = get_settings()
    return create_engine(
        url or settings.database_url,
        pool_pre_ping=True,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        connect_args={"connect_timeout": 5, "application_name": "holomap"},
    )


@lru_cache
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False, autoflush=False)


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session and one transaction per request, committed by the caller."""
    session = _session_factory()()
    try:
        yield session
    finally:
        session.close()


def set_request_user(session: Session, *, user_id: int | None, role: str | None) -> None:
    """Make the request's user visible to SQL (row-level security) for this transaction only."""
    session.execute(
        text("SELECT set_config('holomap.user_id', :uid, true), set_config('holomap.role', :role, true)"),
        {"uid": "" if user_id is None else str(user_id), "role": role or ""},
    )
