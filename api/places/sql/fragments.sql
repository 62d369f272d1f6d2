-- The pieces the click lookup (lookup.sql, GET /api/lookup) and the 楼盘表 floorplan (api/places/queries.py
-- FLOORPLAN) share, written once so that the two documents cannot drift. Both are single-SELECT SQL
-- functions returning a set, without SECURITY DEFINER or SET options: PostgreSQL inlines them into the
-- calling statement (`FROM holomap_…(…)`), so they cost what the copied SQL cost. They run as the caller:
-- row-level security applies underneath.

-- the building object of both documents; 'photo_ids' its 门头照 (each image is read on request through
-- GET /api/photos/{id}, scoped and audited); 'beats' are the beats of the building's households the user sees
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
    'photo_ids', ARRAY(SELECT ph.id FROM photo ph WHERE ph.building_id = b.id ORDER BY ph.id),
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

-- a household as the lookup and the offline pack show it: identities masked (a reveal is its own audited
-- call), its residents, vehicles, latest p_visits visits and open disputes. Takes the household row, so the
-- inlined call reads no row twice.
CREATE OR REPLACE FUNCTION holomap_household_doc(h household, p_visits integer)
RETURNS TABLE (doc json)
LANGUAGE sql
STABLE
AS $$
  SELECT json_build_object(
    'id', h.id, 'unit', h.unit, 'floor', h.floor, 'room', h.room, 'kind', h.kind,
    'hukou_no', h.hukou_no, 'phone_masked', holomap_mask_phone(h.phone),
    'landlord_name', h.landlord_name, 'landlord_phone_masked', holomap_mask_phone(h.landlord_phone),
    'lease_start', h.lease_start, 'lease_end', h.lease_end,
    'residents', coalesce((
      SELECT json_agg(json_build_object(
        'id', p.id, 'name', p.name, 'id_number_masked', holomap_mask_id(p.id_number),
        'age', date_part('year', age(current_date, p.birth_date))::int, 'gender', p.gender,
        'residency', p.residency, 'relation_to_head', p.relation_to_head, 'tags', p.tags,
        'phone_masked', holomap_mask_phone(p.phone), 'registered_address', p.registered_address,
        'permit_expires', p.permit_expires, 'document_kind', p.document_kind, 'nationality', p.nationality,
        'visa_expires', p.visa_expires
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
        'flagged_far', vi.flagged_far, 'notes', vi.notes,
        'distance_m', round(vi.distance_m)::int) ORDER BY vi.visited_at DESC)
      FROM (SELECT * FROM visit WHERE household_id = h.id ORDER BY visited_at DESC LIMIT p_visits) vi
      LEFT JOIN app_user au ON au.id = vi.user_id), '[]'),
    'open_disputes', coalesce((
      SELECT json_agg(to_json(od) ORDER BY od.reported_at DESC)
      FROM holomap_household_open_disputes(h.id) od), '[]')
  )
$$;

-- the organisations (实有单位) of a building that belong to the given beats (the lookup: the user's; the
-- offline pack: its own), employees masked, as one JSON array
CREATE OR REPLACE FUNCTION holomap_building_organisations(p_building_id integer, p_beat_ids integer[])
RETURNS TABLE (doc json)
LANGUAGE sql
STABLE
AS $$
  SELECT coalesce(json_agg(json_build_object(
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
  ) ORDER BY o.unit NULLS FIRST, o.floor NULLS FIRST, o.room NULLS FIRST, o.name, o.id), '[]')
  FROM organisation o
  WHERE o.building_id = p_building_id AND o.beat_id + 0 = ANY (p_beat_ids)
$$;

-- one page of a building's households in the given beats, in the lookup's order (unit, floor, room, id), as
-- one JSON array of holomap_household_doc: the lookup's first page and GET /api/buildings/{id}/households
-- (the next pages) are the same rows of the same query, so together they are the whole list (issue 22)
CREATE OR REPLACE FUNCTION holomap_household_page(p_building_id integer, p_beat_ids integer[],
                                                  p_visits integer, p_offset integer, p_limit integer)
RETURNS TABLE (doc json)
LANGUAGE sql
STABLE
AS $$
  SELECT coalesce(json_agg(hd.doc ORDER BY (page.h).unit, (page.h).floor, (page.h).room, (page.h).id), '[]')
  FROM (SELECT h FROM household h
        WHERE h.building_id = p_building_id AND h.beat_id + 0 = ANY (p_beat_ids)
        ORDER BY h.unit, h.floor, h.room, h.id OFFSET p_offset LIMIT p_limit) page
  CROSS JOIN LATERAL holomap_household_doc(page.h, p_visits) hd
$$;

-- how many households of a building are in the given beats, and their current residents (the panel's
-- counts, sent with the first page)
CREATE OR REPLACE FUNCTION holomap_building_household_counts(p_building_id integer, p_beat_ids integer[])
RETURNS TABLE (households integer, residents integer)
LANGUAGE sql
STABLE
AS $$
  SELECT count(DISTINCT h.id)::int, count(p.id)::int
  FROM household h LEFT JOIN person p ON p.household_id = h.id AND p.moved_out IS NULL
  WHERE h.building_id = p_building_id AND h.beat_id + 0 = ANY (p_beat_ids)
$$;
