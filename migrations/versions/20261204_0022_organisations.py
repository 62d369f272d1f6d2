"""实有单位 organisations and their employees; every building in scope opens; search finds organisations and
room-level addresses; data-quality snapshots — issue 17

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-04

Scope of a building (the lookup, the 楼盘表, search): a household of the building in one of the user's beats
(as before) OR one of the user's beats covering the building's location (its centroid). Until now only the
first held, so no building without households — shops, schools, factories: 94 of the demo — could be
opened by anyone, the chief included.

`organisation` (实有单位): scoped like households by `beat_id`, which the database keeps: the published beat
covering the building (trigger `organisation_place` on insert and on a change of building; trigger
`beat_plan_publish_organisations` when a plan of the station is published), else a household's beat.
`organisation_employee`: the employees, by name with ID number and phone (masked in every answer) and an
optional link to a registered person; scoped through their organisation. Row-level security: read in
scope; registered and corrected by every role that reads personal data (grid members included: they see
masked identities only, as everyone does in these answers).

`quality_snapshot`: the weekly counts of the data-quality checks per beat (the board's trend).

Functions re-created in full here (between the BEGIN/END FUNCTION comments): holomap_lookup,
holomap_search; new: holomap_organisation_place, holomap_publish_organisations, holomap_quality_counts.
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None

IN_SCOPE = "= ANY ((SELECT holomap_scope_beats())::integer[])"
ME = "(SELECT holomap_request_user())"
ROLE = "(SELECT holomap_request_role())"
IMPORT = "(SELECT holomap_import_allowed())"
COLLECTORS = f"{ROLE} IN ('officer', 'auxiliary', 'grid_member', 'station_chief')"
ORGANISATION_OF = "(SELECT o.beat_id FROM organisation o WHERE o.id = organisation_employee.organisation_id) " + IN_SCOPE

ORGANISATION_KINDS = ("shop", "restaurant", "hotel", "internet_cafe", "entertainment", "school", "kindergarten",
                      "clinic", "factory", "warehouse", "office", "other")
ORGANISATION_STATUSES = ("open", "suspended", "closed")

TABLES = f"""
CREATE TABLE organisation (
  id serial PRIMARY KEY,
  station_id integer REFERENCES station (id),
  building_id integer NOT NULL REFERENCES building (id),
  beat_id integer REFERENCES beat (id),
  name text NOT NULL CONSTRAINT ck_organisation_name CHECK (char_length(btrim(name)) BETWEEN 1 AND 100),
  kind varchar(16) NOT NULL CONSTRAINT ck_organisation_kind
    CHECK (kind IN ({", ".join(f"'{k}'" for k in ORGANISATION_KINDS)})),
  small_venue boolean NOT NULL DEFAULT false,
  key_unit boolean NOT NULL DEFAULT false,
  credit_code varchar(18) CONSTRAINT uq_organisation_credit_code UNIQUE
    CONSTRAINT ck_organisation_credit_code CHECK (credit_code ~ '^[0-9A-HJ-NP-RTUWXY]{{18}}$'),
  legal_rep text,
  person_in_charge text,
  person_in_charge_id integer REFERENCES person (id),
  phone varchar(20),
  unit smallint CONSTRAINT ck_organisation_unit CHECK (unit BETWEEN 1 AND 100),
  floor smallint CONSTRAINT ck_organisation_floor CHECK (floor BETWEEN -5 AND 200),
  room varchar(16),
  opened_on date,
  status varchar(16) NOT NULL DEFAULT 'open' CONSTRAINT ck_organisation_status
    CHECK (status IN ({", ".join(f"'{s}'" for s in ORGANISATION_STATUSES)})),
  fire_check_on date,
  notes text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by integer REFERENCES app_user (id),
  updated_by integer REFERENCES app_user (id)
);
CREATE INDEX ix_organisation_building_id ON organisation (building_id);
CREATE INDEX ix_organisation_beat_id ON organisation (beat_id);
CREATE INDEX ix_organisation_station_id ON organisation (station_id);
CREATE INDEX ix_organisation_name_trgm ON organisation USING gin (name gin_trgm_ops);

