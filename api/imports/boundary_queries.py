"""SQL of the boundary import: one staging table, per-layer placement (station, village, plan) and upserts."""
import re

CREATE_STAGING = """
DROP TABLE IF EXISTS imp_boundary;
CREATE TEMP TABLE imp_boundary (
  seq int, code text, name text, kind text, address text, std_address_code text, floors int, units int,
  built_year int, station text, geom geometry, station_id int, village_id int, plan_id int, target_id int,
  problem text
);
"""
DROP_STAGING = "DROP TABLE IF EXISTS imp_boundary"
COPY_STAGING = (
    "COPY imp_boundary (seq, code, name, kind, address, std_address_code, floors, units, built_year, station,"
    " geom) FROM STDIN"
)
UNLOCATED = "SELECT seq, problem FROM imp_boundary WHERE problem IS NOT NULL ORDER BY seq"
# "valid features only": the features that cannot be placed are reported, then left out
SKIP_UNLOCATED = "DELETE FROM imp_boundary WHERE problem IS NOT NULL"
ANY_STAGED = "SELECT 1 FROM imp_boundary LIMIT 1"

_SRID = "UPDATE imp_boundary SET geom = ST_SetSRID(geom, 4326);"
_STATION = """
UPDATE imp_boundary i SET station_id = COALESCE(
  (SELECT s.id FROM station s WHERE s.code = COALESCE(i.station, %(station_code)s)),
  CASE WHEN i.station IS NULL AND %(station_code)s::text IS NULL THEN
    (SELECT s.id FROM station s WHERE ST_Covers(s.jurisdiction, ST_PointOnSurface(i.geom))
      ORDER BY s.id LIMIT 1) END);
UPDATE imp_boundary SET problem = 'no_station' WHERE station_id IS NULL;
"""

LOCATE = {
    "stations": _SRID + """
UPDATE imp_boundary i SET target_id = s.id FROM station s WHERE s.code = i.code;
""",
    "villages": _SRID + _STATION + """
UPDATE imp_boundary i SET target_id = v.id FROM village v WHERE v.code = i.code;
""",
    "beats": _SRID + _STATION + """
INSERT INTO beat_plan (station_id, name, status)
SELECT DISTINCT i.station_id, %(plan_name)s, 'draft' FROM imp_boundary i
 WHERE i.station_id IS NOT NULL AND NOT EXISTS (
   SELECT 1 FROM beat_plan p
    WHERE p.station_id = i.station_id AND p.name = %(plan_name)s AND p.status = 'draft');
UPDATE imp_boundary i SET plan_id = p.id
  FROM beat_plan p WHERE p.station_id = i.station_id AND p.name = %(plan_name)s AND p.status = 'draft';
UPDATE imp_boundary i SET target_id = b.id FROM beat b WHERE b.plan_id = i.plan_id AND b.code = i.code;
""",
    "buildings": _SRID + """
UPDATE imp_boundary i SET village_id = v.id, station_id = v.station_id
  FROM village v
 WHERE v.id = (SELECT v2.id FROM village v2 WHERE ST_Covers(v2.geom, ST_PointOnSurface(i.geom))
                ORDER BY v2.id LIMIT 1);
UPDATE imp_boundary SET problem = 'no_village' WHERE village_id IS NULL;
UPDATE imp_boundary SET problem = 'building_range'
 WHERE problem IS NULL
   AND (COALESCE(floors, 1) NOT BETWEEN 1 AND 200 OR COALESCE(units, 1) NOT BETWEEN 1 AND 100);
UPDATE imp_boundary i SET target_id = COALESCE(
  (SELECT b.id FROM building b WHERE b.std_address_code = i.std_address_code),
  (SELECT b.id FROM building b WHERE i.std_address_code IS NULL AND b.village_id = i.village_id
      AND b.address = i.address ORDER BY b.id LIMIT 1))
 WHERE problem IS NULL;
""",
}

