"""row-level security: per-beat scoping of the personal tables in PostgreSQL, revoked tokens, audit rules

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

The application connects as a role without BYPASSRLS. Every personal table (household, person, vehicle,
visit, dispute, dispute_party, dispute_event) and audit_log get ROW LEVEL SECURITY with FORCE. Policies
read the request's user from `current_setting('holomap.user_id', true)` — set with set_config(…, true),
i.e. for the current transaction only, by `holomap_begin_request` — and the beats that user may see from
`holomap_scope_beats()` (SECURITY DEFINER over app_user / beat_member / beat / beat_plan: members see
their beats of the published plans, a station chief every published beat of the station, every other
role none). No user set → no rows.

Aggregate answers for roles without personal scope (analytics, plan diff and publish, area stats, beat
maps) come from SECURITY DEFINER functions owned by the schema owner (BYPASSRLS) that return counts
only; RLS is never switched off. Imports by an admin pass the `*_import` policies, which hold only while
the import sets `holomap.import = on` in its transaction and the user is an active admin.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PERSONAL_TABLES = ("household", "person", "vehicle", "visit", "dispute", "dispute_party", "dispute_event",
                   "audit_log")
OUTCOMES = ("ok", "denied", "failed", "locked", "rejected", "dry_run", "error")
DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"

FUNCTIONS = f"""
-- the request's user id (NULL when none is set); inlinable
CREATE FUNCTION holomap_request_user() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('holomap.user_id', true), '')::integer
$$;

-- beats (of published plans) whose personal data a user may see
CREATE FUNCTION holomap_user_beats(p_user_id integer) RETURNS TABLE (id integer, code text)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT b.id, b.code::text
  FROM app_user u
  JOIN beat_plan p ON p.status = 'published'
  JOIN beat b ON b.plan_id = p.id
  WHERE u.id = p_user_id AND u.active
    AND ((u.role = 'station_chief' AND p.station_id = u.station_id)
      OR (u.role IN ('officer', 'auxiliary', 'grid_member')
          AND EXISTS (SELECT 1 FROM beat_member m WHERE m.beat_id = b.id AND m.user_id = u.id)))
  ORDER BY b.code, b.id
$$;

-- plpgsql, not SQL: a SECURITY DEFINER SQL function is planned on every call (~0.8 ms), this one once
CREATE FUNCTION holomap_scope_beats() RETURNS integer[]
LANGUAGE plpgsql STABLE {DEFINER} AS $$
DECLARE
  result integer[];
BEGIN
  SELECT coalesce(array_agg(b.id ORDER BY b.id), '{{}}') INTO result
  FROM app_user u
  JOIN beat_plan p ON p.status = 'published'
  JOIN beat b ON b.plan_id = p.id
  WHERE u.id = holomap_request_user() AND u.active
    AND ((u.role = 'station_chief' AND p.station_id = u.station_id)
      OR (u.role IN ('officer', 'auxiliary', 'grid_member')
          AND EXISTS (SELECT 1 FROM beat_member m WHERE m.beat_id = b.id AND m.user_id = u.id)));
  RETURN result;
END $$;

-- role of the request's user as stored now (NULL when none or inactive)
CREATE FUNCTION holomap_request_role() RETURNS text
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT role::text FROM app_user WHERE id = holomap_request_user() AND active
$$;

CREATE FUNCTION holomap_import_allowed() RETURNS boolean
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT coalesce(current_setting('holomap.import', true) = 'on', false)
     AND coalesce(holomap_request_role() = 'admin', false)
$$;

-- One round trip per request: refuses revoked tokens and inactive users (no row), otherwise sets the
-- request's user for this transaction and returns it with the beats in its scope.
CREATE FUNCTION holomap_begin_request(p_user_id integer, p_jti text)
RETURNS TABLE (id integer, username text, display_name text, role text, station_id integer,
               beat_ids integer[], beat_codes text[])
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
  u app_user%ROWTYPE;
