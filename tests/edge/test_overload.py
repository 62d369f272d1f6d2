"""A burst of slow requests is shed fast (503 + Retry-After) instead of queueing without bound, health
stays fast and reports the database, and everything answers again after the burst (issue 15.2).

A real uvicorn server with HOLOMAP_MAX_CONCURRENT=2 and a pool of one connection (plus one overflow),
and a test route that holds a pooled connection for a second (pg_sleep), as a slow report does.
"""
import statistics
import threading
import time

import anyio.to_thread
import httpx
import pytest
from fastapi import Request
from sqlalchemy import text

from api.main import create_app
from tests.edge.conftest import serve

SLOW_S = 1.0


def _app(settings, **update):
    app = create_app(settings.model_copy(update={"pool_size": 1, "max_concurrent": 2, **update}))

    @app.get("/api/test-slow")
    def slow(request: Request) -> dict:  # sync, like most routes: a worker thread and a pooled connection
        with request.app.state.sessionmaker() as session:
            session.execute(text("SELECT pg_sleep(:s)"), {"s": SLOW_S})
        return {"slept": SLOW_S}

    @app.get("/api/test-threads")
    async def threads() -> dict:
        return {"tokens": anyio.to_thread.current_default_thread_limiter().total_tokens}

    return app


def _burst(base: str, n: int) -> list[tuple[int, float, httpx.Headers, dict]]:
    """n concurrent GETs of the slow route released together: (status, seconds, headers, body)."""
    barrier = threading.Barrier(n)
    answers: list = [None] * n

    def one(i: int) -> None:
        with httpx.Client(timeout=30) as c:
            barrier.wait()
            t0 = time.perf_counter()
            r = c.get(base + "/api/test-slow")
            answers[i] = (r.status_code, time.perf_counter() - t0, r.headers, r.json())

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


@pytest.fixture(scope="module")
def base(settings):
    with serve(_app(settings, queue_wait_ms=200)) as (host, port):
        yield f"http://{host}:{port}"


def test_excess_requests_get_503_with_retry_after_fast_and_health_stays_fast(base):
    health_ms: list[float] = []
    health_bodies: list[dict] = []
    answers: list = []
    burst = threading.Thread(target=lambda: answers.extend(_burst(base, 12)))
    burst.start()
    time.sleep(0.3)  # the two slots are taken, the rest refused or waiting
    with httpx.Client(timeout=10) as c:
        while burst.is_alive() and len(health_ms) < 20:
            t0 = time.perf_counter()
            r = c.get(base + "/api/health")
            health_ms.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
            health_bodies.append(r.json())
            time.sleep(0.02)
    burst.join(60)

    ok = [a for a in answers if a[0] == 200]
    busy = [a for a in answers if a[0] == 503]
    assert len(ok) == 2 and len(busy) == 10, [a[0] for a in answers]
    for _, seconds, headers, body in busy:
        assert seconds < 1.0  # refused within the 200 ms queue wait, not after the slow ones
        assert headers["retry-after"] == "1"
        assert body["code"] == "server.busy" and body["params"] == {"retry_after": 1}
        assert headers["x-request-id"]  # answered inside the guard: security headers too
    assert all(seconds >= SLOW_S for _, seconds, _, _ in ok)

    assert health_ms and statistics.median(health_ms) < 100, health_ms
    assert max(health_ms) < 500, health_ms
    assert health_bodies[0]["database"] == "ok" and health_bodies[0]["postgis"].startswith("3")
    assert any(b["in_progress"] == 2 and b["limit"] == 2 for b in health_bodies), health_bodies

    # after the burst everything answers
    with httpx.Client(timeout=10) as c:
        assert c.get(base + "/api/test-slow").status_code == 200
        r = c.get(base + "/api/health")
        assert r.status_code == 200 and r.json()["in_progress"] == 0


def test_the_worker_threads_are_sized_to_the_pool(base):
    # pool_size 1 → the session pool holds 1 + 1 overflow connections, so 2 threads
    assert httpx.get(base + "/api/test-threads", timeout=5).json() == {"tokens": 2}


def test_a_request_waits_for_a_slot_within_the_queue_wait(settings):
    """With a queue wait longer than the slow requests, the extra ones are served, not refused."""
    with serve(_app(settings, queue_wait_ms=5000)) as (host, port):
        answers = _burst(f"http://{host}:{port}", 4)
    assert [a[0] for a in answers] == [200] * 4
    assert max(a[1] for a in answers) >= 2 * SLOW_S  # two of them waited for a slot


def test_fewer_worker_threads_than_slots_queue_on_the_event_loop(settings):
    """HOLOMAP_WORKER_THREADS below the slots (fewer threads computing in Python contend less with the
    event loop for the GIL; bench/overload.py): a request in progress waits for a thread without
    blocking anything, extra ones are still refused fast, and nothing deadlocks."""
    with serve(_app(settings, queue_wait_ms=200, worker_threads=1)) as (host, port):
        base = f"http://{host}:{port}"
        assert httpx.get(base + "/api/test-threads", timeout=5).json() == {"tokens": 1}
        answers = _burst(base, 4)
        assert httpx.get(base + "/api/health", timeout=5).json()["in_progress"] == 0
    ok = sorted(a[1] for a in answers if a[0] == 200)
    busy = [a[1] for a in answers if a[0] == 503]
    assert len(ok) == 2 and len(busy) == 2, [a[0] for a in answers]
    assert ok[0] >= SLOW_S and ok[1] >= 2 * SLOW_S  # one after the other on the one thread
    assert max(busy) < 1.0


def test_the_worker_threads_never_exceed_the_session_pool(settings):
    def limit(**update):
        return settings.model_copy(update={"pool_size": 5, "worker_threads": None, **update}).thread_limit

    assert limit() == 10
    assert limit(worker_threads=4) == 4
    assert limit(worker_threads=100) == 10  # a thread more than the connections would wait for one