_VILLAGE_KIND = """COALESCE((%(village_codes)s::text[])[array_position(%(village_kinds)s::text[], i.kind)],
  CASE WHEN i.name LIKE '%%社区' THEN 'community' ELSE 'village' END)"""
_BEAT_KIND = "CASE WHEN i.kind IN ('urban', '城区', '城市', '社区') THEN 'urban' ELSE 'rural' END"
_BUILDING_KIND = """COALESCE((%(building_codes)s::text[])[array_position(%(building_kinds)s::text[], i.kind)],
  'residential')"""

UPSERT = {
    "stations": (
        ("updated", """
UPDATE station s SET name = i.name, address = COALESCE(i.address, s.address), jurisdiction = ST_Multi(i.geom)
  FROM imp_boundary i
 WHERE s.id = i.target_id
   AND (s.name, s.address, s.jurisdiction) IS DISTINCT FROM
       (i.name, COALESCE(i.address, s.address), ST_Multi(i.geom))
"""),
        ("inserted", """
INSERT INTO station (code, name, address, jurisdiction)
SELECT i.code, i.name, i.address, ST_Multi(i.geom) FROM imp_boundary i WHERE i.target_id IS NULL
"""),
    ),
    "villages": (
        ("updated", f"""
UPDATE village v SET station_id = i.station_id, name = i.name, kind = {_VILLAGE_KIND}, geom = ST_Multi(i.geom)
  FROM imp_boundary i
 WHERE v.id = i.target_id
   AND (v.station_id, v.name, v.kind, v.geom) IS DISTINCT FROM
       (i.station_id, i.name, {_VILLAGE_KIND}, ST_Multi(i.geom))
"""),
        ("inserted", f"""
INSERT INTO village (station_id, code, name, kind, geom)
SELECT i.station_id, i.code, i.name, {_VILLAGE_KIND}, ST_Multi(i.geom) FROM imp_boundary i
 WHERE i.target_id IS NULL
"""),
    ),
    "beats": (
        ("updated", f"""
UPDATE beat b SET name = i.name, kind = {_BEAT_KIND}, geom = ST_Multi(i.geom), version = b.version + 1,
       updated_at = now()
  FROM imp_boundary i
 WHERE b.id = i.target_id
   AND (b.name, b.kind, b.geom) IS DISTINCT FROM (i.name, {_BEAT_KIND}, ST_Multi(i.geom))
"""),
        ("inserted", f"""
INSERT INTO beat (plan_id, code, name, kind, geom)
SELECT i.plan_id, i.code, i.name, {_BEAT_KIND}, ST_Multi(i.geom) FROM imp_boundary i WHERE i.target_id IS NULL
"""),
    ),
    "buildings": (
        ("updated", f"""
UPDATE building b SET station_id = i.station_id, village_id = i.village_id, address = i.address,
       footprint = i.geom, floors = COALESCE(i.floors, b.floors), units = COALESCE(i.units, b.units),
       kind = {_BUILDING_KIND}, built_year = COALESCE(i.built_year, b.built_year)
  FROM imp_boundary i
 WHERE b.id = i.target_id
   AND (b.station_id, b.village_id, b.address, b.footprint, b.floors, b.units, b.kind, b.built_year)
       IS DISTINCT FROM (i.station_id, i.village_id, i.address, i.geom, COALESCE(i.floors, b.floors),
                         COALESCE(i.units, b.units), {_BUILDING_KIND}, COALESCE(i.built_year, b.built_year))
"""),
        ("inserted", f"""
INSERT INTO building (station_id, village_id, address, std_address_code, footprint, floors, units, kind,
                      built_year)
SELECT i.station_id, i.village_id, i.address, i.std_address_code, i.geom, COALESCE(i.floors, 1),
       COALESCE(i.units, 1), {_BUILDING_KIND}, i.built_year
  FROM imp_boundary i WHERE i.target_id IS NULL
"""),
    ),
}


def statements(script: str) -> list[str]:
    """The statements of a script (bound parameters need one statement per execute)."""
    return [part for part in re.split(r";\s*\n", script) if part.strip()]
