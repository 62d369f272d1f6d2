"""Issue 14.1: the development secret is refused in production; tokens need `iat`, may not come from the
future nor outlive HOLOMAP_TOKEN_MINUTES; and a token issued before an account was disabled or its
password changed stays refused — on /api (begin_request and its cache), the click lookup and tiles."""
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import text

from api.auth import queries
from api.auth.passwords import hash_password
from api.config import DEV_SECRET, Settings
from api.main import create_app
from api.startup import MAKE_SECRET
from tests.conftest import DEMO_PASSWORD

TILE = "/tiles/beats/14/13500/6200.mvt"
LOOKUP = "/api/lookup?lon=117.0&lat=37.4"


def _fresh_token(client, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    r = client.post("/api/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _statuses(client, headers) -> dict[str, int]:
    """The status of every path that checks a token: /api (begin_request), lookup, tiles."""
    return {"me": client.get("/api/me", headers=headers).status_code,
            "lookup": client.get(LOOKUP, headers=headers).status_code,
            "tile": client.get(TILE, headers=headers).status_code}


def _accepted(statuses: dict[str, int]) -> bool:
    return all(code != 401 for code in statuses.values())


def _refused(statuses: dict[str, int]) -> bool:
    return all(code == 401 for code in statuses.values())


# ---- the signing secret in production --------------------------------------------------------------------

@pytest.mark.parametrize(("secret", "says"), [(DEV_SECRET, "development secret"), ("short-secret-1234", "bytes")])
def test_production_refuses_a_default_or_short_secret(settings, secret, says):
    prod = Settings(DATABASE_URL=settings.database_url, HOLOMAP_ENV="production", HOLOMAP_SECRET=secret)
    with pytest.raises(RuntimeError, match=says) as failure:
        create_app(prod)
    assert MAKE_SECRET in str(failure.value)


def test_production_accepts_a_long_random_secret_and_development_the_default(settings):
    prod = Settings(DATABASE_URL=settings.database_url, HOLOMAP_ENV="production", HOLOMAP_SECRET="k" * 32)
    assert create_app(prod).state.settings.is_production
    dev = Settings(DATABASE_URL=settings.database_url, HOLOMAP_ENV="development", HOLOMAP_SECRET=DEV_SECRET)
    assert not create_app(dev).state.settings.is_production


# ---- the token's own claims ------------------------------------------------------------------------------

def _forged(settings, user_id: int, **claims) -> dict[str, str]:
    base = {"sub": str(user_id), "aud": settings.token_audience, "jti": f"forged-{time.time()}"}
    token = jwt.encode({**base, **claims}, settings.secret, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def _uid(app_conn, username: str) -> int:
    return app_conn.execute(text("SELECT id FROM app_user WHERE username = :u"), {"u": username}).scalar()


@pytest.mark.parametrize("case", ["ten_years", "no_iat", "iat_in_the_future", "lifetime_plus_a_minute"])
def test_tokens_without_iat_from_the_future_or_living_too_long_are_refused(client, app_conn, settings, case):
    now = datetime.now(UTC)
    lifetime = timedelta(minutes=settings.token_minutes)
    claims = {
        "ten_years": {"iat": now, "exp": now + timedelta(days=3650)},
        "no_iat": {"exp": now + timedelta(minutes=5)},
        "iat_in_the_future": {"iat": now + timedelta(hours=1), "exp": now + timedelta(hours=1) + lifetime},
        "lifetime_plus_a_minute": {"iat": now - timedelta(minutes=5),
                                   "exp": now - timedelta(minutes=5) + lifetime + timedelta(minutes=1)},
    }[case]
    headers = _forged(settings, _uid(app_conn, "admin"), **claims)
    r = client.get("/api/audit", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "auth.token_invalid"
    assert _refused(_statuses(client, headers))


def test_a_token_within_the_rules_and_a_little_clock_skew_is_accepted(client, app_conn, settings):
    now = datetime.now(UTC)
    lifetime = timedelta(minutes=settings.token_minutes)
    # issued 3 s "in the future" by a server whose clock runs ahead; lives exactly the configured time
    headers = _forged(settings, _uid(app_conn, "officer1"), iat=now + timedelta(seconds=3),
                      exp=now + timedelta(seconds=3) + lifetime)
    assert _accepted(_statuses(client, headers))


def test_issued_tokens_carry_iat_and_the_configured_lifetime(client, settings):
    r = client.post("/api/auth/token", data={"username": "officer1", "password": DEMO_PASSWORD})
    claims = jwt.decode(r.json()["access_token"], settings.secret, algorithms=["HS256"],
                        audience=settings.token_audience)
    assert abs(claims["iat"] - time.time()) < 60
    assert 0 < claims["exp"] - claims["iat"] <= settings.token_minutes * 60


# ---- the per-user cut-off --------------------------------------------------------------------------------

def test_a_token_from_before_a_disable_stays_refused_after_re_enabling(client, app_conn):
    old = _fresh_token(client, "aux3")
    for _ in range(2):  # the second round is served by the auth cache
        assert _accepted(_statuses(client, old))
    app_conn.execute(text("UPDATE app_user SET active = false WHERE username = 'aux3'"))
    assert _refused(_statuses(client, old))
    app_conn.execute(text("UPDATE app_user SET active = true WHERE username = 'aux3'"))
    assert _refused(_statuses(client, old))  # before the fix: accepted again
    assert client.get("/api/me", headers=old).json()["code"] == "auth.session_ended"
    new = _fresh_token(client, "aux3")
    assert _accepted(_statuses(client, new))


def test_a_password_change_ends_every_session_of_the_user(client, app_conn):
    first, second = _fresh_token(client, "aux4"), _fresh_token(client, "aux4")
    assert _accepted(_statuses(client, first)) and _accepted(_statuses(client, first))  # cached
    # what `holomap set-password` runs
    app_conn.execute(text(queries.SET_PASSWORD), {"h": hash_password("a-new-password-1"), "u": "aux4"})
    assert _refused(_statuses(client, first)) and _refused(_statuses(client, second))
    new = _fresh_token(client, "aux4", "a-new-password-1")
    assert _accepted(_statuses(client, new))


def test_any_password_update_sets_the_cut_off_but_other_user_changes_do_not(app_conn):
    def cutoff():
        return app_conn.execute(text("SELECT tokens_valid_after FROM app_user WHERE username = 'aux5'")).scalar()

    before = cutoff()
    app_conn.execute(text("UPDATE app_user SET failed_logins = 1, display_name = display_name || '·', "
                          "active = true WHERE username = 'aux5'"))
    assert cutoff() == before
    app_conn.execute(text("UPDATE app_user SET password_hash = 'x' WHERE username = 'aux5'"))
    changed = cutoff()
    assert changed is not None and changed != before
    app_conn.execute(text("UPDATE app_user SET active = false WHERE username = 'aux5'"))
    assert cutoff() > changed


def test_every_token_check_in_sql_needs_iat(app_conn):
    """The functions without iat are gone: a caller that forgets it fails instead of skipping the rule."""
    names = {r.sig for r in app_conn.execute(text(
        "SELECT p.oid::regprocedure::text AS sig FROM pg_proc p WHERE p.proname IN "
        "('holomap_begin_request', 'holomap_lookup', 'holomap_map_request')"))}
    assert len(names) == 3 and all("double precision" in sig for sig in names), names