CREATE TABLE organisation_employee (
  id serial PRIMARY KEY,
  organisation_id integer NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
  person_id integer REFERENCES person (id),
  name text NOT NULL CONSTRAINT ck_organisation_employee_name CHECK (char_length(btrim(name)) BETWEEN 1 AND 50),
  id_number varchar(18) CONSTRAINT ck_organisation_employee_id_number
    CHECK (id_number IS NULL OR holomap_id_number_valid(id_number)),
  phone varchar(20),
  role text,
  since date,
  left_on date,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by integer REFERENCES app_user (id),
  CONSTRAINT uq_organisation_employee_id_number UNIQUE (organisation_id, id_number)
);
CREATE INDEX ix_organisation_employee_organisation_id ON organisation_employee (organisation_id);
CREATE INDEX ix_organisation_employee_person_id ON organisation_employee (person_id);

CREATE TABLE quality_snapshot (
  week date NOT NULL,
  beat_id integer NOT NULL REFERENCES beat (id) ON DELETE CASCADE,
  check_code varchar(32) NOT NULL,
  checked integer NOT NULL,
  failing integer NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (week, beat_id, check_code)
);
"""

PLACE = """
-- BEGIN FUNCTION holomap_organisation_place
-- an organisation's station and beat from its building: the published beat covering the building, else the
-- beat of one of its households
CREATE OR REPLACE FUNCTION holomap_organisation_place() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  SELECT b.station_id,
         coalesce((SELECT bt.id FROM beat bt
                   JOIN beat_plan p ON p.id = bt.plan_id AND p.status = 'published' AND p.station_id = b.station_id
                   WHERE ST_Covers(bt.geom, b.centroid) ORDER BY bt.id LIMIT 1),
                  (SELECT h.beat_id FROM household h WHERE h.building_id = b.id AND h.beat_id IS NOT NULL
                   ORDER BY h.id LIMIT 1))
  INTO NEW.station_id, NEW.beat_id
  FROM building b WHERE b.id = NEW.building_id;
  RETURN NEW;
END $$;
-- END FUNCTION holomap_organisation_place

-- BEGIN FUNCTION holomap_publish_organisations
-- a plan published: the organisations of its station move to the new plan's beats
CREATE OR REPLACE FUNCTION holomap_publish_organisations() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE organisation o SET beat_id = coalesce(
    (SELECT bt.id FROM beat bt, building b
     WHERE b.id = o.building_id AND bt.plan_id = NEW.id AND ST_Covers(bt.geom, b.centroid)
     ORDER BY bt.id LIMIT 1), o.beat_id)
  WHERE o.station_id = NEW.station_id;
  RETURN NULL;
END $$;
-- END FUNCTION holomap_publish_organisations

