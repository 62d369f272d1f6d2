"""GET /api/health contract, including 503 when the database is down."""
from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app


def test_health_reports_postgis_version(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["postgis"].split(".")[0] == "3"
    assert body["database"] == "ok"


def test_health_is_503_with_a_message_when_the_database_is_down(settings):
    dead = Settings(DATABASE_URL="postgresql+psycopg://holomap_app@127.0.0.1:1/holomap_test")
    with TestClient(create_app(dead)) as c:
        r = c.get("/api/health")
    assert r.status_code == 503
    body = r.json()
    assert "database" in body["detail"]
    assert body["code"] == "db.unavailable" and body["database"] == "unavailable"


def test_security_headers_on_every_answer(client):
    r = client.get("/api/health")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-request-id"]


def test_oversized_payload_is_413_with_a_message(client, settings):
    big = b"x" * (settings.max_body_bytes + 1)
    r = client.post("/api/auth/token", content=big, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 413
    assert "too large" in r.json()["detail"]


def test_health_answers_within_its_timeout_when_the_database_does_not_answer(settings):
    """A database that accepts connections and never answers (a hung server, a dropped route): health
    says unavailable after its 1 s timeout, and at once while the probe is still waiting."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections complete in the backlog; nothing ever answers
    try:
        port = silent.getsockname()[1]
        hung = Settings(DATABASE_URL=f"postgresql+psycopg://holomap_app@127.0.0.1:{port}/holomap_test")
        with TestClient(create_app(hung)) as c:
            t0 = time.perf_counter()
            first = c.get("/api/health")
            first_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            second = c.get("/api/health")
            second_s = time.perf_counter() - t0
    finally:
        silent.close()
    assert first.status_code == 503 and first.json()["database"] == "unavailable"
    assert first_s < 1.5
    assert second.status_code == 503 and second_s < 0.2


def test_health_stays_ok_when_its_connection_was_ended_by_the_server(settings):
    """A failover or a restart ends the probe's open connection: the next check reconnects at once and
    answers 200, not a 503 for the seconds until a later probe (seen after a Patroni failover)."""
    import time

    from tests.pool_scenarios import owner_sql

    app = create_app(settings)
    with TestClient(app) as c:
        assert c.get("/api/health").status_code == 200
        probe = app.state.health
        pid = probe._conn.info.backend_pid
        owner_sql("SELECT pg_terminate_backend(%(pid)s)", {"pid": pid})
        deadline = time.monotonic() + 5
        while owner_sql("SELECT 1 FROM pg_stat_activity WHERE pid = %(pid)s", {"pid": pid}):
            assert time.monotonic() < deadline, "the probe's backend did not end"
            time.sleep(0.02)
        time.sleep(probe.ttl + 0.05)  # past the cached answer: the next check probes again
        r = c.get("/api/health")
        assert r.status_code == 200, r.json()
        assert r.json()["database"] == "ok"
        assert probe._conn.info.backend_pid != pid
