"""The per-process auth cache (api.auth.service.AuthCache, migration 0009): a cached user is used only
while the auth generation is unchanged, so every change applies on the very next request."""
from sqlalchemy import text

from tests.conftest import scalar

USER = "(SELECT id FROM app_user WHERE username = 'officer2')"


def _entries(app, username: str) -> list:
    return [u for _, u in app.state.auth_cache._entries.values() if u.username == username]


def test_a_second_request_is_served_from_the_cache(app, client, login):
    headers = login("officer2")
    assert client.get("/api/me", headers=headers).status_code == 200
    assert _entries(app, "officer2")
    assert client.get("/api/me", headers=headers).json()["username"] == "officer2"


def test_every_change_that_begin_request_reads_bumps_the_generation(app_conn):
    changes = [
        f"UPDATE app_user SET display_name = display_name || '·' WHERE id = {USER}",
        f"UPDATE app_user SET active = active WHERE id = {USER}",
        f"UPDATE app_user SET password_hash = password_hash || '' WHERE id = {USER}",
        f"UPDATE app_user SET tokens_valid_after = now() WHERE id = {USER}",
        f"DELETE FROM beat_member WHERE user_id = {USER}",
        "UPDATE beat_plan SET status = status",
        "UPDATE beat SET code = code WHERE id = (SELECT min(id) FROM beat)",
        "INSERT INTO revoked_token (jti, user_id, expires_at) VALUES ('gen-test', 1, now() + interval '1 h')",
    ]
    for sql in changes:
        before = scalar(app_conn, "SELECT gen FROM auth_generation")
        app_conn.execute(text(sql))
        assert scalar(app_conn, "SELECT gen FROM auth_generation") != before, sql


def test_other_user_columns_and_beat_geometry_leave_the_generation_alone(app_conn):
    before = scalar(app_conn, "SELECT gen FROM auth_generation")
    app_conn.execute(text(f"UPDATE app_user SET failed_logins = 0 WHERE id = {USER}"))
    app_conn.execute(text("UPDATE beat SET updated_at = now() WHERE id = (SELECT min(id) FROM beat)"))
    assert scalar(app_conn, "SELECT gen FROM auth_generation") == before


def test_a_disabled_user_is_refused_on_the_next_request_after_a_cache_hit(app, client, login, app_conn):
    headers = login("officer2")
    for _ in range(3):
        assert client.get("/api/me", headers=headers).status_code == 200
    app_conn.execute(text(f"UPDATE app_user SET active = false WHERE id = {USER}"))
    assert client.get("/api/me", headers=headers).status_code == 401
    assert client.get("/tiles/beats/14/13500/6200.mvt", headers=headers).status_code == 401


def test_a_role_change_applies_on_the_next_request_after_a_cache_hit(client, login, app_conn):
    headers = login("officer2")
    assert client.get("/api/me", headers=headers).json()["role"] == "officer"
    assert client.get("/api/me", headers=headers).json()["role"] == "officer"
    app_conn.execute(text(f"UPDATE app_user SET role = 'planner' WHERE id = {USER}"))
    assert client.get("/api/me", headers=headers).json()["role"] == "planner"
    assert client.get("/api/lookup?lon=117.0&lat=37.4", headers=headers).status_code == 403


def test_generations_are_never_reused_after_a_rollback(owner_engine):
    with owner_engine.connect() as conn:
        before = scalar(conn, "SELECT gen FROM auth_generation")
        conn.execute(text(f"UPDATE app_user SET active = active WHERE id = {USER}"))
        rolled_back = scalar(conn, "SELECT gen FROM auth_generation")
        conn.rollback()
        assert scalar(conn, "SELECT gen FROM auth_generation") == before
        conn.execute(text(f"UPDATE app_user SET active = active WHERE id = {USER}"))
        assert scalar(conn, "SELECT gen FROM auth_generation") not in (before, rolled_back)
        conn.rollback()