CREATE TRIGGER organisation_place BEFORE INSERT OR UPDATE OF building_id ON organisation
FOR EACH ROW EXECUTE FUNCTION holomap_organisation_place();
CREATE TRIGGER beat_plan_publish_organisations AFTER UPDATE OF status ON beat_plan
FOR EACH ROW WHEN (NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published')
EXECUTE FUNCTION holomap_publish_organisations();
"""

POLICIES = (
    ("organisation", "organisation_scope", "SELECT", f"beat_id {IN_SCOPE}", None),
    ("organisation", "organisation_register", "INSERT", None,
     f"beat_id {IN_SCOPE} AND created_by = {ME} AND updated_by = {ME} AND {COLLECTORS}"),
    ("organisation", "organisation_correct", "UPDATE", f"beat_id {IN_SCOPE} AND {COLLECTORS}",
     f"beat_id {IN_SCOPE} AND updated_by = {ME}"),
    ("organisation", "organisation_import", "ALL", IMPORT, IMPORT),
    ("organisation_employee", "organisation_employee_scope", "SELECT", ORGANISATION_OF, None),
    ("organisation_employee", "organisation_employee_add", "INSERT", None,
     f"{ORGANISATION_OF} AND created_by = {ME} AND {COLLECTORS}"),
    ("organisation_employee", "organisation_employee_change", "UPDATE", f"{ORGANISATION_OF} AND {COLLECTORS}",
     ORGANISATION_OF),
    ("organisation_employee", "organisation_employee_import", "ALL", IMPORT, IMPORT),
)

OPEN_DISPUTES = """
SELECT d.id, d.title, d.category, d.grade, d.status, d.level, d.reported_at, d.next_return_visit
FROM dispute d
WHERE d.status IN ('open', 'mediating', 'escalated')
  AND d.id IN (SELECT dh.id FROM dispute dh WHERE dh.household_id = h.id
               UNION SELECT dp.dispute_id FROM dispute_party dp WHERE dp.household_id = h.id
               UNION SELECT dp.dispute_id FROM dispute_party dp JOIN person pp ON pp.id = dp.person_id
                     WHERE pp.household_id = h.id)
"""

LOOKUP_ARGS = ("integer, text, double precision, double precision, double precision, double precision, "
               "integer, double precision, integer, text, text, double precision")

LOOKUP = f"""
-- BEGIN FUNCTION holomap_lookup
CREATE OR REPLACE FUNCTION holomap_lookup(
  p_user_id integer, p_jti text, p_lon double precision, p_lat double precision,
  p_radius_m double precision, p_window_deg double precision, p_visits integer,
  p_incident_radius_m double precision, p_incident_days integer, p_client_addr text, p_request_id text,
  p_iat double precision)
RETURNS TABLE (status integer, user_id integer, username text, display_name text, role text,
               station_id integer, building_id bigint, nearest_m integer, body text)
LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  u record;
  pt geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
  b_id bigint;
  doc text;
BEGIN
  SELECT * INTO u FROM holomap_begin_request(p_user_id, p_jti, p_iat);
  IF NOT FOUND THEN
    RETURN QUERY SELECT 401, NULL::integer, NULL::text, NULL::text, NULL::text, NULL::integer, NULL::bigint,
                        NULL::integer, NULL::text;
    RETURN;
  END IF;
  IF u.role NOT IN ('officer', 'auxiliary', 'grid_member', 'station_chief') THEN
    RETURN QUERY SELECT 403, u.id, u.username, u.display_name, u.role, u.station_id, NULL::bigint,
                        NULL::integer, NULL::text;
    RETURN;
  END IF;
  -- the building containing the point, else the nearest within the radius (the degree window lets
  -- the GiST index on footprint make the first cut)
  SELECT b.id INTO b_id FROM building b
  WHERE ST_DWithin(b.footprint, pt, p_window_deg)
    AND ST_Distance(b.footprint::geography, pt::geography) <= p_radius_m
  ORDER BY ST_Distance(b.footprint::geography, pt::geography), ST_Area(b.footprint), b.id
  LIMIT 1;
  IF b_id IS NULL THEN
    RETURN QUERY SELECT 404, u.id, u.username, u.display_name, u.role, u.station_id, NULL::bigint,
      (SELECT round(ST_Distance(b.footprint::geography, pt::geography))::integer
       FROM building b ORDER BY b.footprint <-> pt LIMIT 1), NULL::text;
    RETURN;
  END IF;
  -- scope (api/scope.py ensure_building): a household of the building in one of the user's beats, or one
  -- of the user's beats covering the building (shops, schools, factories: buildings without households)
  IF NOT EXISTS (SELECT 1 FROM household h WHERE h.building_id = b_id AND h.beat_id = ANY (u.beat_ids))
     AND NOT EXISTS (SELECT 1 FROM building b JOIN beat bt ON ST_Covers(bt.geom, b.centroid)
                     WHERE b.id = b_id AND bt.id = ANY (u.beat_ids)) THEN
    RETURN QUERY SELECT 404, u.id, u.username, u.display_name, u.role, u.station_id, b_id, NULL::integer,
                        NULL::text;
    RETURN;
  END IF;
  SELECT json_build_object(
    'building', json_build_object(
      'id', b.id, 'address', b.address, 'std_address_code', b.std_address_code, 'kind', b.kind,
      'floors', b.floors, 'units', b.units, 'built_year', b.built_year,
      'lon', round(ST_X(b.centroid)::numeric, 7), 'lat', round(ST_Y(b.centroid)::numeric, 7),
      'village', (SELECT json_build_object('id', v.id, 'code', v.code, 'name', v.name, 'kind', v.kind)
                  FROM village v WHERE v.id = b.village_id),
      'beats', (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('id', bt.id, 'code', bt.code,
                                                                      'name', bt.name)), '[]')
                FROM beat bt
                WHERE bt.id IN (SELECT h.beat_id FROM household h WHERE h.building_id = b.id
                                UNION SELECT c.id FROM beat c
                                WHERE ST_Covers(c.geom, b.centroid) AND c.id = ANY (u.beat_ids)))),
    'households', coalesce((
      SELECT json_agg(json_build_object(
        'id', h.id, 'unit', h.unit, 'floor', h.floor, 'room', h.room, 'kind', h.kind,
        'hukou_no', h.hukou_no, 'phone_masked', holomap_mask_phone(h.phone),
        'residents', coalesce((
          SELECT json_agg(json_build_object(
            'id', p.id, 'name', p.name, 'id_number_masked', holomap_mask_id(p.id_number),
            'age', date_part('year', age(current_date, p.birth_date))::int, 'gender', p.gender,
            'residency', p.residency, 'relation_to_head', p.relation_to_head, 'tags', p.tags,
            'phone_masked', holomap_mask_phone(p.phone)
          ) ORDER BY p.relation_to_head = '户主' DESC, p.birth_date, p.id)
          FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL), '[]'),
        'vehicles', coalesce((
          SELECT json_agg(json_build_object(
            'id', ve.id, 'plate_masked', holomap_mask_plate(ve.plate), 'kind', ve.kind, 'brand', ve.brand,
            'color', ve.color, 'owner_person_id', ve.owner_person_id) ORDER BY ve.id)
          FROM vehicle ve WHERE ve.household_id = h.id), '[]'),
        'visits', coalesce((
          SELECT json_agg(json_build_object(
            'id', vi.id, 'visited_at', vi.visited_at, 'by', au.display_name, 'follow_up', vi.follow_up,
            'flagged_far', vi.flagged_far, 'notes', vi.notes) ORDER BY vi.visited_at DESC)
          FROM (SELECT * FROM visit WHERE household_id = h.id ORDER BY visited_at DESC LIMIT p_visits) vi
          LEFT JOIN app_user au ON au.id = vi.user_id), '[]'),
        'open_disputes', coalesce((
          SELECT json_agg(to_json(od) ORDER BY od.reported_at DESC) FROM ({OPEN_DISPUTES}) od), '[]')
      ) ORDER BY h.unit, h.floor, h.room)
      FROM household h
      WHERE h.building_id = b.id AND h.beat_id + 0 = ANY (u.beat_ids)), '[]'),
    'organisations', coalesce((
      SELECT json_agg(json_build_object(
        'id', o.id, 'name', o.name, 'kind', o.kind, 'small_venue', o.small_venue, 'key_unit', o.key_unit,
        'credit_code', o.credit_code, 'status', o.status, 'unit', o.unit, 'floor', o.floor, 'room', o.room,
        'person_in_charge', o.person_in_charge, 'phone_masked', holomap_mask_phone(o.phone),
        'opened_on', o.opened_on, 'fire_check_on', o.fire_check_on,
        'employees', coalesce((
          SELECT json_agg(json_build_object(
            'id', e.id, 'name', e.name, 'id_number_masked', holomap_mask_id(e.id_number), 'role', e.role,
            'since', e.since, 'person_id', e.person_id, 'phone_masked', holomap_mask_phone(e.phone))
            ORDER BY e.since NULLS LAST, e.id)
          FROM organisation_employee e WHERE e.organisation_id = o.id AND e.left_on IS NULL), '[]')
      ) ORDER BY o.unit NULLS FIRST, o.floor NULLS FIRST, o.room NULLS FIRST, o.name, o.id)
      FROM organisation o
      WHERE o.building_id = b.id AND o.beat_id + 0 = ANY (u.beat_ids)), '[]'),
    'incidents_nearby', coalesce((
      SELECT json_agg(json_build_object(
        'id', i.id, 'occurred_at', i.occurred_at, 'category', i.category, 'source', i.source,
        'status', i.status, 'summary', i.summary,
        'distance_m', round(ST_Distance(i.location::geography, b.centroid::geography))::int
      ) ORDER BY i.occurred_at DESC)
      FROM incident i
      WHERE ST_DWithin(i.location, b.centroid,
                       p_incident_radius_m / 111320.0 / greatest(cos(radians(ST_Y(b.centroid))), 0.01) * 1.01)
        AND ST_DWithin(i.location::geography, b.centroid::geography, p_incident_radius_m)
        AND i.occurred_at >= now() - make_interval(days => p_incident_days)), '[]')
  )::text INTO doc
  FROM building b WHERE b.id = b_id;
  -- the read is audited in the same transaction; a read's audit commit does not wait for the WAL flush
  -- (as api/places/service.commit_read_audit: durable within ~0.6 s, never half-written)
  INSERT INTO audit_log (user_id, username, action, object_type, object_id, outcome, client_addr, request_id)
  VALUES (u.id, u.username, 'lookup', 'building', b_id::text, 'ok', p_client_addr, p_request_id);
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN QUERY SELECT 200, u.id, u.username, u.display_name, u.role, u.station_id, b_id, NULL::integer, doc;
END $$;
-- END FUNCTION holomap_lookup
"""


OLD_SEARCH = ("holomap_search(boolean, boolean, boolean, boolean, boolean, boolean, text, text, text, text, text,"
              " text, text, text, text, integer)")
SEARCH = """
-- BEGIN FUNCTION holomap_search
CREATE OR REPLACE FUNCTION holomap_search(
  p_by_name boolean, p_by_id boolean, p_by_digits boolean, p_by_plate boolean, p_by_address boolean,
  p_short boolean, p_exact text, p_prefix text, p_tail text, p_contains text, p_exact_upper text,
  p_tail_upper text, p_contains_upper text, p_rev_lo text, p_rev_hi text, p_per_kind integer,
  p_room text, p_unit integer, p_room_building text)