BEGIN
  IF p_jti IS NULL OR EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = p_jti) THEN
    RETURN;
  END IF;
  SELECT * INTO u FROM app_user a WHERE a.id = p_user_id AND a.active;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM set_config('holomap.user_id', u.id::text, true), set_config('holomap.role', u.role, true);
  -- the beats query inline (plpgsql caches its plan; a call of the SQL function would be re-planned)
  RETURN QUERY
    SELECT u.id, u.username::text, u.display_name, u.role::text, u.station_id,
           coalesce(array_agg(b.id ORDER BY b.code, b.id), '{{}}'),
           coalesce(array_agg(b.code::text ORDER BY b.code, b.id), '{{}}')
    FROM beat_plan p JOIN beat b ON b.plan_id = p.id
    WHERE p.status = 'published'
      AND ((u.role = 'station_chief' AND p.station_id = u.station_id)
        OR (u.role IN ('officer', 'auxiliary', 'grid_member')
            AND EXISTS (SELECT 1 FROM beat_member m WHERE m.beat_id = b.id AND m.user_id = u.id)));
END $$;

-- logout: the token's id is refused until it expires; expired entries are pruned on the way
CREATE FUNCTION holomap_revoke_token(p_jti text, p_expires_at timestamptz) RETURNS void
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
BEGIN
  IF holomap_request_user() IS NULL THEN
    RAISE EXCEPTION 'no user in this transaction' USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM revoked_token WHERE expires_at < now();
  INSERT INTO revoked_token (jti, user_id, expires_at) VALUES (p_jti, holomap_request_user(), p_expires_at)
  ON CONFLICT (jti) DO NOTHING;
END $$;

-- publish: household, incident and dispute beats from the new plan's geometry (station chief only)
CREATE FUNCTION holomap_reassign_beats(p_plan_id integer, p_station_id integer)
RETURNS TABLE (households integer, incidents integer, disputes integer, unassigned integer)
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
  n_households integer; n_incidents integer; n_disputes integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = holomap_request_user() AND u.active
                   AND u.role = 'station_chief' AND u.station_id = p_station_id)
     OR NOT EXISTS (SELECT 1 FROM beat_plan p WHERE p.id = p_plan_id AND p.station_id = p_station_id
                      AND p.status = 'published') THEN
    RAISE EXCEPTION 'only the station chief reassigns beats, after publishing the plan'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE household h SET beat_id = nb.beat_id
  FROM (
    SELECT b.id AS building_id,
           (SELECT bt.id FROM beat bt WHERE bt.plan_id = p_plan_id AND ST_Covers(bt.geom, b.centroid)
             ORDER BY bt.id LIMIT 1) AS beat_id
    FROM building b WHERE b.station_id = p_station_id
  ) nb
  WHERE h.building_id = nb.building_id;
  GET DIAGNOSTICS n_households = ROW_COUNT;
  UPDATE incident i SET beat_id = (
    SELECT bt.id FROM beat bt WHERE bt.plan_id = p_plan_id AND ST_Covers(bt.geom, i.location)
    ORDER BY bt.id LIMIT 1)
  WHERE i.station_id = p_station_id;
  GET DIAGNOSTICS n_incidents = ROW_COUNT;
  UPDATE dispute d SET beat_id = coalesce(
    (SELECT bt.id FROM beat bt WHERE bt.plan_id = p_plan_id AND ST_Covers(bt.geom, d.location)
      ORDER BY bt.id LIMIT 1),
    (SELECT h.beat_id FROM household h WHERE h.id = d.household_id))
  WHERE d.station_id = p_station_id;
  GET DIAGNOSTICS n_disputes = ROW_COUNT;
  RETURN QUERY SELECT n_households, n_incidents, n_disputes,
    (SELECT count(*)::integer FROM household h JOIN building b ON b.id = h.building_id
      WHERE b.station_id = p_station_id AND h.beat_id IS NULL);
END $$;

