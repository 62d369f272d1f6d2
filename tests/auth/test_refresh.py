"""Sliding sessions (issue 16): POST /api/auth/refresh rotates a one-time refresh token; reuse revokes the
family; the session ends at its maximum, locks when idle, and ends on sign-out, password change or reset
and account disabling (the tokens_valid_after cut-off)."""
from sqlalchemy import text

from tests.conftest import DEMO_PASSWORD, scalar


def sign_in(client, username: str = "officer1") -> dict:
    r = client.post("/api/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()


def refresh(client, token: str):
    return client.post("/api/auth/refresh", json={"refresh_token": token})


def bearer(body: dict) -> dict:
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_sign_in_starts_a_session_and_refresh_rotates_it(client, app_conn, settings):
    first = sign_in(client)
    assert first["refresh_token"] and 0 < first["refresh_expires_in"] <= settings.session_idle_minutes * 60
    assert first["session_expires_in"] <= settings.session_max_hours * 3600
    stored = scalar(app_conn, "SELECT count(*) FROM refresh_token WHERE token_hash = encode(sha256(CAST(:t AS bytea)),"
                    " 'hex')", t=first["refresh_token"])
    assert stored == 1  # only its hash is kept
    assert scalar(app_conn, "SELECT count(*) FROM refresh_token WHERE token_hash = :t", t=first["refresh_token"]) == 0
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 200, second.text
    renewed = second.json()
    assert renewed["refresh_token"] != first["refresh_token"] and renewed["access_token"] != first["access_token"]
    assert client.get("/api/me", headers=bearer(renewed)).json()["username"] == "officer1"
    third = refresh(client, renewed["refresh_token"])
    assert third.status_code == 200


def test_reusing_a_used_refresh_token_revokes_the_whole_session(client, app_conn):
    first = sign_in(client)
    renewed = refresh(client, first["refresh_token"]).json()
    stolen = refresh(client, first["refresh_token"])  # the old one again: two parties hold the family
    assert stolen.status_code == 401 and stolen.json()["code"] == "auth.refresh_reused"
    # the legitimate holder's newer token is dead too
    r = refresh(client, renewed["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "auth.session_ended"
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'session.refresh' "
                  "AND reason_code = 'session.refused' AND reason_params ->> 'code' = 'auth.refresh_reused'") >= 1


def test_an_unknown_or_malformed_refresh_token_is_401_or_422(client):
    r = refresh(client, "not-a-token")
    assert r.status_code == 401 and r.json()["code"] == "auth.refresh_invalid"
    assert client.post("/api/auth/refresh", json={}).status_code == 422
    assert client.post("/api/auth/refresh", json={"refresh_token": "x" * 500}).status_code == 422


def test_an_idle_session_locks(client, app_conn):
    first = sign_in(client)
    app_conn.execute(text("UPDATE refresh_token SET issued_at = issued_at - interval '31 minutes' "
                          "WHERE token_hash = encode(sha256(CAST(:t AS bytea)), 'hex')"), {"t": first["refresh_token"]})
    r = refresh(client, first["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "auth.session_idle"


def test_a_session_ends_at_its_maximum_whatever_happens(client, app_conn, settings):
    first = sign_in(client)
    app_conn.execute(text("UPDATE auth_session SET started_at = started_at - make_interval(hours => :h) "
                          "WHERE id IN (SELECT session_id FROM refresh_token "
                          "WHERE token_hash = encode(sha256(CAST(:t AS bytea)), 'hex'))"),
                     {"t": first["refresh_token"], "h": int(settings.session_max_hours)})
    r = refresh(client, first["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "auth.session_expired"


def test_sign_out_ends_the_session(client):
    first = sign_in(client)
    assert client.post("/api/auth/logout", headers=bearer(first)).status_code == 204
    r = refresh(client, first["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "auth.session_ended"


def test_disabling_the_account_or_resetting_its_password_ends_its_sessions(client, app_conn):
    first = sign_in(client, "aux2")
    app_conn.execute(text("UPDATE app_user SET password_hash = password_hash || '' , active = false "
                          "WHERE username = 'aux2'"))
    r = refresh(client, first["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "auth.session_ended"
    app_conn.execute(text("UPDATE app_user SET active = true WHERE username = 'aux2'"))  # re-enabled: still ended
    assert refresh(client, first["refresh_token"]).json()["code"] == "auth.session_ended"


def test_a_password_reset_by_the_administrator_ends_the_session(client, login, app_conn):
    first = sign_in(client, "grid3")
    user_id = scalar(app_conn, "SELECT id FROM app_user WHERE username = 'grid3'")
    assert client.post(f"/api/users/{user_id}/password-reset", headers=login("admin")).status_code == 200
    r = refresh(client, first["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "auth.session_ended"


def test_a_one_time_password_sign_in_gets_no_refresh_token(client, login, app_conn):
    user_id = scalar(app_conn, "SELECT id FROM app_user WHERE username = 'grid4'")
    one_time = client.post(f"/api/users/{user_id}/password-reset", headers=login("admin")).json()
    password = next(v for k, v in one_time.items() if "password" in k)
    r = client.post("/api/auth/token", data={"username": "grid4", "password": password})
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    assert r.json()["refresh_token"] is None