RETURNS TABLE (type text, id integer, label text, detail text, household_id integer, building_id integer,
               lon numeric, lat numeric, rank integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET plan_cache_mode = force_custom_plan AS $$
DECLARE
  v_beats integer[] := holomap_scope_beats();
BEGIN
  IF cardinality(v_beats) = 0 THEN
    RETURN;
  END IF;
  RETURN QUERY
  WITH cand AS (
    SELECT c.id FROM person c WHERE p_by_id AND c.id_number = p_exact
    UNION SELECT c.id FROM person c
      WHERE p_by_digits AND reverse(c.id_number::text) ~>=~ p_rev_lo AND reverse(c.id_number::text) ~<~ p_rev_hi
    UNION SELECT c.id FROM person c WHERE p_by_digits AND c.phone LIKE p_contains
    UNION SELECT c.id FROM person c WHERE p_by_name AND NOT p_short AND c.name LIKE p_contains
    -- a fragment of 1–2 characters holds no trigram: prefix and suffix do (pg_trgm pads word ends),
    -- and a fragment inside a name needs a name of 4+ characters (partial index, few rows)
    UNION SELECT c.id FROM person c WHERE p_by_name AND p_short AND c.name LIKE p_prefix
    UNION SELECT c.id FROM person c WHERE p_by_name AND p_short AND c.name LIKE p_tail
    UNION SELECT c.id FROM person c
      WHERE p_by_name AND p_short AND char_length(c.name) >= 4 AND c.name LIKE p_contains
  )
  SELECT 'person'::text, p.id, p.name::text,
         holomap_mask_id(p.id_number) || ' · ' || b.address || ' ' || h.unit || '-' || h.room,
         h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
         CASE WHEN p.id_number = p_exact OR p.name = p_exact OR p.phone = p_exact THEN 0
              WHEN p.name LIKE p_prefix OR p.id_number LIKE p_tail OR p.phone LIKE p_tail THEN 1
              ELSE 2 END AS r
  FROM cand JOIN person p ON p.id = cand.id
  JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
  WHERE p.moved_out IS NULL AND h.beat_id = ANY(v_beats)
  ORDER BY r, p.name, p.id LIMIT p_per_kind;

  RETURN QUERY
  SELECT 'household'::text, h.id, b.address || ' ' || h.unit || '单元' || h.room, holomap_mask_phone(h.phone),
         h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
         CASE WHEN h.phone = p_exact THEN 0 WHEN h.phone LIKE p_tail THEN 1 ELSE 2 END AS r
  FROM household h JOIN building b ON b.id = h.building_id
  WHERE p_by_digits AND h.phone LIKE p_contains AND h.beat_id = ANY(v_beats)
  ORDER BY r, h.id LIMIT p_per_kind;

  RETURN QUERY
  SELECT 'vehicle'::text, v.id, holomap_mask_plate(v.plate),
         concat_ws(' · ', v.brand, v.color, b.address || ' ' || h.unit || '-' || h.room),
         h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
         CASE WHEN upper(v.plate) = p_exact_upper THEN 0 WHEN upper(v.plate) LIKE p_tail_upper THEN 1
              ELSE 2 END AS r
  FROM vehicle v
  LEFT JOIN person o ON o.id = v.owner_person_id
  JOIN household h ON h.id = coalesce(v.household_id, o.household_id)
  JOIN building b ON b.id = h.building_id
  WHERE p_by_plate AND upper(v.plate) LIKE p_contains_upper AND h.beat_id = ANY(v_beats)
  ORDER BY r, v.plate LIMIT p_per_kind;

  -- buildings: by the address trigram, or (a fragment of 1–2 characters, no trigram) among the buildings
  -- of the households in scope
  RETURN QUERY
  SELECT u.* FROM (
    SELECT 'building'::text, b.id AS b_id, b.address::text AS b_label, vg.name::text, NULL::integer, b.id,
           round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
           CASE WHEN b.address = p_exact THEN 0 WHEN b.address LIKE p_prefix THEN 1 ELSE 2 END AS r
    FROM building b JOIN village vg ON vg.id = b.village_id
    WHERE p_by_address AND NOT p_short AND b.address LIKE p_contains
      AND (EXISTS (SELECT 1 FROM household h WHERE h.building_id = b.id AND h.beat_id = ANY(v_beats))
           OR EXISTS (SELECT 1 FROM beat bt WHERE bt.id = ANY(v_beats) AND ST_Covers(bt.geom, b.centroid)))
    UNION ALL
    SELECT 'building'::text, b.id, b.address::text, vg.name::text, NULL::integer, b.id,
           round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
           CASE WHEN b.address = p_exact THEN 0 WHEN b.address LIKE p_prefix THEN 1 ELSE 2 END AS r
    FROM (SELECT DISTINCT h.building_id FROM household h WHERE p_by_address AND p_short
            AND h.beat_id = ANY(v_beats)) AS sb
    JOIN building b ON b.id = sb.building_id JOIN village vg ON vg.id = b.village_id
    WHERE b.address LIKE p_contains
  ) AS u
  ORDER BY u.r, length(u.b_label), u.b_id LIMIT p_per_kind;

  -- 实有单位: by name (trigram; a fragment of 1–2 characters by prefix) or by exact credit code
  RETURN QUERY
  SELECT 'organisation'::text, o.id, o.name::text, concat_ws(' · ', o.credit_code, b.address), NULL::integer, b.id,
         round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
         CASE WHEN o.name = p_exact OR o.credit_code = p_exact_upper THEN 0 WHEN o.name LIKE p_prefix THEN 1
              ELSE 2 END AS r
  FROM organisation o JOIN building b ON b.id = o.building_id
  WHERE o.id IN (SELECT c.id FROM organisation c WHERE c.credit_code = p_exact_upper
                 UNION SELECT c.id FROM organisation c WHERE p_by_address AND NOT p_short AND c.name LIKE p_contains
                 UNION SELECT c.id FROM organisation c WHERE p_by_address AND p_short AND c.name LIKE p_prefix)
    AND o.beat_id = ANY(v_beats)
  ORDER BY r, o.name, o.id LIMIT p_per_kind;

  -- room-level addresses ("1号楼1102", "3单元502"): the room, its unit when given, and the building's
  -- address ending with the typed building part (not preceded by a digit: "1号楼" is not "11号楼")
  IF p_room IS NOT NULL THEN
    RETURN QUERY
    SELECT 'household'::text, h.id, b.address || ' ' || h.unit || '单元' || h.room, holomap_mask_phone(h.phone),
           h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7), 0 AS r
    FROM household h JOIN building b ON b.id = h.building_id
    WHERE h.room = p_room AND (p_unit IS NULL OR h.unit = p_unit) AND h.beat_id = ANY(v_beats)
      AND (p_room_building IS NULL
           OR (b.address LIKE '%' || p_room_building
               AND substr(b.address, char_length(b.address) - char_length(p_room_building), 1) !~ '[0-9]'))
    ORDER BY b.address, h.unit, h.id LIMIT p_per_kind;
  END IF;