-- aggregates for roles without personal scope: counts only, never a row of a person
CREATE FUNCTION holomap_building_households(p_station_id integer)
RETURNS TABLE (building_id integer, beat_id integer, households integer, residents integer)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT h.building_id, h.beat_id, count(*)::integer,
         sum((SELECT count(*) FROM person pe WHERE pe.household_id = h.id AND pe.moved_out IS NULL))::integer
  FROM household h JOIN building b ON b.id = h.building_id
  WHERE b.station_id = p_station_id AND holomap_request_user() IS NOT NULL
  GROUP BY h.building_id, h.beat_id
$$;

CREATE FUNCTION holomap_beat_households(p_beat_ids integer[])
RETURNS TABLE (beat_id integer, households integer)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT h.beat_id, count(*)::integer FROM household h
  WHERE h.beat_id = ANY(p_beat_ids) AND holomap_request_user() IS NOT NULL
  GROUP BY 1
$$;

CREATE FUNCTION holomap_beat_residents(p_beat_ids integer[])
RETURNS TABLE (beat_id integer, residents integer)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT h.beat_id, count(*)::integer
  FROM person p JOIN household h ON h.id = p.household_id
  WHERE p.moved_out IS NULL AND h.beat_id = ANY(p_beat_ids) AND holomap_request_user() IS NOT NULL
  GROUP BY 1
$$;

CREATE FUNCTION holomap_beat_disputes(p_beat_ids integer[], p_start timestamptz, p_end timestamptz)
RETURNS TABLE (beat_id integer, total integer, green integer, yellow integer, orange integer, red integer,
               resolved integer)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT d.beat_id, count(*)::integer,
         count(*) FILTER (WHERE d.grade = 'green')::integer,
         count(*) FILTER (WHERE d.grade = 'yellow')::integer,
         count(*) FILTER (WHERE d.grade = 'orange')::integer,
         count(*) FILTER (WHERE d.grade = 'red')::integer,
         count(*) FILTER (WHERE d.status IN ('resolved', 'closed'))::integer
  FROM dispute d
  WHERE d.reported_at >= p_start AND d.reported_at < p_end AND d.beat_id = ANY(p_beat_ids)
    AND holomap_request_user() IS NOT NULL
  GROUP BY 1
$$;

CREATE FUNCTION holomap_officer_visits(p_user_ids integer[], p_start timestamptz, p_end timestamptz)
RETURNS TABLE (user_id integer, month text, visits integer, households integer, key_households integer)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT v.user_id, to_char(timezone('Asia/Shanghai', v.visited_at), 'YYYY-MM'),
         count(*)::integer, count(DISTINCT v.household_id)::integer,
         count(DISTINCT v.household_id) FILTER (WHERE EXISTS (
           SELECT 1 FROM person p WHERE p.household_id = v.household_id AND p.moved_out IS NULL
             AND 'key_person' = ANY(p.tags)))::integer
  FROM visit v
  WHERE v.user_id = ANY(p_user_ids) AND v.visited_at >= p_start AND v.visited_at < p_end
    AND holomap_request_user() IS NOT NULL
  GROUP BY 1, 2
$$;

CREATE FUNCTION holomap_officer_mediations(p_user_ids integer[], p_start timestamptz, p_end timestamptz)
RETURNS TABLE (user_id integer, month text, disputes_mediated integer)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT e.user_id, to_char(timezone('Asia/Shanghai', e.at), 'YYYY-MM'), count(DISTINCT e.dispute_id)::integer
  FROM dispute_event e
  WHERE e.kind IN ('mediation', 'agreement') AND e.user_id = ANY(p_user_ids)
    AND e.at >= p_start AND e.at < p_end AND holomap_request_user() IS NOT NULL
  GROUP BY 1, 2
$$;

