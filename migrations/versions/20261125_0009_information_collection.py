"""information collection (信息采集): authors of person/vehicle/household rows, write policies in the beat

Revision ID: 0009_information_collection
Revises: 0009 (auth generation; revision ids: 0009 was taken)
Create Date: 2026-11-25

`created_by`/`updated_by` (app_user, nullable: seeded and imported rows have no author) on household,
person and vehicle, and `vehicle.updated_at`. Officers, auxiliaries and the station chief register
persons and vehicles in households of their beats and correct them (UPDATE … WITH CHECK: in scope,
`created_by`/`updated_by` = the request user). Grid members register floating population only
(residency 'floating'), no vehicles and no corrections. A trigger keeps the ID number (and with it birth
date and gender), `created_by` and `created_at` of an existing person unchanged, whoever writes.

The officer's month counts these rows by author: `holomap_officer_collection` (SECURITY DEFINER, counts
only) replaces the per-beat `holomap_beat_collection` approximation in analytics and the worklist.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_information_collection"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("household", "person", "vehicle")
IN_SCOPE = "= ANY ((SELECT holomap_scope_beats())::integer[])"
ME = "(SELECT holomap_request_user())"
ROLE = "(SELECT holomap_request_role())"
WRITERS = f"{ROLE} IN ('officer', 'auxiliary', 'station_chief')"
PERSON_HOUSEHOLD = "(SELECT h.beat_id FROM household h WHERE h.id = person.household_id) " + IN_SCOPE
VEHICLE_HOUSEHOLD = "(SELECT h.beat_id FROM household h WHERE h.id = vehicle.household_id) " + IN_SCOPE

POLICIES = (
    ("person", "person_register", "INSERT", None,
     f"{PERSON_HOUSEHOLD} AND created_by = {ME} AND updated_by = {ME}"
     f" AND ({WRITERS} OR ({ROLE} = 'grid_member' AND residency = 'floating'))"),
    ("person", "person_correct", "UPDATE", f"{PERSON_HOUSEHOLD} AND {WRITERS}",
     f"{PERSON_HOUSEHOLD} AND updated_by = {ME}"),
    ("vehicle", "vehicle_register", "INSERT", None,
     f"{VEHICLE_HOUSEHOLD} AND created_by = {ME} AND updated_by = {ME} AND {WRITERS}"),
    ("vehicle", "vehicle_correct", "UPDATE", f"{VEHICLE_HOUSEHOLD} AND {WRITERS}",
     f"{VEHICLE_HOUSEHOLD} AND updated_by = {ME}"),
)

FUNCTIONS = """
-- an existing person keeps the ID number (birth date and gender follow from it), author and creation time
CREATE FUNCTION holomap_person_keep_identity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id_number IS DISTINCT FROM OLD.id_number THEN
    RAISE EXCEPTION 'the ID number of a registered person cannot be changed'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'person_id_number_fixed';
  END IF;
  NEW.created_by := OLD.created_by;
  NEW.created_at := OLD.created_at;
  RETURN NEW;
END $$;

CREATE TRIGGER person_keep_identity BEFORE UPDATE ON person
FOR EACH ROW EXECUTE FUNCTION holomap_person_keep_identity();

-- per user and local month: persons and vehicles registered, floating residents registered, and records
-- corrected (last corrected by the user in the month, not registered by them in the same month)
CREATE FUNCTION holomap_officer_collection(p_user_ids integer[], p_start timestamptz, p_end timestamptz)
RETURNS TABLE (user_id integer, month text, persons_registered integer, floating_registered integer,
               vehicles_registered integer, corrected integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH items AS (
    SELECT p.created_by AS uid, p.created_at AS at, 'person' AS kind, p.residency = 'floating' AS floating
    FROM person p WHERE p.created_by = ANY(p_user_ids) AND p.created_at >= p_start AND p.created_at < p_end
    UNION ALL
    SELECT v.created_by, v.created_at, 'vehicle', false
    FROM vehicle v WHERE v.created_by = ANY(p_user_ids) AND v.created_at >= p_start AND v.created_at < p_end
    UNION ALL
    SELECT p.updated_by, p.updated_at, 'correction', false
    FROM person p WHERE p.updated_by = ANY(p_user_ids) AND p.updated_at >= p_start AND p.updated_at < p_end
      AND NOT (p.created_by IS NOT DISTINCT FROM p.updated_by
               AND date_trunc('month', timezone('Asia/Shanghai', p.created_at))
                 = date_trunc('month', timezone('Asia/Shanghai', p.updated_at)))
    UNION ALL
    SELECT v.updated_by, v.updated_at, 'correction', false
    FROM vehicle v WHERE v.updated_by = ANY(p_user_ids) AND v.updated_at >= p_start AND v.updated_at < p_end
      AND NOT (v.created_by IS NOT DISTINCT FROM v.updated_by
               AND date_trunc('month', timezone('Asia/Shanghai', v.created_at))
                 = date_trunc('month', timezone('Asia/Shanghai', v.updated_at)))
  )
  SELECT uid, to_char(timezone('Asia/Shanghai', at), 'YYYY-MM'),
         count(*) FILTER (WHERE kind = 'person')::integer,
         count(*) FILTER (WHERE kind = 'person' AND floating)::integer,
         count(*) FILTER (WHERE kind = 'vehicle')::integer,
         count(*) FILTER (WHERE kind = 'correction')::integer
  FROM items WHERE holomap_request_user() IS NOT NULL
  GROUP BY 1, 2
$$;
"""


def _policy_sql(table: str, name: str, command: str, using: str | None, check: str | None) -> str:
    sql = f"CREATE POLICY {name} ON {table} FOR {command}"
    if using is not None:
        sql += f" USING ({using})"
    if check is not None:
        sql += f" WITH CHECK ({check})"
    return sql


def upgrade() -> None:
    for table in TABLES:
        for column in ("created_by", "updated_by"):
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(f"fk_{table}_{column}_app_user"), table, "app_user", [column], ["id"])
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column])
    op.add_column("vehicle", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(FUNCTIONS)
    for table, name, command, using, check in POLICIES:
        op.execute(_policy_sql(table, name, command, using, check))


def downgrade() -> None:
    for table, name, *_ in POLICIES:
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS holomap_officer_collection(integer[], timestamptz, timestamptz)")
    op.execute("DROP TRIGGER IF EXISTS person_keep_identity ON person")
    op.execute("DROP FUNCTION IF EXISTS holomap_person_keep_identity()")
    op.drop_column("vehicle", "updated_at")
    for table in TABLES:
        for column in ("created_by", "updated_by"):
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
            op.drop_constraint(op.f(f"fk_{table}_{column}_app_user"), table, type_="foreignkey")
            op.drop_column(table, column)
