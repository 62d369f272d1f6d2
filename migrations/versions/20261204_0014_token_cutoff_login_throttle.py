"""token cut-off per user, and the sign-in rate limit in PostgreSQL — issues 14.1 and 15.7

- `app_user.tokens_valid_after`: tokens issued (JWT `iat`) before it are refused. A BEFORE UPDATE trigger
  sets it to clock_timestamp() when an account is disabled or its password changes (the API, `holomap
  set-password`, or SQL by hand), so re-enabling an account does not bring its old tokens back.
- Every path that checks a token now takes its `iat` (seconds since the epoch, with fraction):
  `holomap_begin_request(user, jti, iat)` (requests through api.auth.dependencies, and the click
  lookup `holomap_lookup(…, p_iat)`) and `holomap_map_request(user, jti, iat, layer)` (vector tiles).
  The two-argument begin_request and the old lookup/map_request signatures are dropped, so a caller
  that does not pass `iat` fails loudly instead of skipping the rule.
- The auth generation (migration 0009) also moves with `password_hash` and `tokens_valid_after`, so the
  per-process auth cache sees the cut-off on the very next request.
- `login_throttle`: one token bucket per client address, updated in one INSERT … ON CONFLICT DO UPDATE …
  RETURNING (api/auth/queries.py TAKE_LOGIN_TOKEN), shared by every worker and host; the app prunes rows
  whose bucket has refilled.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
MEMBER_ROLES = "('officer', 'auxiliary', 'grid_member')"
OLD_BUMP = "INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, username, display_name, role, station_id, active"
NEW_BUMP = OLD_BUMP + ", password_hash, tokens_valid_after"

CUTOFF_TRIGGER = """
CREATE FUNCTION holomap_token_cutoff() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF (OLD.active AND NOT NEW.active) OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
    NEW.tokens_valid_after := clock_timestamp();
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER app_user_token_cutoff BEFORE UPDATE OF active, password_hash ON app_user
FOR EACH ROW EXECUTE FUNCTION holomap_token_cutoff();
"""

# as migration 0008's, plus p_iat: a missing iat, or one before the user's cut-off, answers no row
BEGIN_REQUEST = f"""
CREATE FUNCTION holomap_begin_request(p_user_id integer, p_jti text, p_iat double precision)
RETURNS TABLE (id integer, username text, display_name text, role text, station_id integer,
               beat_ids integer[], beat_codes text[])
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
  u app_user%ROWTYPE;
  ids integer[] := '{{}}';
  codes text[] := '{{}}';
BEGIN
  IF p_jti IS NULL OR p_iat IS NULL OR EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = p_jti) THEN
    RETURN;
  END IF;
  SELECT * INTO u FROM app_user a
  WHERE a.id = p_user_id AND a.active
    AND (a.tokens_valid_after IS NULL OR a.tokens_valid_after <= to_timestamp(p_iat));
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM set_config('holomap.user_id', u.id::text, true), set_config('holomap.role', u.role, true);
  IF u.role = 'station_chief' THEN
    SELECT coalesce(array_agg(b.id ORDER BY b.code, b.id), '{{}}'),
           coalesce(array_agg(b.code::text ORDER BY b.code, b.id), '{{}}') INTO ids, codes
    FROM beat_plan p JOIN beat b ON b.plan_id = p.id
    WHERE p.station_id = u.station_id AND p.status = 'published';
  ELSIF u.role IN {MEMBER_ROLES} THEN
    SELECT coalesce(array_agg(b.id ORDER BY b.code, b.id), '{{}}'),
           coalesce(array_agg(b.code::text ORDER BY b.code, b.id), '{{}}') INTO ids, codes
    FROM beat b JOIN beat_plan p ON p.id = b.plan_id
    WHERE p.status = 'published'
      AND b.id IN (SELECT m.beat_id FROM beat_member m WHERE m.user_id = u.id);
  END IF;
  RETURN QUERY SELECT u.id, u.username::text, u.display_name, u.role::text, u.station_id, ids, codes;
