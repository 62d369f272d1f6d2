"""Issue 15.7: the sign-in rate limit lives in PostgreSQL (login_throttle), so it holds across workers,
hosts and restarts: separate app instances share it, and a concurrent burst on separate committed
connections lets exactly `burst` attempts through."""
import threading
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth.ratelimit import LoginLimiter
from api.main import create_app
from tests.conftest import scalar


@pytest.fixture()
def scratch_key(owner_engine) -> Iterator[str]:
    """A client address of this test only; its committed row is removed afterwards."""
    key = f"test-{uuid.uuid4().hex[:12]}"
    yield key
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM login_throttle WHERE client_addr = :k"), {"k": key})


def _take(app_engine, limiter: LoginLimiter, key: str) -> float:
    """One attempt on its own connection (the app role), committed: as a worker of its own."""
    with Session(app_engine) as session:
        wait = limiter.take(session, key)
        session.commit()
    return wait


def test_two_app_instances_share_the_limit(app, client, app_conn, settings):
    other = create_app(settings)  # another worker: its own settings, state, limiter and auth cache
    other.state.sessionmaker = app.state.sessionmaker  # the same database (the test's transaction)
    original = getattr(app.state, "login_limiter", None)
    app.state.login_limiter = LoginLimiter(per_minute=1, burst=3)
    other.state.login_limiter = LoginLimiter(per_minute=1, burst=3)
    try:
        with TestClient(other) as second:
            codes = [c.post("/api/auth/token", data={"username": "officer6", "password": "bad"}).status_code
                     for c in (client, second, client, second, client)]
        # per process, each instance would have let 3 through (6 in all)
        assert codes == [401, 401, 401, 429, 429]
        assert scalar(app_conn, "SELECT allowed FROM login_throttle WHERE client_addr = 'testclient'") is False
    finally:
        app.state.login_limiter = original


def test_a_concurrent_burst_lets_exactly_the_burst_through(app_engine, scratch_key):
    burst, threads = 5, 12  # within the engine pool (5 + 10 overflow)
    limiter = LoginLimiter(per_minute=1, burst=burst)  # refills 1/60 token a second: none during the test
    barrier = threading.Barrier(threads)
    results: list[float] = []
    lock = threading.Lock()

    def attempt() -> None:
        with Session(app_engine) as session:
            session.execute(text("SELECT 1"))  # connected before the barrier: the attempts start together
            barrier.wait(timeout=30)
            wait = limiter.take(session, scratch_key)
            session.commit()
        with lock:
            results.append(wait)

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert len(results) == threads
    assert sum(1 for wait in results if wait == 0) == burst
    assert all(wait > 1 for wait in results if wait)


def test_the_limit_survives_a_restart_and_refills(app_engine, owner_engine, scratch_key):
    first = LoginLimiter(per_minute=60, burst=2)
    assert [_take(app_engine, first, scratch_key) for _ in range(2)] == [0.0, 0.0]
    restarted = LoginLimiter(per_minute=60, burst=2)  # a new process: nothing in memory
    wait = _take(app_engine, restarted, scratch_key)
    assert 0 < wait <= 1.0  # one token a second
    with owner_engine.begin() as conn:  # 1.5 s later, as far as the bucket can tell
        conn.execute(text("UPDATE login_throttle SET updated_at = updated_at - interval '1.5 seconds' "
                          "WHERE client_addr = :k"), {"k": scratch_key})
    assert _take(app_engine, restarted, scratch_key) == 0.0
    assert _take(app_engine, restarted, scratch_key) > 0


def test_refilled_buckets_are_pruned(app_engine, owner_engine, scratch_key):
    stale = scratch_key + "-stale"
    try:
        with owner_engine.begin() as conn:
            conn.execute(text("INSERT INTO login_throttle (client_addr, tokens, allowed, updated_at) "
                              "VALUES (:k, 0, false, now() - interval '1 hour')"), {"k": stale})
        limiter = LoginLimiter(per_minute=10, burst=10)  # refills completely in 60 s
        limiter._pruned_at = float("-inf")  # due now
        assert _take(app_engine, limiter, scratch_key) == 0.0
        with owner_engine.connect() as conn:
            keys = {r[0] for r in conn.execute(text("SELECT client_addr FROM login_throttle "
                                                    "WHERE client_addr IN (:a, :b)"), {"a": stale, "b": scratch_key})}
        assert keys == {scratch_key}
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DELETE FROM login_throttle WHERE client_addr = :k"), {"k": stale})