CREATE FUNCTION holomap_beat_collection(p_beat_ids integer[], p_start timestamptz, p_end timestamptz)
RETURNS TABLE (beat_id integer, month text, persons_registered integer, floating_registered integer,
               vehicles_registered integer)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT h.beat_id, to_char(timezone('Asia/Shanghai', p.created_at), 'YYYY-MM'), count(*)::integer,
         count(*) FILTER (WHERE p.residency = 'floating')::integer, 0
  FROM person p JOIN household h ON h.id = p.household_id
  WHERE h.beat_id = ANY(p_beat_ids) AND p.created_at >= p_start AND p.created_at < p_end
    AND holomap_request_user() IS NOT NULL
  GROUP BY 1, 2
  UNION ALL
  SELECT h.beat_id, to_char(timezone('Asia/Shanghai', v.created_at), 'YYYY-MM'), 0, 0, count(*)::integer
  FROM vehicle v JOIN household h ON h.id = v.household_id
  WHERE h.beat_id = ANY(p_beat_ids) AND v.created_at >= p_start AND v.created_at < p_end
    AND holomap_request_user() IS NOT NULL
  GROUP BY 1, 2
$$;

CREATE FUNCTION holomap_beat_coverage(p_beat_ids integer[], p_end timestamptz)
RETURNS TABLE (beat_id integer, households integer, visited_90d integer)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT h.beat_id, count(*)::integer,
         count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM visit v WHERE v.household_id = h.id
             AND v.visited_at >= p_end - interval '90 days' AND v.visited_at < p_end))::integer
  FROM household h
  WHERE h.beat_id = ANY(p_beat_ids) AND h.kind <> 'vacant' AND holomap_request_user() IS NOT NULL
  GROUP BY 1
$$;

-- open disputes of a beat as points (grade, category, status): the beat map's key points
CREATE FUNCTION holomap_open_dispute_points(p_beat_id integer)
RETURNS TABLE (grade text, category text, status text, lon double precision, lat double precision)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT d.grade::text, d.category::text, d.status::text, ST_X(d.location), ST_Y(d.location)
  FROM dispute d, beat b
  WHERE b.id = p_beat_id AND d.location IS NOT NULL AND d.status NOT IN ('resolved', 'closed')
    AND ST_Covers(b.geom, d.location) AND holomap_request_user() IS NOT NULL
  ORDER BY d.grade DESC
  LIMIT 500
$$;