END $$;
-- END FUNCTION holomap_search
"""

QUALITY = """
-- BEGIN FUNCTION holomap_quality_counts
-- data-quality checks per beat: records checked and failing, counts only (aggregates for every role with a
-- user; api/quality lists the items under row-level security). A record of a beat: households by their
-- beat, buildings by their households' and organisations' beats. (jit off: the estimated cost of the
-- correlated counts switched on JIT compilation, 15 s of a 0.5 s statement.)
CREATE OR REPLACE FUNCTION holomap_quality_counts(p_beat_ids integer[], p_today date)
RETURNS TABLE (beat_id integer, check_code text, checked integer, failing integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
  WITH hh AS (
    SELECT h.id, h.beat_id, h.kind,
           (SELECT count(*) FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL) AS residents,
           EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL
                     AND p.relation_to_head = '户主') AS has_head,
           EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id
                     AND v.visited_at >= p_today - interval '365 days') AS visited
    FROM household h WHERE h.beat_id = ANY(p_beat_ids) AND holomap_request_user() IS NOT NULL
  ), bld AS (
    -- the buildings of the beat's households and organisations (a spatial join of every building with the
    -- beats took seconds inside this function)
    SELECT x.beat_id, b.std_address_code
    FROM (SELECT DISTINCT h.beat_id, h.building_id FROM household h
          WHERE h.beat_id = ANY(p_beat_ids) AND holomap_request_user() IS NOT NULL
          UNION SELECT o.beat_id, o.building_id FROM organisation o
          WHERE o.beat_id = ANY(p_beat_ids) AND holomap_request_user() IS NOT NULL) x
    JOIN building b ON b.id = x.building_id
  ), org AS (
    SELECT o.beat_id, o.person_in_charge, o.fire_check_on, o.status,
           EXISTS (SELECT 1 FROM organisation_employee e WHERE e.organisation_id = o.id AND e.left_on IS NULL)
             AS has_employees
    FROM organisation o WHERE o.beat_id = ANY(p_beat_ids) AND o.status <> 'closed'
      AND holomap_request_user() IS NOT NULL
  ), ppl AS (
    -- likely duplicates: the same name and birth date twice among the current residents of one station
    SELECT x.beat_id, x.n FROM (
      SELECT h.beat_id, count(*) OVER (PARTITION BY b.station_id, p.name, p.birth_date) AS n
      FROM person p JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
      WHERE p.moved_out IS NULL AND holomap_request_user() IS NOT NULL
        AND b.station_id IN (SELECT pl.station_id FROM beat bt JOIN beat_plan pl ON pl.id = bt.plan_id
                             WHERE bt.id = ANY(p_beat_ids))) x
    WHERE x.beat_id = ANY(p_beat_ids)
  )
  SELECT beat_id, 'building_no_address_code', count(*)::int, count(*) FILTER (WHERE std_address_code IS NULL)::int
  FROM bld GROUP BY 1
  UNION ALL
  SELECT beat_id, 'room_unmarked_empty', count(*)::int,
         count(*) FILTER (WHERE kind <> 'vacant' AND residents = 0)::int FROM hh GROUP BY 1
  UNION ALL
  SELECT beat_id, 'household_no_head', count(*) FILTER (WHERE residents > 0)::int,
         count(*) FILTER (WHERE residents > 0 AND NOT has_head)::int FROM hh GROUP BY 1
  UNION ALL
  SELECT beat_id, 'household_not_visited', count(*) FILTER (WHERE kind <> 'vacant')::int,
         count(*) FILTER (WHERE kind <> 'vacant' AND NOT visited)::int FROM hh GROUP BY 1
  UNION ALL
  SELECT beat_id, 'person_duplicate', count(*)::int, count(*) FILTER (WHERE n > 1)::int FROM ppl GROUP BY 1
  UNION ALL
  SELECT beat_id, 'organisation_no_person_in_charge', count(*)::int,
         count(*) FILTER (WHERE person_in_charge IS NULL)::int FROM org GROUP BY 1
  UNION ALL
  SELECT beat_id, 'organisation_no_employees', count(*)::int, count(*) FILTER (WHERE NOT has_employees)::int
  FROM org GROUP BY 1
  UNION ALL
  SELECT beat_id, 'organisation_fire_check_overdue', count(*)::int,
         count(*) FILTER (WHERE fire_check_on IS NULL OR fire_check_on < p_today - 365)::int FROM org GROUP BY 1
