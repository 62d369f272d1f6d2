"""fast search: one SECURITY DEFINER statement per search, every branch an index probe; worklist key
persons by a partial index — issue 22

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-04

At county scale (1M residents) every search took 200–300 ms for a station chief. Under row-level
security PostgreSQL may use an index for a condition only when its operator is leakproof (=, <, … are;
LIKE, pg_trgm's operators and reverse() are not), so a name, ID-tail, phone, plate or address search
evaluated the scope policy on every row of the table before the filter, and the vehicle branch (run for
every query of 3+ characters) filtered `upper(plate)`, which the trigram index on `plate` does not cover.

`holomap_search` (SECURITY DEFINER, like holomap_lookup) applies the same scope rule itself —
`holomap_scope_beats()` of the request's user, households of those beats — and runs each branch from its
index: the unique ID number, the reversed ID number (a tail is a prefix range, btree of migration 0013),
the phone, name and address trigrams, and a trigram index on upper(plate). Name fragments of one or two
characters hold no trigram: they are found by prefix and suffix (pg_trgm pads word ends) and, for a
fragment inside a name, among the few names of 4+ characters (partial index). Same rows, same ranks,
same order as the statement it replaces (api/places/queries.py). Custom plans: each call is planned for
its values (plan_cache_mode), as the LIKE patterns decide the best index.
"""
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None

SEARCH_FUNCTION = '''
CREATE FUNCTION holomap_search(
  p_by_name boolean, p_by_id boolean, p_by_digits boolean, p_by_plate boolean, p_by_address boolean,
  p_short boolean, p_exact text, p_prefix text, p_tail text, p_contains text, p_exact_upper text,
  p_tail_upper text, p_contains_upper text, p_rev_lo text, p_rev_hi text, p_per_kind integer)
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
      AND EXISTS (SELECT 1 FROM household h WHERE h.building_id = b.id AND h.beat_id = ANY(v_beats))
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
END $$;
'''
SIGNATURE = ("holomap_search(boolean, boolean, boolean, boolean, boolean, boolean, text, text, text, text, text,"
             " text, text, text, text, integer)")


def upgrade() -> None:
    # search compares upper(plate); the trigram index on plate itself served no query
    op.drop_index("ix_vehicle_plate_trgm", table_name="vehicle")
    op.execute("CREATE INDEX ix_vehicle_plate_upper_trgm ON vehicle USING gin (upper(plate::text) gin_trgm_ops)")
    # statistics of the new expression: without them the planner guesses and scans the table (45 ms)
    op.execute("ANALYZE vehicle")
    op.execute("CREATE INDEX ix_person_long_name ON person (id) WHERE char_length(name) >= 4")
    op.execute(SEARCH_FUNCTION)
    # worklist: the key persons of the households in scope, one probe per household into the few tagged
    # residents instead of every resident (api/worklist/queries.py KEY_PERSONS_DUE)
    op.execute("CREATE INDEX ix_person_key_household ON person (household_id) WHERE tags <> '{}'")


def downgrade() -> None:
    op.drop_index("ix_person_key_household", table_name="person")
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
    op.drop_index("ix_person_long_name", table_name="person")
    op.drop_index("ix_vehicle_plate_upper_trgm", table_name="vehicle")
    op.execute("CREATE INDEX ix_vehicle_plate_trgm ON vehicle USING gin (plate gin_trgm_ops)")
