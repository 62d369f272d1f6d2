"""SQL of the offline beat pack: one JSON document built by PostgreSQL for the user's beats.

The building and household objects have the shape of the click lookup's (holomap_lookup, api/places/sql/lookup.sql),
so the web app renders a building from the pack with the same code as online; each building adds its
footprint (GeoJSON) for finding it by a tap. Identity data is masked in SQL (holomap_mask_id, _phone,
_plate): the pack never carries a revealed ID number, phone or plate. Households are those of the given
beats (`h.beat_id = ANY(:beats)`); the buildings are those of these households and those standing in one of
the beats (shops, schools, factories without households: the lookup's scope rule, issue 17), each with the
organisations (实有单位) of the beats, as the lookup's `organisations`; row-level security applies on top.
"""

# open disputes concerning a household (as the lookup's): named directly or as a party
_OPEN_DISPUTES = """
SELECT d.id, d.title, d.category, d.grade, d.status, d.level, d.reported_at, d.next_return_visit
FROM dispute d
WHERE d.status IN ('open', 'mediating', 'escalated')
  AND d.id IN (SELECT dh.id FROM dispute dh WHERE dh.household_id = h.id
               UNION SELECT dp.dispute_id FROM dispute_party dp WHERE dp.household_id = h.id
               UNION SELECT dp.dispute_id FROM dispute_party dp JOIN person pp ON pp.id = dp.person_id
                     WHERE pp.household_id = h.id)
"""

_HOUSEHOLD = f"""
json_build_object(
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
      'flagged_far', vi.flagged_far, 'notes', vi.notes, 'distance_m', round(vi.distance_m)::int)
      ORDER BY vi.visited_at DESC)
    FROM (SELECT * FROM visit WHERE household_id = h.id ORDER BY visited_at DESC LIMIT :visits) vi
    LEFT JOIN app_user au ON au.id = vi.user_id), '[]'),
  'open_disputes', coalesce((
    SELECT json_agg(to_json(od) ORDER BY od.reported_at DESC) FROM ({_OPEN_DISPUTES}) od), '[]')
)
"""

# an organisation as the lookup's (api/places/sql/lookup.sql), employees masked
_ORGANISATION = """
json_build_object(
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
)
"""

# the pack's buildings: those of the households of the beats, and those standing in one of the beats
_BUILDINGS = """
(SELECT h.building_id FROM household h WHERE h.beat_id = ANY (CAST(:beats AS integer[]))
 UNION SELECT b.id FROM beat bt JOIN building b ON ST_Covers(bt.geom, b.centroid)
       WHERE bt.id = ANY (CAST(:beats AS integer[])))
"""

PACK = f"""
WITH mine AS (
  SELECT h.* FROM household h WHERE h.beat_id = ANY (CAST(:beats AS integer[]))
)
SELECT json_build_object(
  'beats', (SELECT coalesce(json_agg(json_build_object(
              'id', bt.id, 'code', bt.code, 'name', bt.name,
              'geometry', ST_AsGeoJSON(bt.geom, 7)::json) ORDER BY bt.code), '[]')
            FROM beat bt WHERE bt.id = ANY (CAST(:beats AS integer[]))),
  'bbox', (SELECT json_build_array(round(ST_XMin(e)::numeric, 7), round(ST_YMin(e)::numeric, 7),
                                   round(ST_XMax(e)::numeric, 7), round(ST_YMax(e)::numeric, 7))
           FROM (SELECT ST_Extent(bt.geom)::box2d AS e FROM beat bt
                 WHERE bt.id = ANY (CAST(:beats AS integer[]))) x WHERE e IS NOT NULL),
  'buildings', coalesce((
    SELECT json_agg(json_build_object(
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
                                  WHERE ST_Covers(c.geom, b.centroid)
                                    AND c.id = ANY (CAST(:beats AS integer[]))))),
      'footprint', ST_AsGeoJSON(b.footprint, 7)::json,
      'households', coalesce((SELECT json_agg({_HOUSEHOLD} ORDER BY h.unit, h.floor, h.room)
                              FROM mine h WHERE h.building_id = b.id), '[]'),
      'organisations', coalesce((
        SELECT json_agg({_ORGANISATION} ORDER BY o.unit NULLS FIRST, o.floor NULLS FIRST, o.room NULLS FIRST,
                                                 o.name, o.id)
        FROM organisation o
        WHERE o.building_id = b.id AND o.beat_id = ANY (CAST(:beats AS integer[]))), '[]')
    ) ORDER BY b.id)
    FROM building b WHERE b.id IN {_BUILDINGS}), '[]')
)::text
"""

# what the pack holds, for the size shown before the download
COUNTS = f"""
WITH mine AS (SELECT h.id, h.building_id FROM household h WHERE h.beat_id = ANY (CAST(:beats AS integer[])))
SELECT (SELECT count(*) FROM {_BUILDINGS} x) AS buildings,
       (SELECT count(*) FROM mine) AS households,
       (SELECT count(*) FROM person p WHERE p.household_id IN (SELECT id FROM mine) AND p.moved_out IS NULL)
         AS residents,
       (SELECT count(*) FROM vehicle ve WHERE ve.household_id IN (SELECT id FROM mine)) AS vehicles,
       (SELECT count(*) FROM visit vi WHERE vi.household_id IN (SELECT id FROM mine)) AS visits
"""

# the user's own beats: those of their scope they are a member of (1+1+N); a station chief's scope is the
# whole station, but the pack is for the beats one walks, not for the station
OWN_BEATS = """
SELECT b.id, b.code FROM beat b
WHERE b.id = ANY (CAST(:scope AS integer[]))
  AND b.id IN (SELECT m.beat_id FROM beat_member m WHERE m.user_id = :user_id)
ORDER BY b.code, b.id
"""
