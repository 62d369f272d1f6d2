"""Shared fixtures: a real PostGIS test database (seeded by `make test`), the app, clients and users.

Every test runs inside one outer transaction that is rolled back at its end: the app's sessions
join it through savepoints, so routes may commit and the seeded data is still untouched afterwards.
"""
import os
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from api.config import Settings
from api.main import create_app

DEMO_PASSWORD = os.environ.get("HOLOMAP_DEMO_PASSWORD", "demo-password")


def _require_test_database(url: str) -> None:
    name = url.rsplit("/", 1)[-1].split("?")[0]
    if "test" not in name:
        pytest.exit(f"refusing to run tests against database {name!r}: its name must contain 'test'", 2)


@pytest.fixture(scope="session")
def settings() -> Settings:
    s = Settings()
    _require_test_database(s.database_url)
    return s


@pytest.fixture(scope="session")
def app_engine(settings: Settings) -> Iterator[Engine]:
    engine = create_engine(settings.database_url, pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def owner_engine(settings: Settings) -> Iterator[Engine]:
    engine = create_engine(settings.owner_url, pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture()
def db(owner_engine: Engine) -> Iterator[Connection]:
    """A connection as the owning role inside a transaction that is rolled back."""
    with owner_engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


@pytest.fixture(scope="session")
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture()
def app_conn(app, app_engine: Engine) -> Iterator[Connection]:
    """The app role's connection for this test; the app's sessions join its transaction."""
    with app_engine.connect() as conn:
        trans = conn.begin()
        original = app.state.sessionmaker
        app.state.sessionmaker = sessionmaker(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False, autoflush=False
        )
        try:
            yield conn
        finally:
            app.state.sessionmaker = original
            trans.rollback()


@pytest.fixture()
def client(app, app_conn: Connection) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def token_cache() -> dict[str, str]:
    return {}


@pytest.fixture()
def login(client: TestClient, token_cache: dict[str, str]) -> Callable[[str], dict[str, str]]:
    """login("officer1") → headers with a bearer token for that demo account."""

    def _login(username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        if username not in token_cache:
            r = client.post("/api/auth/token", data={"username": username, "password": password})
            assert r.status_code == 200, r.text
            token_cache[username] = r.json()["access_token"]
        return {"Authorization": f"Bearer {token_cache[username]}"}

    return _login


@pytest.fixture()
def app_session(app_conn: Connection) -> Iterator[Session]:
    """An ORM session as the app role inside the test's transaction."""
    with Session(bind=app_conn, join_transaction_mode="create_savepoint") as session:
        yield session


def scalar(conn: Connection, sql: str, **params):
    """One value from SQL."""
    return conn.execute(text(sql), params).scalar()
