"""Issue 14.8: sign-in does not tell which usernames exist — the same argon2 work and the same answer for
an unknown user, a wrong password, a disabled and a locked account (the audit log still says which)."""
import statistics
import time

import pytest
from sqlalchemy import text

from api.auth.ratelimit import LoginLimiter
from tests.conftest import DEMO_PASSWORD, scalar


@pytest.fixture()
def no_rate_limit(app, app_conn):
    original = getattr(app.state, "login_limiter", None)
    app.state.login_limiter = LoginLimiter(per_minute=1000, burst=1000)
    yield
    app.state.login_limiter = original


def _sign_in(client, username: str, password: str = "wrong-password"):
    started = time.perf_counter()
    r = client.post("/api/auth/token", data={"username": username, "password": password})
    return r, time.perf_counter() - started


def test_unknown_and_known_users_take_the_same_time(client, no_rate_limit):
    unknown, known = [], []
    for n in range(5):  # interleaved, so that a slow moment of the machine hits both alike
        r, seconds = _sign_in(client, f"nobody-{n}")
        assert r.status_code == 401
        unknown.append(seconds)
        r, seconds = _sign_in(client, f"aux{n + 1}")
        assert r.status_code == 401
        known.append(seconds)
    ratio = statistics.median(unknown) / statistics.median(known)
    print(f"sign-in median: unknown {statistics.median(unknown) * 1000:.0f} ms, "
          f"known {statistics.median(known) * 1000:.0f} ms, ratio {ratio:.2f}")
    assert 0.5 <= ratio <= 2.0, (unknown, known)


def test_unknown_wrong_disabled_and_locked_get_the_same_answer(client, app_conn, settings, no_rate_limit):
    for _ in range(settings.lockout_attempts):
        _sign_in(client, "grid6")
    app_conn.execute(text("UPDATE app_user SET active = false WHERE username = 'grid7'"))
    answers = {
        "unknown": _sign_in(client, "no-such-user")[0],
        "wrong password": _sign_in(client, "grid8")[0],
        "locked, right password": _sign_in(client, "grid6", DEMO_PASSWORD)[0],
        "disabled, right password": _sign_in(client, "grid7", DEMO_PASSWORD)[0],
    }
    first = answers["unknown"]
    assert first.status_code == 401 and first.json()["code"] == "auth.login_failed"
    assert first.json()["params"] == {"attempts": settings.lockout_attempts, "minutes": settings.lockout_minutes}
    assert "grid" not in first.text and "no-such-user" not in first.text
    for case, r in answers.items():
        assert (r.status_code, r.content, r.headers.get("www-authenticate")) == (
            first.status_code, first.content, first.headers.get("www-authenticate")), case
    # the audit log (administrators only) keeps the difference
    outcomes = dict(app_conn.execute(text(
        "SELECT username, string_agg(DISTINCT outcome || ':' || coalesce(reason_code, ''), ',') FROM audit_log "
        "WHERE action = 'login' AND username IN ('no-such-user', 'grid6', 'grid7', 'grid8')"
        " AND at >= now()"  # this transaction's rows only: the audit log keeps every earlier run's
        " GROUP BY username")).all())
    assert outcomes["no-such-user"] == "failed:login.unknown_user"
    assert "locked:login.locked" in outcomes["grid6"]
    assert outcomes["grid7"] == "failed:login.disabled"
    assert outcomes["grid8"] == "failed:login.wrong_password"


def test_a_locked_account_is_not_unlocked_by_the_right_password(client, app_conn, settings, no_rate_limit):
    for _ in range(settings.lockout_attempts):
        _sign_in(client, "grid9")
    assert _sign_in(client, "grid9", DEMO_PASSWORD)[0].status_code == 401
    assert scalar(app_conn, "SELECT locked_until > now() FROM app_user WHERE username = 'grid9'")
