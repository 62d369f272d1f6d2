"""Sessions and audit: logout revokes, login rate limit, scope changes with an old token, the audit log
API, audit rows that roll the action back when they fail, and no personal data in access logs."""
import logging
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import api.audit.queries as audit_queries
from api.accesslog import DropQueryString
from api.auth.ratelimit import LoginLimiter
from tests.conftest import DEMO_PASSWORD, scalar
from tests.visits.places import household_in

OFFICER1_BEAT = """
SELECT b.id FROM beat_member m JOIN app_user u ON u.id = m.user_id JOIN beat b ON b.id = m.beat_id
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published' WHERE u.username = 'officer1' LIMIT 1
"""


def _token(client, username: str) -> dict[str, str]:
    r = client.post("/api/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_logout_revokes_the_token_and_only_that_token(client, app_conn):
    first, second = _token(client, "officer3"), _token(client, "officer3")
    assert client.get("/api/me", headers=first).status_code == 200
    assert client.post("/api/auth/logout", headers=first).status_code == 204
    assert client.get("/api/me", headers=first).status_code == 401
    assert client.post("/api/auth/logout", headers=first).status_code == 401
    assert client.get("/api/me", headers=second).status_code == 200
    assert scalar(app_conn, "SELECT count(*) FROM revoked_token WHERE user_id = "
                            "(SELECT id FROM app_user WHERE username = 'officer3')") == 1
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'logout' AND username = 'officer3'"
                            " AND at >= now()") == 1  # this transaction's rows only


def test_logout_prunes_expired_revocations(client, app_conn):
    app_conn.execute(text("INSERT INTO revoked_token (jti, user_id, expires_at) "
                          "VALUES ('old', 1, now() - interval '1 hour')"))
    assert client.post("/api/auth/logout", headers=_token(client, "officer4")).status_code == 204
    assert scalar(app_conn, "SELECT count(*) FROM revoked_token WHERE jti = 'old'") == 0


def test_login_is_rate_limited_per_address(app, client, app_conn):
    original = getattr(app.state, "login_limiter", None)
    app.state.login_limiter = LoginLimiter(per_minute=1, burst=3)
    try:
        codes = [client.post("/api/auth/token", data={"username": "officer5", "password": "bad"}).status_code
                 for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        r = client.post("/api/auth/token", data={"username": "officer5", "password": DEMO_PASSWORD})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'login' AND outcome = 'denied' "
                                "AND reason_code = 'login.rate_limited'") >= 2
    finally:
        app.state.login_limiter = original


def test_lockout_after_five_failures_is_audited(client, app_conn, settings):
    for _ in range(settings.lockout_attempts):
        client.post("/api/auth/token", data={"username": "grid5", "password": "bad"})
    r = client.post("/api/auth/token", data={"username": "grid5", "password": DEMO_PASSWORD})
    assert r.status_code == 401 and "locked" in r.json()["detail"]
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE username = 'grid5' AND outcome = 'locked'") >= 1


def test_changing_a_users_beats_applies_on_the_next_request_with_the_old_token(client, app_conn):
    headers = _token(client, "officer1")
    home = household_in(app_conn, app_conn.execute(text(OFFICER1_BEAT)).scalar())
    assert client.get(f"/api/households/{home.id}/visits", headers=headers).status_code == 200
    app_conn.execute(text("DELETE FROM beat_member WHERE user_id = (SELECT id FROM app_user "
                          "WHERE username = 'officer1')"))
    assert client.get("/api/me", headers=headers).json()["beats"] == []
    assert client.get(f"/api/households/{home.id}/visits", headers=headers).status_code in (403, 404)


def test_audit_api_is_for_admins_newest_first_with_filters(client, login, app_conn):
    client.get("/api/me", headers=login("officer1"))
    client.get("/api/buildings/999999999/floorplan", headers=login("officer1"))
    r = client.get("/api/audit", params={"user": "officer1", "limit": 50}, headers=login("admin"))
    assert r.status_code == 200
    rows = r.json()["rows"]
    assert rows and all(row["username"] == "officer1" for row in rows)
    # compared as instants: the ISO text of a whole second has no fraction, so it does not sort as text
    times = [datetime.fromisoformat(row["at"].replace("Z", "+00:00")) for row in rows]
    assert times == sorted(times, reverse=True)
    assert any(row["outcome"] == "denied" for row in rows)
    only = client.get("/api/audit", params={"object_type": "endpoint"}, headers=login("admin"))
    assert all(row["object_type"] == "endpoint" for row in only.json()["rows"])
    for username in ("officer1", "chief", "planner", "leader"):
        assert client.get("/api/audit", headers=login(username)).status_code == 403


def test_a_failed_audit_insert_rolls_the_action_back(client, login, app_conn, monkeypatch):
    home = household_in(app_conn, app_conn.execute(text(OFFICER1_BEAT)).scalar())
    before = scalar(app_conn, "SELECT count(*) FROM visit WHERE household_id = :h", h=home.id)
    headers = login("officer1")  # signed in first: the sign-in writes an audit row too (first test of a run)
    # the CHECK on audit_log.outcome refuses this row: the visit it records must not stay
    monkeypatch.setattr(audit_queries, "INSERT_AUDIT", audit_queries.INSERT_AUDIT.replace(":outcome", "'bogus'"))
    r = client.post("/api/visits", json={"household_id": home.id, "checklist": {}}, headers=headers)
    assert r.status_code >= 400
    assert scalar(app_conn, "SELECT count(*) FROM visit WHERE household_id = :h", h=home.id) == before


def test_the_app_role_cannot_tamper_with_the_audit_log_through_the_api_connection(client, login, app_conn):
    from tests.conftest import as_app_role

    with as_app_role(app_conn):
        for sql in ("UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log", "TRUNCATE audit_log",
                    "ALTER TABLE audit_log DISABLE TRIGGER ALL", "ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY"):
            with pytest.raises(DBAPIError):
                with app_conn.begin_nested():
                    app_conn.execute(text(sql))


def test_access_log_drops_query_strings():
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("1.2.3.4", "GET", "/api/search?q=370102199001011234", "1.1", 200), None)
    DropQueryString().filter(record)
    assert "3701" not in record.getMessage() and "/api/search" in record.getMessage()


def test_error_bodies_do_not_echo_id_numbers(client, login):
    id_number = "37160219900101123X"
    for path, params in (("/api/search", {"q": id_number[:3]}), ("/api/lookup", {"lon": "x", "lat": id_number})):
        r = client.get(path, params=params, headers=login("officer1"))
        assert r.status_code == 422 and id_number not in r.text
