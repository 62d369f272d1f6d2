"""SQL of the exports: PostGIS writes the GeoJSON; station filter where the user has a station."""

# non-personal layers: (table, key columns, geometry) — names are fixed here, never taken from requests
LAYER_FEATURES = {
    "stations": """
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
  'type', 'Feature', 'id', s.id, 'geometry', ST_AsGeoJSON(s.jurisdiction, 7)::json,
  'properties', json_build_object('code', s.code, 'name', s.name, 'address', s.address))
  ORDER BY s.id), '[]'))
  FROM station s WHERE (CAST(:station_id AS int) IS NULL OR s.id = :station_id)
""",
    "villages": """
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
  'type', 'Feature', 'id', v.id, 'geometry', ST_AsGeoJSON(v.geom, 7)::json,
  'properties', json_build_object('code', v.code, 'name', v.name, 'kind', v.kind, 'station_id', v.station_id))
  ORDER BY v.id), '[]'))
  FROM village v WHERE (CAST(:station_id AS int) IS NULL OR v.station_id = :station_id)
""",
    "beats": """
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
  'type', 'Feature', 'id', b.id, 'geometry', ST_AsGeoJSON(b.geom, 7)::json,
  'properties', json_build_object('code', b.code, 'name', b.name, 'kind', b.kind, 'plan_id', b.plan_id,
                                  'station_id', p.station_id)) ORDER BY b.id), '[]'))
  FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
 WHERE (CAST(:station_id AS int) IS NULL OR p.station_id = :station_id)
""",
    "buildings": """
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
  'type', 'Feature', 'id', b.id, 'geometry', ST_AsGeoJSON(b.footprint, 7)::json,
  'properties', json_build_object('address', b.address, 'std_address_code', b.std_address_code,
                                  'floors', b.floors, 'units', b.units, 'kind', b.kind,
                                  'built_year', b.built_year, 'village_id', b.village_id))
  ORDER BY b.id), '[]'))
  FROM building b WHERE (CAST(:station_id AS int) IS NULL OR b.station_id = :station_id)
""",
}

LAYER_ROWS = {
    "stations": """
SELECT s.id, s.code, s.name, s.address, ST_X(ST_PointOnSurface(s.jurisdiction)) AS lon,
       ST_Y(ST_PointOnSurface(s.jurisdiction)) AS lat, ST_AsText(s.jurisdiction, 7) AS wkt
  FROM station s WHERE (CAST(:station_id AS int) IS NULL OR s.id = :station_id) ORDER BY s.id
""",
    "villages": """
SELECT v.id, v.code, v.name, v.kind, v.station_id, ST_X(ST_PointOnSurface(v.geom)) AS lon,
       ST_Y(ST_PointOnSurface(v.geom)) AS lat, ST_AsText(v.geom, 7) AS wkt
  FROM village v WHERE (CAST(:station_id AS int) IS NULL OR v.station_id = :station_id) ORDER BY v.id
""",
    "beats": """
SELECT b.id, b.code, b.name, b.kind, b.plan_id, p.station_id, ST_X(ST_PointOnSurface(b.geom)) AS lon,
       ST_Y(ST_PointOnSurface(b.geom)) AS lat, ST_AsText(b.geom, 7) AS wkt
  FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
 WHERE (CAST(:station_id AS int) IS NULL OR p.station_id = :station_id) ORDER BY b.id
""",
    "buildings": """
SELECT b.id, b.address, b.std_address_code, b.floors, b.units, b.kind, b.built_year, b.village_id,
       ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, ST_AsText(b.footprint, 7) AS wkt
  FROM building b WHERE (CAST(:station_id AS int) IS NULL OR b.station_id = :station_id) ORDER BY b.id
""",
}

# residents of the given beats (the caller passes only beats in the user's scope)
RESIDENTS = """
SELECT p.id, p.name, p.id_number, p.gender, p.birth_date, p.phone, p.residency, p.relation_to_head,
       array_to_string(p.tags, ';') AS tags, h.hukou_no, b.address, h.unit, h.floor, h.room, bt.code AS beat
  FROM person p
  JOIN household h ON h.id = p.household_id
  JOIN building b ON b.id = h.building_id
  JOIN beat bt ON bt.id = h.beat_id
 WHERE h.beat_id = ANY(:beat_ids) AND p.moved_out IS NULL
 ORDER BY bt.code, b.address, h.unit, h.floor, h.room, p.id
"""

BEAT = """
SELECT b.id, b.code, b.name, b.kind, p.station_id, p.status, s.name AS station,
       ST_AsGeoJSON(b.geom, 7)::json AS geometry, ST_XMin(b.geom) AS west, ST_YMin(b.geom) AS south,
       ST_XMax(b.geom) AS east, ST_YMax(b.geom) AS north,
       (SELECT coalesce(sum(c.households), 0) FROM holomap_beat_households(ARRAY[b.id]) c) AS households
  FROM beat b JOIN beat_plan p ON p.id = b.plan_id JOIN station s ON s.id = p.station_id
 WHERE b.id = :beat_id
"""

BEAT_VILLAGES = """
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
  'type', 'Feature', 'geometry', ST_AsGeoJSON(v.geom, 7)::json,
  'properties', json_build_object('name', v.name, 'code', v.code, 'kind', v.kind))), '[]'))
  FROM village v, beat b
 WHERE b.id = :beat_id AND ST_Intersects(v.geom, b.geom) AND ST_Area(ST_Intersection(v.geom, b.geom)) > 0
"""

BEAT_BUILDINGS = """
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
  'type', 'Feature', 'geometry', ST_AsGeoJSON(bl.footprint, 7)::json,
  'properties', json_build_object('address', bl.address, 'floors', bl.floors, 'kind', bl.kind))), '[]'))
  FROM building bl, beat b WHERE b.id = :beat_id AND ST_Covers(b.geom, bl.centroid)
"""

# key points without personal data: open disputes by grade and category, located in the beat
# (SECURITY DEFINER, migration 0007: the map is exported by roles that see no dispute rows)
BEAT_KEY_POINTS = "SELECT grade, category, status, lon, lat FROM holomap_open_dispute_points(:beat_id)"
