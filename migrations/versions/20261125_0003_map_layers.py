"""map layers: per-layer data versions for tile ETags, and SQL masking functions

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25 10:00:00

`layer_version` holds one row per map layer (beats, villages, buildings, stations). Statement-level
triggers bump a layer's version whenever its table (or, for beats, the plans that decide which beats
are current) changes, so tiles and OGC responses can carry an ETag that changes with the data.
The masking functions mirror geo.idnumber.mask and geo.masking so lookups can be built in SQL.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

LAYERS = {"beats": ("beat", "beat_plan"), "villages": ("village",), "buildings": ("building",),
          "stations": ("station",)}

BUMP_FUNCTION = """
CREATE OR REPLACE FUNCTION holomap_bump_layer() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  UPDATE layer_version SET version = version + 1, changed_at = clock_timestamp() WHERE layer = TG_ARGV[0];
  RETURN NULL;
END $$;
"""

MASK_FUNCTIONS = r"""
-- single-expression bodies, not STRICT: the planner inlines them (no per-row function call)
CREATE OR REPLACE FUNCTION holomap_mask_id(id text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- as geo.idnumber.mask: keep the first 6 and last 4 characters
  SELECT CASE WHEN length(id) <= 10 THEN repeat('*', length(id))
              ELSE left(id, 6) || repeat('*', length(id) - 10) || right(id, 4) END
$$;

CREATE OR REPLACE FUNCTION holomap_mask_plate(plate text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- as geo.masking.mask_plate: 鲁M12345 → 鲁M1**45
  SELECT CASE WHEN length(btrim(plate)) < 6
              THEN upper(left(btrim(plate), 1)) || repeat('*', length(btrim(plate)) - 1)
              ELSE upper(left(btrim(plate), 3)) || repeat('*', length(btrim(plate)) - 5)
                   || upper(right(btrim(plate), 2)) END
$$;

CREATE OR REPLACE FUNCTION holomap_mask_other_phone(phone text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  -- landlines and other numbers: keep the last 4 digits when there are more than 6, keep separators
  WITH v AS (SELECT btrim(phone) AS v),
  chars AS (
    SELECT i, substr(v.v, i, 1) AS c,
           count(*) FILTER (WHERE substr(v.v, i, 1) ~ '[0-9]') OVER (ORDER BY i DESC) AS digits_from_end,
           length(regexp_replace(v.v, '[^0-9]', '', 'g')) AS digits
    FROM v, generate_series(1, length(v.v)) AS i
  )
  SELECT coalesce((SELECT string_agg(CASE WHEN c ~ '[0-9]' AND NOT (digits > 6 AND digits_from_end <= 4)
                                         THEN '*' ELSE c END, '' ORDER BY i) FROM chars), '')
$$;

CREATE OR REPLACE FUNCTION holomap_mask_phone(phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- as geo.masking.mask_phone: mobiles 138****5678 (the common case, inlined); others below
  SELECT CASE WHEN regexp_replace(btrim(phone), '[ -]', '', 'g') ~ '^(\+?86)?1[0-9]{10}$'
              THEN left(right(regexp_replace(btrim(phone), '[ -]', '', 'g'), 11), 3) || '****'
                   || right(regexp_replace(btrim(phone), '[ -]', '', 'g'), 4)
              ELSE holomap_mask_other_phone(phone) END
$$;
"""


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.create_table(
        "layer_version",
        sa.Column("layer", sa.String(32), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )
    op.execute("INSERT INTO layer_version (layer) VALUES " + ", ".join(f"('{layer}')" for layer in LAYERS))
    op.execute(BUMP_FUNCTION)
    for layer, tables in LAYERS.items():
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_bump_layer_{layer} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_layer('{layer}')"
            )
    op.execute(MASK_FUNCTIONS)
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT ON layer_version TO {q(role)}")
        op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON layer_version FROM {q(role)}")


def downgrade() -> None:
    for layer, tables in LAYERS.items():
        for table in tables:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_bump_layer_{layer} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS holomap_bump_layer()")
    for fn in ("holomap_mask_id", "holomap_mask_plate", "holomap_mask_phone", "holomap_mask_other_phone"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}(text)")
    op.drop_table("layer_version")
