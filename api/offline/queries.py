"""SQL of the offline beat pack: one JSON document built by PostgreSQL for the user's beats.

The building, household and organisation objects are the click lookup's own (api/places/sql/fragments.sql:
holomap_building_doc, holomap_household_doc, holomap_building_organisations — written once for both, so the
two cannot drift), and the web app renders a building from the pack with the same code as online; each
building adds its footprint (GeoJSON) for finding it by a tap. Identity data is masked in SQL (holomap_mask_id, _phone,
_plate): the pack never carries a revealed ID number, phone or plate. Households are those of the given
beats (`h.beat_id = ANY(:beats)`); the buildings are those of these households and those standing in one of
the beats (shops, schools, factories without households: the lookup's scope rule, issue 17), each with the
organisations (实有单位) of the beats, as the lookup's `organisations`; row-level security applies on top.
"""

# the pack's buildings: those of the households of the beats, and those standing in one of the beats
_BUILDINGS = """
(SELECT h.building_id FROM household h WHERE h.beat_id = ANY (CAST(:beats AS integer[]))
 UNION SELECT b.id FROM beat bt JOIN building b ON ST_Covers(bt.geom, b.centroid)
       WHERE bt.id = ANY (CAST(:beats AS integer[])))
"""

PACK = f"""
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
      'building', (SELECT bd.doc FROM holomap_building_doc(b.id) bd),
      'footprint', ST_AsGeoJSON(b.footprint, 7)::json,
      'households', coalesce((
        SELECT json_agg(hd.doc ORDER BY h.unit, h.floor, h.room)
        FROM household h CROSS JOIN LATERAL holomap_household_doc(h, CAST(:visits AS integer)) hd
        WHERE h.building_id = b.id AND h.beat_id = ANY (CAST(:beats AS integer[]))), '[]'),
      'organisations', (SELECT od.doc FROM holomap_building_organisations(b.id, CAST(:beats AS integer[])) od)
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
