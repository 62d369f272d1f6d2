"""Token and /api/me per the contract: good and bad passwords, bad tokens, lockout."""
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.conftest import DEMO_PASSWORD, scalar


def test_token_then_me_for_an_officer(client, login):
    r = client.get("/api/me", headers=login("officer1"))
    assert r.status_code == 200
    me = r.json()
    assert me["username"] == "officer1"
    assert me["role"] == "officer"
    assert me["station_id"] is not None
    assert len(me["beats"]) >= 1


def test_chief_sees_every_beat_of_the_station_and_the_officer_only_own(client, login):
    chief = client.get("/api/me", headers=login("chief")).json()
    officer = client.get("/api/me", headers=login("officer1")).json()
    assert chief["role"] == "station_chief"
    assert set(officer["beats"]) < set(chief["beats"])
    assert 4 <= len(chief["beats"]) <= 8


def test_aggregate_roles_have_no_personal_scope(client, login):
    for username in ("planner", "leader"):
        assert client.get("/api/me", headers=login(username)).json()["beats"] == []


def test_bad_password_is_401_and_audited(client, app_conn):
    r = client.post("/api/auth/token", data={"username": "officer1", "password": "wrong"})
    assert r.status_code == 401
    assert r.json()["code"] == "auth.login_failed" and "wrong username or password" in r.json()["detail"]
    n = scalar(app_conn, "SELECT count(*) FROM audit_log WHERE username = 'officer1' AND outcome = 'failed'")
    assert n >= 1


def test_unknown_user_is_401(client):
    r = client.post("/api/auth/token", data={"username": "nobody", "password": "x"})
    assert r.status_code == 401


def test_me_without_a_token_is_401(client):
    r = client.get("/api/me")
    assert r.status_code == 401
    assert "Bearer" in r.headers["www-authenticate"]


@pytest.mark.parametrize("case", ["forged", "expired", "none_alg", "wrong_audience", "garbage"])
def test_bad_tokens_are_401(client, settings, case):
    now = datetime.now(UTC)
    claims = {"sub": "1", "aud": settings.token_audience, "iat": now, "exp": now + timedelta(minutes=5),
              "jti": "x"}
    if case == "forged":
        token = jwt.encode(claims, "another-secret-of-sufficient-length!", algorithm="HS256")
    elif case == "expired":
        token = jwt.encode({**claims, "exp": now - timedelta(minutes=1)}, settings.secret, algorithm="HS256")
    elif case == "none_alg":
        token = jwt.encode(claims, None, algorithm="none")
    elif case == "wrong_audience":
        token = jwt.encode({**claims, "aud": "other"}, settings.secret, algorithm="HS256")
    else:
        token = "not.a.token"
    r = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_five_failures_lock_the_account_even_for_the_right_password(client, settings):
    for _ in range(settings.lockout_attempts):
        r = client.post("/api/auth/token", data={"username": "grid3", "password": "bad"})
        assert r.status_code == 401
    r = client.post("/api/auth/token", data={"username": "grid3", "password": DEMO_PASSWORD})
    assert r.status_code == 401
    assert "locked" in r.json()["detail"]


def test_disabled_user_loses_access_on_the_next_request(client, login, app_conn):
    headers = login("aux2")
    assert client.get("/api/me", headers=headers).status_code == 200
    app_conn.exec_driver_sql("UPDATE app_user SET active = false WHERE username = 'aux2'")
    assert client.get("/api/me", headers=headers).status_code == 401