END $$;
"""

MAP_REQUEST = f"""
CREATE FUNCTION holomap_map_request(p_user_id integer, p_jti text, p_iat double precision, p_layer text)
RETURNS TABLE (user_ok boolean, version bigint, changed_at timestamptz)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT p_jti IS NOT NULL AND p_iat IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = p_jti)
         AND EXISTS (SELECT 1 FROM app_user a WHERE a.id = p_user_id AND a.active
                     AND (a.tokens_valid_after IS NULL OR a.tokens_valid_after <= to_timestamp(p_iat))),
         lv.version, lv.changed_at
  FROM (SELECT 1) one LEFT JOIN layer_version lv ON lv.layer = p_layer
$$;
"""

OLD_LOOKUP_ARGS = ("integer, text, double precision, double precision, double precision, double precision, "
                   "integer, double precision, integer, text, text")


def _migration(name: str):
    """A sibling migration module (its SQL is restored on downgrade, or rewritten on upgrade)."""
    path = next(Path(__file__).parent.glob(f"*_{name}.py"))
    spec = importlib.util.spec_from_file_location(f"holomap_migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _replace_once(sql: str, old: str, new: str) -> str:
    assert sql.count(old) == 1, f"migration 0012 changed: {old!r} is not there exactly once"
    return sql.replace(old, new)


def _lookup_with_iat() -> str:
    """Migration 0012's holomap_lookup, taking p_iat (last argument) and passing it to begin_request."""
    lookup = _migration("0012_fast_lookup").LOOKUP
    lookup = lookup[:lookup.index("CREATE OR REPLACE FUNCTION holomap_map_request")]
    lookup = _replace_once(lookup, "p_client_addr text, p_request_id text)",
                           "p_client_addr text, p_request_id text, p_iat double precision)")
    return _replace_once(lookup, "holomap_begin_request(p_user_id, p_jti)",
                         "holomap_begin_request(p_user_id, p_jti, p_iat)")


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.add_column("app_user", sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True))
    op.execute(CUTOFF_TRIGGER)
    op.execute("DROP TRIGGER app_user_bump_auth ON app_user")
    op.execute(f"CREATE TRIGGER app_user_bump_auth AFTER {NEW_BUMP} ON app_user"
               " FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_auth()")
    op.execute(f"DROP FUNCTION holomap_lookup({OLD_LOOKUP_ARGS})")
    op.execute("DROP FUNCTION holomap_map_request(integer, text, text)")
    op.execute("DROP FUNCTION holomap_begin_request(integer, text)")
    op.execute(BEGIN_REQUEST)
    op.execute(MAP_REQUEST)
    op.execute(_lookup_with_iat())

    op.create_table(
        "login_throttle",
        sa.Column("client_addr", sa.String(64), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_addr", name=op.f("pk_login_throttle")),
    )
    op.create_index(op.f("ix_login_throttle_updated_at"), "login_throttle", ["updated_at"])
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO {q(role)}")


def downgrade() -> None:
    op.drop_index(op.f("ix_login_throttle_updated_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
    op.execute(f"DROP FUNCTION holomap_lookup({OLD_LOOKUP_ARGS}, double precision)")
    op.execute("DROP FUNCTION holomap_map_request(integer, text, double precision, text)")
    op.execute("DROP FUNCTION holomap_begin_request(integer, text, double precision)")
    op.execute(_migration("0008_fast_scope").FAST)  # the two-argument holomap_begin_request
    op.execute(_migration("0012_fast_lookup").LOOKUP)
    op.execute("DROP TRIGGER app_user_bump_auth ON app_user")
    op.execute(f"CREATE TRIGGER app_user_bump_auth AFTER {OLD_BUMP} ON app_user"
               " FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_auth()")
    op.execute("DROP TRIGGER app_user_token_cutoff ON app_user")
    op.execute("DROP FUNCTION holomap_token_cutoff()")
    op.drop_column("app_user", "tokens_valid_after")
