"""auth generation: one number that changes whenever a request's user, beats or tokens may have changed

`auth_generation.gen` takes a new value from a sequence (never reused, also after a rollback) in every
statement that can change what `holomap_begin_request` answers: users (active, role, station, names),
beat memberships, plans (status, station), beats (plan, code) and revoked tokens. The app caches the
answer of `holomap_begin_request` per (user, token id) together with the generation it saw, and on the
next request only reads the generation (and sets the request's user for RLS) in one cheap statement;
any difference sends it back to `holomap_begin_request`. The read happens in the request's own
transaction, so a change committed before a request starts is always honoured by that request.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# table -> the trigger events that can change a begin_request answer
TRIGGERS = {
    "app_user": "INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, username, display_name, role, station_id, active",
    "beat_member": "INSERT OR DELETE OR TRUNCATE OR UPDATE",
    "beat_plan": "INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, station_id, status",
    "beat": "INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, plan_id, code",
    "revoked_token": "INSERT OR DELETE OR TRUNCATE OR UPDATE",
}

FUNCTION = """
CREATE FUNCTION holomap_bump_auth() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE auth_generation SET gen = nextval('auth_generation_seq');
  RETURN NULL;
END $$;
"""


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.execute("CREATE SEQUENCE auth_generation_seq")
    op.execute("CREATE TABLE auth_generation (id boolean NOT NULL DEFAULT true,"
               " gen bigint NOT NULL, CONSTRAINT pk_auth_generation PRIMARY KEY (id),"
               " CONSTRAINT ck_auth_generation_single CHECK (id))")
    op.execute("INSERT INTO auth_generation (gen) VALUES (nextval('auth_generation_seq'))")
    op.execute(FUNCTION)
    for table, events in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {table}_bump_auth AFTER {events} ON {table}"
                   " FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_auth()")
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"REVOKE ALL ON auth_generation, auth_generation_seq FROM {q(role)}")
        op.execute(f"GRANT SELECT ON auth_generation TO {q(role)}")


def downgrade() -> None:
    for table in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_bump_auth ON {table}")
    op.execute("DROP FUNCTION IF EXISTS holomap_bump_auth()")
    op.execute("DROP TABLE IF EXISTS auth_generation")
    op.execute("DROP SEQUENCE IF EXISTS auth_generation_seq")
