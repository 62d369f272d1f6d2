-- The pieces the click lookup (lookup.sql, GET /api/lookup) and the 楼盘表 floorplan (api/places/queries.py
-- FLOORPLAN) share, written once so that the two documents cannot drift. Both are single-SELECT SQL
-- functions returning a set, without SECURITY DEFINER or SET options: PostgreSQL inlines them into the
-- calling statement (`FROM holomap_…(…)`), so they cost what the copied SQL cost. They run as the caller:
-- row-level security applies underneath.

-- the building object of both documents; 'beats' are the beats of the building's households the user sees
-- and the user's beats covering the building (a building without households — a shop, a school, a
-- factory — is in the scope of the beat it stands in: issue 17)
CREATE OR REPLACE FUNCTION holomap_building_doc(p_building_id integer)
RETURNS TABLE (doc jsonb)
LANGUAGE sql
STABLE
AS $$
  SELECT jsonb_build_object(
    'id', b.id, 'address', b.address, 'std_address_code', b.std_address_code, 'kind', b.kind,
    'floors', b.floors, 'units', b.units, 'built_year', b.built_year,
    'use', b.use, 'owner_name', b.owner_name, 'owner_phone_masked', holomap_mask_phone(b.owner_phone),
    'lon', round(ST_X(b.centroid)::numeric, 7), 'lat', round(ST_Y(b.centroid)::numeric, 7),
    'village', (SELECT jsonb_build_object('id', v.id, 'code', v.code, 'name', v.name, 'kind', v.kind)
                FROM village v WHERE v.id = b.village_id),
    'beats', (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('id', bt.id, 'code', bt.code,
                                                                    'name', bt.name)), '[]')
              FROM beat bt
              WHERE bt.id IN (SELECT h.beat_id FROM household h WHERE h.building_id = b.id
                              UNION SELECT c.id FROM beat c
                              WHERE ST_Covers(c.geom, b.centroid)
                                AND c.id = ANY ((SELECT holomap_scope_beats())::integer[]))))
  FROM building b
  WHERE b.id = p_building_id
$$;

-- the open disputes of a household: a dispute concerns a household when it names it directly or lists it
-- (or one of its residents) as a party (three index lookups rather than one OR: keeps the plan cheap)
CREATE OR REPLACE FUNCTION holomap_household_open_disputes(p_household_id integer)
RETURNS TABLE (id integer, title text, category varchar, grade varchar, status varchar, level varchar,
               reported_at timestamptz, next_return_visit date)
LANGUAGE sql
STABLE
AS $$
  SELECT d.id, d.title, d.category, d.grade, d.status, d.level, d.reported_at, d.next_return_visit
  FROM dispute d
  WHERE d.status IN ('open', 'mediating', 'escalated')
    AND d.id IN (SELECT dh.id FROM dispute dh WHERE dh.household_id = p_household_id
                 UNION SELECT dp.dispute_id FROM dispute_party dp WHERE dp.household_id = p_household_id
                 UNION SELECT dp.dispute_id FROM dispute_party dp JOIN person pp ON pp.id = dp.person_id
                       WHERE pp.household_id = p_household_id)
$$;
