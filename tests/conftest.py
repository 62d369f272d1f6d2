"""Shared fixtures: a real PostGIS test database (seeded by `make test`), the app, clients and users.

Every test runs inside one outer transaction that is rolled back at its end: the app's sessions
join it through savepoints, so routes may commit and the seeded data is still untouched afterwards.

Row-level security: the outer connection (`app_conn`) belongs to the schema owner, so fixtures and
assertions see every row; each session of the app switches to the application role (SET ROLE, the
owner is a member of it) and clears the request user, as a fresh pooled transaction would, so the app's
requests run under the policies exactly as in production. `as_app_role(conn)` does the same for SQL
written in a test.
"""
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from api.config import Settings
from api.db import Statements
from api.main import create_app

DEMO_PASSWORD = os.environ.get("HOLOMAP_DEMO_PASSWORD", "demo-password")
# a worker's analytics warm-up (api/analytics/preload.py) is off in the tests' apps and servers (each app
# would spend a second or two warming caches no test reads); tests/analytics/test_preload.py turns it on
os.environ.setdefault("HOLOMAP_ANALYTICS_PRELOAD", "false")
# nothing written to analytics_stored outside the transactions the tests roll back, except by its own tests
# (tests/analytics/test_stored.py): rows kept by one test would spare another the loads it counts
os.environ.setdefault("HOLOMAP_ANALYTICS_STORED", "false")


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
    engine = create_engine(settings.database_url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def owner_engine(settings: Settings) -> Iterator[Engine]:
    # the app's routes run on this engine's connections in most tests (app_conn): JIT off as on the app's own
    # connections (api.db.server_options) — with it on, PostgreSQL compiled the offline pack's statements for
    # seconds in every test that downloads one
    engine = create_engine(settings.owner_url, pool_pre_ping=True, connect_args={"options": "-c jit=off"})
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


def _enter_app_role(conn: Connection, role: str) -> None:
    conn.exec_driver_sql(f'SET ROLE "{role}"')
    conn.exec_driver_sql("SELECT set_config('holomap.user_id', '', true), set_config('holomap.role', '', true),"
                         " set_config('holomap.import', '', true)")


@contextmanager
def as_app_role(conn: Connection, role: str | None = None) -> Iterator[Connection]:
    """Run the block on `conn` as the application role with no request user (RLS applies)."""
    _enter_app_role(conn, role or Settings().app_db_role)
    try:
        yield conn
    finally:
        conn.exec_driver_sql("RESET ROLE")


class AppRoleSession(Session):
    """A session of the app on the test's connection, run as the application role."""

    app_role = "holomap_app"

    def close(self) -> None:
        conn = self.bind
        super().close()
        if not conn.closed and conn.in_transaction():
            conn.exec_driver_sql("RESET ROLE")


def _app_role_sessions(conn: Connection, role: str) -> sessionmaker[Session]:
    factory = sessionmaker(bind=conn, class_=AppRoleSession, join_transaction_mode="create_savepoint",
                           expire_on_commit=False, autoflush=False)

    @event.listens_for(factory, "after_begin")
    def _as_app(session, transaction, connection) -> None:
        _enter_app_role(connection, role)

    return factory


class _Borrowed:
    def __init__(self, driver_connection) -> None:
        self.driver_connection = driver_connection


class TransactionStatements(Statements):
    """api.db.Statements on the test's connection: one_row runs its production code (compile, psycopg's async
    interface on the connection, cancel on disconnect), its statement joining the test's transaction (rolled
    back after the test) in a savepoint, as the application role."""

    def __init__(self, conn: Connection, role: str):
        super().__init__(conn.engine)
        self.conn, self.role = conn, role

    async def checkout(self) -> _Borrowed:
        self.conn.exec_driver_sql("SAVEPOINT one_row")
        _enter_app_role(self.conn, self.role)
        return _Borrowed(self.conn.connection.driver_connection)

    async def release(self, proxy, conn) -> None:
        failed = conn.pgconn.transaction_status == psycopg.pq.TransactionStatus.INERROR
        self.conn.exec_driver_sql("ROLLBACK TO SAVEPOINT one_row" if failed else "RELEASE SAVEPOINT one_row")
        self.conn.exec_driver_sql("RESET ROLE")


@pytest.fixture()
def app_conn(app, owner_engine: Engine, settings: Settings) -> Iterator[Connection]:
    """The test's connection (owner: sees every row); the app's sessions join its transaction as the app role."""
    with owner_engine.connect() as conn:
        trans = conn.begin()
        state = app.state
        original = (state.sessionmaker, state.statements, state.read_sessionmaker, state.read_statements)
        # every route, the one-statement ones (lookup, tiles: api.db.one_row) too, runs its production code on
        # this sessionmaker: the test's transaction, rolled back after the test; the read pool
        # (HOLOMAP_READ_DATABASE_URL) is the same transaction too
        state.sessionmaker = _app_role_sessions(conn, settings.app_db_role)
        state.statements = TransactionStatements(conn, settings.app_db_role)
        state.read_sessionmaker, state.read_statements = state.sessionmaker, state.statements
        try:
            yield conn
        finally:
            state.sessionmaker, state.statements, state.read_sessionmaker, state.read_statements = original
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
def app_session(app, app_conn: Connection) -> Iterator[Session]:
    """An ORM session as the app role inside the test's transaction."""
    with app.state.sessionmaker() as session:
        yield session


@pytest.fixture(scope="session", autouse=True)
def no_stored_arrays(owner_engine: Engine) -> None:
    """No analytics arrays kept by a server run on the test database outside the tests (analytics_stored, written
    by any app started with its own pool: `holomap serve`, a benchmark, a screenshot script): the tests that count
    what the caches load from the database expect to load it. The tests never write it (HOLOMAP_ANALYTICS_STORED
    is off here) except tests/analytics/test_stored.py, which removes what it wrote."""
    with owner_engine.begin() as conn:
        if conn.execute(text("SELECT to_regclass('analytics_stored') IS NOT NULL")).scalar():
            conn.execute(text("DELETE FROM analytics_stored"))


@pytest.fixture()
def no_stored_near_repeat(owner_engine: Engine) -> Iterator[None]:
    """No near-repeat answer stored by an earlier test or run (near_repeat_result is written on connections of
    its own, committed, outside the test's transaction): a test that counts computations starts from none."""
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM near_repeat_result"))
    yield
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM near_repeat_result"))


def scalar(conn: Connection, sql: str, **params):
    """One value from SQL."""
    return conn.execute(text(sql), params).scalar()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run (Playwright's sync API allows one instance per thread)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's /usr/bin/chromium (make test installs it)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
