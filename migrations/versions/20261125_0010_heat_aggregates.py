"""heat aggregates: a version per (category, local month) of incidents, for the in-process heat cache

`incident_chunk` holds one row per incident category and local month (Asia/Shanghai) that ever held an
incident, with `gen`: a value from `incident_chunk_gen_seq` (never reused, also after a rollback) written
by statement triggers whenever a statement inserts, deletes or truncates incidents of that chunk, or
changes an incident's category, time, place or station. The analytics service keeps the columns heat
maps need (time, EPSG:3857 x/y, station, local hour and weekday) in memory per chunk, labelled with the
`gen` it saw in the same statement; a request reads the `gen`s of the chunks its filter needs (one small
query) and reloads only the chunks whose `gen` differs, so a new incident shows on the next request and
a reload costs one month of one category (~12k rows at county scale). Row-level triggers are avoided:
one upsert per statement keeps COPY of millions of rows cheap.

Idempotent (IF NOT EXISTS / OR REPLACE), so it can also be applied to a database already stamped past it.

Revision ID: 0010
Revises: 0009_information_collection
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009_information_collection"
branch_labels = None
depends_on = None

MONTH = "date_trunc('month', timezone('Asia/Shanghai', {t}))::date"
# columns whose change moves an incident between chunks or cells
WATCHED = "category, occurred_at, x_3857, y_3857, station_id"

FUNCTIONS = [
    f"""
CREATE OR REPLACE FUNCTION holomap_incident_chunk_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO incident_chunk (category, month, gen)
  SELECT k.category, k.month, nextval('incident_chunk_gen_seq')
  FROM (SELECT DISTINCT category, {MONTH.format(t='occurred_at')} AS month FROM new_rows) AS k
  ON CONFLICT (category, month) DO UPDATE SET gen = EXCLUDED.gen;
  RETURN NULL;
END $$;
""",
    f"""
CREATE OR REPLACE FUNCTION holomap_incident_chunk_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO incident_chunk (category, month, gen)
  SELECT k.category, k.month, nextval('incident_chunk_gen_seq')
  FROM (SELECT DISTINCT category, {MONTH.format(t='occurred_at')} AS month FROM old_rows) AS k
  ON CONFLICT (category, month) DO UPDATE SET gen = EXCLUDED.gen;
  RETURN NULL;
END $$;
""",
    f"""
CREATE OR REPLACE FUNCTION holomap_incident_chunk_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO incident_chunk (category, month, gen)
  SELECT k.category, k.month, nextval('incident_chunk_gen_seq')
  FROM (
    SELECT o.category, {MONTH.format(t='o.occurred_at')} AS month FROM old_rows o
    WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id AND ({WATCHED}) IS NOT DISTINCT FROM
                      (o.category, o.occurred_at, o.x_3857, o.y_3857, o.station_id))
    UNION
    SELECT n.category, {MONTH.format(t='n.occurred_at')} FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id AND ({WATCHED}) IS NOT DISTINCT FROM
                      (n.category, n.occurred_at, n.x_3857, n.y_3857, n.station_id))
  ) AS k
  ON CONFLICT (category, month) DO UPDATE SET gen = EXCLUDED.gen;
  RETURN NULL;
END $$;
""",
    """
CREATE OR REPLACE FUNCTION holomap_incident_chunk_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE incident_chunk SET gen = nextval('incident_chunk_gen_seq');
  RETURN NULL;
END $$;
""",
]

TRIGGERS = {
    "incident_chunk_insert": "AFTER INSERT ON incident REFERENCING NEW TABLE AS new_rows "
                             "FOR EACH STATEMENT EXECUTE FUNCTION holomap_incident_chunk_insert()",
    "incident_chunk_delete": "AFTER DELETE ON incident REFERENCING OLD TABLE AS old_rows "
                             "FOR EACH STATEMENT EXECUTE FUNCTION holomap_incident_chunk_delete()",
    "incident_chunk_update": "AFTER UPDATE ON incident REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
                             "FOR EACH STATEMENT EXECUTE FUNCTION holomap_incident_chunk_update()",
    "incident_chunk_truncate": "AFTER TRUNCATE ON incident "
                               "FOR EACH STATEMENT EXECUTE FUNCTION holomap_incident_chunk_truncate()",
}


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.execute("CREATE SEQUENCE IF NOT EXISTS incident_chunk_gen_seq")
    op.execute("CREATE TABLE IF NOT EXISTS incident_chunk (category varchar(16) NOT NULL, month date NOT NULL,"
               " gen bigint NOT NULL, CONSTRAINT pk_incident_chunk PRIMARY KEY (category, month))")
    for function in FUNCTIONS:
        op.execute(function)
    for name, definition in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON incident")
        op.execute(f"CREATE TRIGGER {name} {definition}")
    # every chunk present now gets a fresh version
    op.execute(f"INSERT INTO incident_chunk (category, month, gen) "
               f"SELECT category, month, nextval('incident_chunk_gen_seq') FROM "
               f"(SELECT DISTINCT category, {MONTH.format(t='occurred_at')} AS month FROM incident) AS k "
               f"ON CONFLICT (category, month) DO UPDATE SET gen = EXCLUDED.gen")
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"REVOKE ALL ON incident_chunk, incident_chunk_gen_seq FROM {q(role)}")
        op.execute(f"GRANT SELECT ON incident_chunk TO {q(role)}")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON incident")
    for name in ("insert", "delete", "update", "truncate"):
        op.execute(f"DROP FUNCTION IF EXISTS holomap_incident_chunk_{name}()")
    op.execute("DROP TABLE IF EXISTS incident_chunk")
    op.execute("DROP SEQUENCE IF EXISTS incident_chunk_gen_seq")