$$;
-- END FUNCTION holomap_quality_counts
"""


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def _policy_sql(table: str, name: str, command: str, using: str | None, check: str | None) -> str:
    sql = f"CREATE POLICY {name} ON {table} FOR {command}"
    if using is not None:
        sql += f" USING ({using})"
    if check is not None:
        sql += f" WITH CHECK ({check})"
    return sql


def _previous_lookup() -> str:
    """The holomap_lookup of migration 0014 (restored on downgrade)."""
    import importlib.util
    from pathlib import Path

    path = next(Path(__file__).parent.glob("*_0014_token_cutoff_login_throttle.py"))
    spec = importlib.util.spec_from_file_location("holomap_migration_0014", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._lookup_with_iat()


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(PLACE)
    for table in ("organisation", "organisation_employee"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for table, name, command, using, check in POLICIES:
        op.execute(_policy_sql(table, name, command, using, check))
    op.execute(LOOKUP)
    op.execute(f"DROP FUNCTION {OLD_SEARCH}")
    op.execute(SEARCH)
    op.execute(QUALITY)
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON organisation, organisation_employee TO {q(role)}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON quality_snapshot TO {q(role)}")
        op.execute(f"GRANT USAGE, SELECT ON organisation_id_seq, organisation_employee_id_seq TO {q(role)}")


def _previous_search() -> str:
    import importlib.util
    from pathlib import Path

    path = next(Path(__file__).parent.glob("*_0020_fast_search.py"))
    spec = importlib.util.spec_from_file_location("holomap_migration_0020", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SEARCH_FUNCTION


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS holomap_quality_counts(integer[], date)")
    op.execute(f"DROP FUNCTION IF EXISTS {OLD_SEARCH[:-1]}, text, integer, text)")
    op.execute(_previous_search())
    op.execute(_previous_lookup())
    op.execute("DROP TRIGGER IF EXISTS beat_plan_publish_organisations ON beat_plan")
    op.execute("DROP TABLE IF EXISTS quality_snapshot")
    op.execute("DROP TABLE IF EXISTS organisation_employee")
    op.execute("DROP TABLE IF EXISTS organisation")
    op.execute("DROP FUNCTION IF EXISTS holomap_publish_organisations()")
    op.execute("DROP FUNCTION IF EXISTS holomap_organisation_place()")