-- the area pre-aggregates are counts; their refresh reads every personal row, so it runs as the owner
ALTER FUNCTION holomap_refresh_area_stats(integer) {DEFINER};
"""

# scope predicates, each evaluated once per statement (the sub-select becomes an InitPlan)
IN_SCOPE = "= ANY ((SELECT holomap_scope_beats())::integer[])"
IMPORT = "(SELECT holomap_import_allowed())"
ME = "(SELECT holomap_request_user())"
# the beat of a row's household or dispute by a correlated scalar sub-select: one primary-key lookup per
# row (an EXISTS would be planned as a hashed scan of every household in scope: 4 ms for a chief)
HOUSEHOLD_OF = "(SELECT h.beat_id FROM household h WHERE h.id = {col}) " + IN_SCOPE
DISPUTE_OF = "(SELECT d.beat_id FROM dispute d WHERE d.id = {col}) " + IN_SCOPE
VEHICLE_BEAT = ("CASE WHEN vehicle.household_id IS NOT NULL "
                "THEN (SELECT h.beat_id FROM household h WHERE h.id = vehicle.household_id) "
                "ELSE (SELECT h.beat_id FROM person p JOIN household h ON h.id = p.household_id "
                "WHERE p.id = vehicle.owner_person_id) END")

POLICIES = {
    "household": [
        ("household_scope", "SELECT", f"beat_id {IN_SCOPE}", None),
        ("household_import", "ALL", IMPORT, IMPORT),
    ],
    "person": [
        ("person_scope", "SELECT", HOUSEHOLD_OF.format(col="person.household_id"), None),
        ("person_import", "ALL", IMPORT, IMPORT),
    ],
    "vehicle": [
        ("vehicle_scope", "SELECT", f"({VEHICLE_BEAT}) {IN_SCOPE}", None),
        ("vehicle_import", "ALL", IMPORT, IMPORT),
    ],
    "visit": [
        ("visit_scope", "SELECT", HOUSEHOLD_OF.format(col="visit.household_id"), None),
        ("visit_record", "INSERT", None, HOUSEHOLD_OF.format(col="visit.household_id") + f" AND user_id = {ME}"),
        # the author corrects own visits (the service answers 403 to others in scope)
        ("visit_correct", "UPDATE", HOUSEHOLD_OF.format(col="visit.household_id"),
         HOUSEHOLD_OF.format(col="visit.household_id") + f" AND user_id = {ME}"),
    ],
    "dispute": [
        ("dispute_scope", "SELECT", f"beat_id {IN_SCOPE}", None),
        ("dispute_report", "INSERT", None, f"beat_id {IN_SCOPE} AND reported_by = {ME}"),
        ("dispute_change", "UPDATE", f"beat_id {IN_SCOPE}", f"beat_id {IN_SCOPE}"),
    ],
    "dispute_party": [
        ("dispute_party_scope", "SELECT", DISPUTE_OF.format(col="dispute_party.dispute_id"), None),
        ("dispute_party_add", "INSERT", None, DISPUTE_OF.format(col="dispute_party.dispute_id")),
    ],
    "dispute_event": [
        ("dispute_event_scope", "SELECT", DISPUTE_OF.format(col="dispute_event.dispute_id"), None),
        ("dispute_event_add", "INSERT", None,
         DISPUTE_OF.format(col="dispute_event.dispute_id") + f" AND user_id = {ME}"),
    ],
    "audit_log": [
        # anyone may append (failed logins have no user yet); only administrators read
        ("audit_log_append", "INSERT", None, "true"),
        ("audit_log_admin_read", "SELECT", "(SELECT holomap_request_role()) = 'admin'", None),
    ],
}

DROP_FUNCTIONS = (
    "holomap_open_dispute_points(integer)", "holomap_beat_coverage(integer[], timestamptz)",
    "holomap_beat_collection(integer[], timestamptz, timestamptz)",
    "holomap_officer_mediations(integer[], timestamptz, timestamptz)",
    "holomap_officer_visits(integer[], timestamptz, timestamptz)",
    "holomap_beat_disputes(integer[], timestamptz, timestamptz)", "holomap_beat_residents(integer[])",
    "holomap_beat_households(integer[])", "holomap_building_households(integer)",
    "holomap_reassign_beats(integer, integer)", "holomap_revoke_token(text, timestamptz)",
    "holomap_begin_request(integer, text)", "holomap_import_allowed()", "holomap_request_role()",
    "holomap_scope_beats()", "holomap_user_beats(integer)", "holomap_request_user()",
)


def _policy_sql(table: str, name: str, command: str, using: str | None, check: str | None) -> str:
    sql = f"CREATE POLICY {name} ON {table} FOR {command}"
    if using is not None:
        sql += f" USING ({using})"
    if check is not None:
        sql += f" WITH CHECK ({check})"
    return sql


def upgrade() -> None:
    op.create_table(
        "revoked_token",
        sa.Column("jti", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_token")),
    )
    op.create_index(op.f("ix_revoked_token_expires_at"), "revoked_token", ["expires_at"])
    op.execute(FUNCTIONS)
    for table in PERSONAL_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for name, command, using, check in POLICIES[table]:
            op.execute(_policy_sql(table, name, command, using, check))
    op.execute("ALTER TABLE audit_log ADD CONSTRAINT ck_audit_log_outcome CHECK (outcome IN ("
               + ", ".join(f"'{o}'" for o in OUTCOMES) + "))")
    # the tokens table is reached through the SECURITY DEFINER functions only
    op.execute("REVOKE ALL ON revoked_token FROM PUBLIC")


def downgrade() -> None:
    op.execute("ALTER TABLE audit_log DROP CONSTRAINT ck_audit_log_outcome")
    for table in PERSONAL_TABLES:
        for name, *_ in POLICIES[table]:
            op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("ALTER FUNCTION holomap_refresh_area_stats(integer) SECURITY INVOKER RESET search_path")
    for fn in DROP_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.drop_table("revoked_token")
