"""SQL of the plans domain: named constants, bound parameters only.

Geometry parameters (`:wkb`) are WKB bytes of an already validated lon/lat Shapely geometry.
A building belongs to the beat that covers its point-on-surface (`building.centroid`); ties on a shared
edge go to the lowest beat id, so every building — and so every household — is in exactly one beat.
"""

AREA = "ST_GeomFromWKB(:wkb, 4326)"

# --- live stats -------------------------------------------------------------------------------
STATS_FRESH = "SELECT EXISTS (SELECT 1 FROM area_stats WHERE station_id = :station_id)"
STATS_STATIONS_MISSING = """
SELECT s.id FROM station s
WHERE ST_Intersects(s.jurisdiction, ST_GeomFromWKB(:wkb, 4326))
  AND NOT EXISTS (SELECT 1 FROM area_stats a WHERE a.station_id = s.id)
"""
REFRESH_STATS = "SELECT holomap_refresh_area_stats(:station_id)"

AREA_STATS = """
SELECT coalesce(sum(buildings), 0) AS buildings, coalesce(sum(households), 0) AS households,
       coalesce(sum(residents), 0) AS residents, coalesce(sum(floating), 0) AS floating,
       coalesce(sum(key_persons), 0) AS key_persons, coalesce(sum(incidents_12m), 0) AS incidents_12m,
       coalesce(sum(disputes_green), 0) AS green, coalesce(sum(disputes_yellow), 0) AS yellow,
       coalesce(sum(disputes_orange), 0) AS orange, coalesce(sum(disputes_red), 0) AS red
FROM area_stats
WHERE ST_Intersects(pt, ST_GeomFromWKB(:wkb, 4326))
"""

# the same rule as a plan's beats (PLAN_BEAT_STATS): a village counts where its point-on-surface lies, so
# the live figure during a drag equals the figure after the drop
AREA_VILLAGES = """
SELECT count(*) FROM village v
WHERE ST_Intersects(v.geom, ST_GeomFromWKB(:wkb, 4326))
  AND ST_Covers(ST_GeomFromWKB(:wkb, 4326), ST_PointOnSurface(v.geom))
"""

# per-beat stats of a plan (same pre-aggregates, one lateral sum per beat). The beats and the villages'
# points-on-surface are computed once (MATERIALIZED); `station_id + 0` keeps the planner on the spatial
# index alone (it used to AND it with the station index: 37,000 bitmap entries per beat, 3× slower)
PLAN_BEAT_STATS = """
WITH bt AS MATERIALIZED (
  SELECT b.id, b.code, b.kind, b.geom, p.station_id FROM beat b JOIN beat_plan p ON p.id = b.plan_id
  WHERE b.plan_id = :plan_id
), vp AS MATERIALIZED (
  SELECT ST_PointOnSurface(v.geom) AS pt FROM village v
  WHERE v.station_id = (SELECT station_id FROM beat_plan WHERE id = :plan_id)
)
SELECT b.id, b.code, b.kind, s.*,
       (SELECT count(*) FROM vp WHERE ST_Covers(b.geom, vp.pt)) AS villages,
       ST_Area(b.geom::geography) / 1e6 AS area_km2
FROM bt b
CROSS JOIN LATERAL (
  SELECT coalesce(sum(a.buildings), 0) AS buildings, coalesce(sum(a.households), 0) AS households,
         coalesce(sum(a.residents), 0) AS residents, coalesce(sum(a.floating), 0) AS floating,
         coalesce(sum(a.key_persons), 0) AS key_persons, coalesce(sum(a.incidents_12m), 0) AS incidents_12m,
         coalesce(sum(a.disputes_green), 0) AS green, coalesce(sum(a.disputes_yellow), 0) AS yellow,
         coalesce(sum(a.disputes_orange), 0) AS orange, coalesce(sum(a.disputes_red), 0) AS red
  FROM area_stats a WHERE ST_Intersects(a.pt, b.geom) AND a.station_id + 0 = b.station_id
) s
ORDER BY b.code
"""

# The same figures from the cache of per-beat sums (migration 0011, api/plans/beat_stats.py): the sums of a
# beat depend only on its geometry and the station's pre-aggregates, so they are looked up by the md5 of the
# geometry's WKB; villages and km² are measured here (cheap: no pre-aggregate rows are read).
PLAN_BEAT_STATS_CACHED = """
SELECT b.id, b.code, b.kind, b.version, p.station_id, h.geom_md5, c.geom_md5 IS NOT NULL AS cached,
       c.buildings, c.households, c.residents, c.floating, c.key_persons, c.incidents_12m,
       c.disputes_green AS green, c.disputes_yellow AS yellow, c.disputes_orange AS orange,
       c.disputes_red AS red,
       -- villages near the beat by the spatial index, then the rule of PLAN_BEAT_STATS (point on surface)
       (SELECT count(*) FROM village v
         WHERE v.geom && b.geom AND v.station_id = p.station_id AND ST_Covers(b.geom, ST_PointOnSurface(v.geom))
       ) AS villages,
       ST_Area(b.geom::geography) / 1e6 AS area_km2
FROM beat b JOIN beat_plan p ON p.id = b.plan_id
CROSS JOIN LATERAL (SELECT md5(ST_AsEWKB(b.geom))::uuid AS geom_md5) h
LEFT JOIN beat_stats_cache c ON c.station_id = p.station_id AND c.geom_md5 = h.geom_md5
WHERE b.plan_id = :plan_id AND (CAST(:beat_ids AS integer[]) IS NULL OR b.id = ANY(CAST(:beat_ids AS integer[])))
ORDER BY b.code
"""
# a refresh of the pre-aggregates waits for (or is waited for by) a transaction filling the cache, so no
# sum of old rows is stored after the refresh emptied the station's cache (api/plans/sql/area_stats.sql)
BEAT_STATS_CACHE_LOCK = """
SELECT pg_advisory_xact_lock_shared(738201, 0), pg_advisory_xact_lock_shared(738201, :station_id)
"""
# the sums of the beats `beat_ids` (those missing from the cache), stored and returned
FILL_BEAT_STATS_CACHE = """
WITH bt AS MATERIALIZED (
  SELECT DISTINCT ON (md5(ST_AsEWKB(b.geom))::uuid) md5(ST_AsEWKB(b.geom))::uuid AS geom_md5, b.geom, p.station_id
  FROM beat b JOIN beat_plan p ON p.id = b.plan_id
  WHERE b.plan_id = :plan_id AND b.id = ANY(:beat_ids)
  ORDER BY md5(ST_AsEWKB(b.geom))::uuid
), s AS MATERIALIZED (
  SELECT b.station_id, b.geom_md5, x.*
  FROM bt b
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(a.buildings), 0) AS buildings, coalesce(sum(a.households), 0) AS households,
           coalesce(sum(a.residents), 0) AS residents, coalesce(sum(a.floating), 0) AS floating,
           coalesce(sum(a.key_persons), 0) AS key_persons, coalesce(sum(a.incidents_12m), 0) AS incidents_12m,
           coalesce(sum(a.disputes_green), 0) AS green, coalesce(sum(a.disputes_yellow), 0) AS yellow,
           coalesce(sum(a.disputes_orange), 0) AS orange, coalesce(sum(a.disputes_red), 0) AS red
    FROM area_stats a WHERE ST_Intersects(a.pt, b.geom) AND a.station_id + 0 = b.station_id
  ) x
), stored AS (
  INSERT INTO beat_stats_cache (station_id, geom_md5, buildings, households, residents, floating, key_persons,
                                incidents_12m, disputes_green, disputes_yellow, disputes_orange, disputes_red)
  SELECT station_id, geom_md5, buildings, households, residents, floating, key_persons, incidents_12m,
         green, yellow, orange, red
  FROM s ORDER BY geom_md5
  ON CONFLICT DO NOTHING
)
SELECT * FROM s
"""

# --- plans -------------------------------------------------------------------------------------
PLAN_COLUMNS = """
p.id, p.station_id, p.name, p.status, p.created_at, p.based_on, p.published_at, p.archived_at,
cu.username AS created_by, au.username AS approved_by,
(SELECT count(*) FROM beat b WHERE b.plan_id = p.id) AS beats, p.review_state
"""
PLAN_FROM = """
FROM beat_plan p
LEFT JOIN app_user cu ON cu.id = p.created_by
LEFT JOIN app_user au ON au.id = p.approved_by
"""
LIST_PLANS = (
    f"SELECT {PLAN_COLUMNS} {PLAN_FROM} WHERE p.station_id = :station_id"
    " ORDER BY p.created_at DESC, p.id DESC"
)
GET_PLAN = f"SELECT {PLAN_COLUMNS} {PLAN_FROM} WHERE p.id = :plan_id"
# the plan in force at a moment: published_at <= t < archived_at (or still published)
PLAN_AT = f"""
SELECT {PLAN_COLUMNS} {PLAN_FROM}
WHERE p.station_id = :station_id AND p.published_at <= :at AND (p.archived_at IS NULL OR p.archived_at > :at)
ORDER BY p.published_at DESC LIMIT 1
"""
# the plan, read and locked by one statement (every edit of a draft starts with it)
LOCK_PLAN_ROW = f"SELECT {PLAN_COLUMNS} {PLAN_FROM} WHERE p.id = :plan_id FOR UPDATE OF p"
CURRENT_PLAN_ID = "SELECT id FROM beat_plan WHERE station_id = :station_id AND status = 'published'"
# Publishing and creating drafts of one station are serialised on the station row (NO KEY UPDATE does
# not block rows that reference the station); the plan in force is read only after this lock, so a
# publish that waited sees the plan the other one left in force. The clock is read after the lock too:
# draft created_at and plan published_at are then ordered like the transactions holding the lock.
LOCK_STATION_FOR_PUBLISH = "SELECT id FROM station WHERE id = :station_id FOR NO KEY UPDATE"
PUBLISH_LOCK_WAIT = "SELECT set_config('lock_timeout', '60s', true)"
LOCK_STATION_FOR_DRAFT = "SELECT id FROM station WHERE id = :station_id FOR SHARE"
LOCKED_NOW = "SELECT clock_timestamp()"
# the plan in force, and whether it was published after the draft was made (then the draft does not
# hold its changes: publishing it would silently undo them)
CURRENT_FOR_PUBLISH = """
SELECT c.id, c.name, c.published_at, c.published_at > d.created_at AS superseded
FROM beat_plan d
JOIN beat_plan c ON c.station_id = d.station_id AND c.status = 'published'
WHERE d.id = :plan_id
"""

INSERT_PLAN = """
INSERT INTO beat_plan (station_id, name, status, created_by, based_on, created_at)
VALUES (:station_id, :name, 'draft', :user_id, :based_on, clock_timestamp())
RETURNING id
"""
COPY_BEATS = """
INSERT INTO beat (plan_id, code, name, kind, geom, version, locked)
SELECT :plan_id, code, name, kind, geom, 1, false FROM beat WHERE plan_id = :source_id
"""
PLAN_NAMES_LIKE = "SELECT name FROM beat_plan WHERE station_id = :station_id AND name LIKE :pattern"
RENAME_PLAN = "UPDATE beat_plan SET name = :name WHERE id = :plan_id"
DELETE_PLAN = "DELETE FROM beat_plan WHERE id = :plan_id AND status = 'draft'"

PLAN_BEATS_GEOJSON = """
SELECT b.id, b.code, b.name, b.kind, b.version, b.locked, ST_AsGeoJSON(b.geom, 7) AS geometry,
       -- label at the pole of inaccessibility of the beat's largest part: always inside the beat
       (SELECT ARRAY[ST_X(c.center), ST_Y(c.center)] FROM ST_MaximumInscribedCircle(
          (SELECT d.geom FROM ST_Dump(b.geom) d ORDER BY ST_Area(d.geom) DESC LIMIT 1)) c) AS label,
       coalesce((
         SELECT json_agg(json_build_object('username', u.username, 'display_name', u.display_name,
                                           'duty', m.duty) ORDER BY m.duty, u.username)
         FROM beat_member m JOIN app_user u ON u.id = m.user_id
         WHERE m.beat_id = CASE
           WHEN EXISTS (SELECT 1 FROM beat_member x WHERE x.beat_id = b.id) THEN b.id
           -- a draft's beats show the members of the current beat with the same code (carried at publish)
           ELSE (SELECT cb.id FROM beat cb JOIN beat_plan cp ON cp.id = cb.plan_id
                  WHERE cp.station_id = :station_id AND cp.status = 'published' AND cb.code = b.code) END
       ), '[]'::json) AS members
FROM beat b
WHERE b.plan_id = :plan_id
ORDER BY b.code
"""

# --- beats -------------------------------------------------------------------------------------
GET_BEAT = (
    "SELECT id, plan_id, code, name, kind, version, locked FROM beat"
    " WHERE id = :beat_id AND plan_id = :plan_id"
)
BEAT_CODES = "SELECT code FROM beat WHERE plan_id = :plan_id"
UPDATE_BEAT = """
UPDATE beat SET
  geom = coalesce(ST_Multi(ST_GeomFromWKB(CAST(:wkb AS bytea), 4326)), geom),
  name = coalesce(CAST(:name AS text), name),
  kind = coalesce(CAST(:kind AS varchar), kind),
  locked = coalesce(CAST(:locked AS boolean), locked),
  version = version + 1,
  updated_at = now()
WHERE id = :beat_id AND plan_id = :plan_id AND version = :version
RETURNING version
"""
RESET_VERSION = "UPDATE beat SET version = 1 WHERE id = :beat_id AND plan_id = :plan_id"
BUMP_VERSION = "UPDATE beat SET version = version + 1 WHERE id = :beat_id AND plan_id = :plan_id"
INSERT_BEAT = """
INSERT INTO beat (plan_id, code, name, kind, geom, version, locked)
VALUES (:plan_id, :code, :name, :kind, ST_Multi(ST_GeomFromWKB(:wkb, 4326)), 1, false)
RETURNING id, version
"""
DELETE_BEAT = "DELETE FROM beat WHERE id = :beat_id AND plan_id = :plan_id AND version = :version"

# --- assign villages / buildings ---------------------------------------------------------------
# the painted villages of the station, with their names (for the step's label)
STATION_VILLAGES = "SELECT id, name FROM village WHERE station_id = :station_id AND id = ANY(:ids)"
BUILDING_UNION = """
SELECT ST_AsBinary(ST_Union(footprint)) AS wkb, count(*) AS n, array_agg(id) AS ids
FROM building WHERE station_id = :station_id AND id = ANY(:ids)
"""
LOCKED_BEATS_HIT = """
SELECT code FROM beat
WHERE plan_id = :plan_id AND id <> :beat_id AND locked
  AND ST_Relate(geom, ST_GeomFromWKB(:wkb, 4326), 'T********')
  AND ST_Area(ST_Intersection(geom, ST_GeomFromWKB(:wkb, 4326))::geography) > :min_area_m2
"""
# beats that would be left with no area (an empty beat breaks the geometry constraints)
EMPTIED_BEATS = """
SELECT code FROM beat
WHERE plan_id = :plan_id AND id <> :beat_id AND ST_Relate(geom, ST_GeomFromWKB(:wkb, 4326), 'T********')
  AND ST_IsEmpty(ST_CollectionExtract(ST_Difference(geom, ST_GeomFromWKB(:wkb, 4326)), 3))
"""
TAKE_FROM_OTHER_BEATS = """
UPDATE beat SET
  geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Difference(geom, ST_GeomFromWKB(:wkb, 4326))), 3)),
  version = version + 1, updated_at = now()
WHERE plan_id = :plan_id AND id <> :beat_id AND ST_Relate(geom, ST_GeomFromWKB(:wkb, 4326), 'T********')
  -- digitising noise along a shared edge is not a real overlap
  AND ST_Area(ST_Intersection(geom, ST_GeomFromWKB(:wkb, 4326))::geography) > :min_area_m2
RETURNING code
"""
GIVE_TO_BEAT = """
UPDATE beat SET
  geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom, ST_GeomFromWKB(:wkb, 4326))), 3)),
  version = version + 1, updated_at = now()
WHERE id = :beat_id AND plan_id = :plan_id
RETURNING version
"""
# The beat of each building of the station under the plan: the beat covering its centroid, ties on a shared
# edge going to the lowest beat id (the rule of publish, holomap_reassign_beats). Beat by beat (OFFSET 0 keeps
# the planner from turning the join around), each probing the buildings' spatial index alone, so PostGIS
# prepares each beat's geometry once for its ~100 buildings (issue 22: a probe of the 50 beats per building
# re-read unprepared geometries, ~270 ms at county scale; this is ~10 ms). Buildings in no beat have no row.
BUILDING_BEATS = """
SELECT DISTINCT ON (bu.id) bu.id AS building_id, bu.village_id, bt.code, bt.id AS beat_id
FROM beat bt
CROSS JOIN LATERAL (
  SELECT bu.id, bu.village_id FROM building bu
  WHERE ST_Covers(bt.geom, bu.centroid) AND bu.station_id + 0 = :station_id
  OFFSET 0
) bu
WHERE bt.plan_id = :plan_id
ORDER BY bu.id, bt.id
"""
# villages whose buildings fall into more than one beat of the plan
SPLIT_VILLAGES = f"""
SELECT v.id, v.code, v.name, s.beats,
       ST_X(ST_PointOnSurface(v.geom)) AS lon, ST_Y(ST_PointOnSurface(v.geom)) AS lat
FROM (
  SELECT m.village_id, array_agg(DISTINCT m.code ORDER BY m.code) AS beats
  FROM ({BUILDING_BEATS}) m
  GROUP BY m.village_id HAVING count(DISTINCT m.code) > 1
) s JOIN village v ON v.id = s.village_id
ORDER BY v.code
"""

# the same from the plan's units (a village whose land lies in more than one beat): no building scan
SPLIT_VILLAGES_BY_UNITS = """
SELECT v.id, v.code, v.name, s.beats,
       ST_X(ST_PointOnSurface(v.geom)) AS lon, ST_Y(ST_PointOnSurface(v.geom)) AS lat
FROM (
  SELECT u.village_id, array_agg(DISTINCT b.code ORDER BY b.code) AS beats
  FROM plan_unit u JOIN beat b ON b.id = u.beat_id
  WHERE u.plan_id = :plan_id AND u.village_id IS NOT NULL
  GROUP BY u.village_id HAVING count(DISTINCT u.beat_id) > 1
) s JOIN village v ON v.id = s.village_id
ORDER BY v.code
"""

# --- check ---------------------------------------------------------------------------------------
PLAN_BEAT_SHAPES = """
SELECT id, code, kind, locked, ST_AsBinary(geom) AS wkb, ST_IsEmpty(geom) AS empty FROM beat
WHERE plan_id = :plan_id ORDER BY code
"""
JURISDICTION = "SELECT ST_AsBinary(jurisdiction) FROM station WHERE id = :station_id"
# one union of the plan's beats, tested per building with a prepared geometry (PostGIS caches it when the
# same geometry is the argument of every row; ST_Intersects of a point = ST_Covers): ~20× the per-beat probe
UNCOVERED_BUILDINGS = """
WITH u AS MATERIALIZED (
  SELECT coalesce(ST_Union(geom), ST_GeomFromText('POLYGON EMPTY', 4326)) AS g FROM beat WHERE plan_id = :plan_id
)
SELECT count(*) AS n, min(ST_X(b.centroid)) AS lon, min(ST_Y(b.centroid)) AS lat,
       (array_agg(b.id ORDER BY b.id))[1:20] AS ids
FROM building b CROSS JOIN u
WHERE b.station_id = :station_id AND NOT ST_Intersects(u.g, b.centroid)
"""

# --- diff ----------------------------------------------------------------------------------------
# Custom plans for the rest of the transaction: BUILDING_MOVES' plan depends on its arrays' lengths, and the
# generic plan PostgreSQL settles on for a statement prepared by psycopg (from its 5th run on a connection)
# guesses them small: 1.5 s instead of 25 ms at county scale.
CUSTOM_PLANS = "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"
# new beat of each building of the station under the plan (BUILDING_BEATS' rows as two integer[] literals,
# kept per version by shapes.plan_shapes), and its current beat (by code)
BUILDING_MOVES = """
WITH m AS (
  SELECT m.building_id, bt.code
  FROM unnest(CAST(:building_ids AS integer[]), CAST(:beat_ids AS integer[])) AS m(building_id, beat_id)
  JOIN beat bt ON bt.id = m.beat_id
), nb AS (
  SELECT b.id, b.village_id, b.address, b.centroid, m.code AS to_code
  FROM building b LEFT JOIN m ON m.building_id = b.id
  WHERE b.station_id = :station_id
), hh AS (
  -- counts per building and current beat (SECURITY DEFINER, migration 0007: planners see no rows of people)
  SELECT c.building_id, ob.code AS from_code, sum(c.households)::int AS households
  FROM holomap_station_building_households(:station_id) c LEFT JOIN beat ob ON ob.id = c.beat_id
  GROUP BY c.building_id, ob.code
), mv AS MATERIALIZED (
  SELECT nb.id, nb.village_id, nb.address, nb.centroid, hh.from_code, nb.to_code, hh.households
  FROM nb JOIN hh ON hh.building_id = nb.id
  WHERE hh.from_code IS DISTINCT FROM nb.to_code
), rs AS (
  -- residents of the moving buildings only (issue 22: of every building, ~250 ms at county scale)
  SELECT r.building_id, ob.code AS from_code, sum(r.residents) AS residents
  FROM holomap_building_residents(:station_id, ARRAY(SELECT DISTINCT id FROM mv)) r
  LEFT JOIN beat ob ON ob.id = r.beat_id
  GROUP BY r.building_id, ob.code
)
SELECT mv.id AS building_id, mv.address, mv.village_id, v.name AS village, mv.from_code, mv.to_code,
       mv.households, rs.residents, ST_X(mv.centroid) AS lon, ST_Y(mv.centroid) AS lat
FROM mv LEFT JOIN rs ON rs.building_id = mv.id AND rs.from_code IS NOT DISTINCT FROM mv.from_code
JOIN village v ON v.id = mv.village_id
ORDER BY v.code, mv.id, mv.from_code
"""
# the diff as areas: land of a current beat that the draft gives to a beat of another code (or to none),
# one piece per (from, to), simplified to ~1 m for drawing; slivers under 1 m² are digitising noise
DIFF_AREAS = """
SELECT c.code AS from_code, d.code AS to_code, ST_Area(x.g::geography) AS area_m2,
       ST_AsGeoJSON(ST_SimplifyPreserveTopology(x.g, 0.00001), 6) AS geometry
FROM beat c
JOIN beat_plan cp ON cp.id = c.plan_id AND cp.status = 'published'
-- beats that only touch share no area: NOT ST_Touches spares their intersection (~40 per station, a third of
-- the statement's time; issue 22)
JOIN beat d ON d.plan_id = :plan_id AND d.code <> c.code AND ST_Intersects(c.geom, d.geom)
  AND NOT ST_Touches(c.geom, d.geom)
CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(c.geom, d.geom), 3) AS g) x
WHERE cp.station_id = :station_id AND NOT ST_IsEmpty(x.g) AND ST_Area(x.g::geography) > 1
ORDER BY c.code, d.code
"""
HOUSEHOLD_MOVES = """
SELECT h.id, h.building_id, b.address, h.unit, h.floor, h.room, ob.code AS from_code,
       (SELECT bt.code FROM beat bt WHERE bt.plan_id = :plan_id AND ST_Covers(bt.geom, b.centroid)
         ORDER BY bt.id LIMIT 1) AS to_code
FROM household h JOIN building b ON b.id = h.building_id LEFT JOIN beat ob ON ob.id = h.beat_id
WHERE b.station_id = :station_id AND b.id = ANY(:building_ids)
ORDER BY b.id, h.unit, h.floor, h.room
"""
OFFICERS_BY_CODE = """
SELECT b.code, u.username, u.display_name, m.duty
FROM beat_member m JOIN app_user u ON u.id = m.user_id JOIN beat b ON b.id = m.beat_id
JOIN beat_plan p ON p.id = b.plan_id
WHERE p.station_id = :station_id AND p.status = 'published' AND m.duty IN ('officer', 'auxiliary')
ORDER BY b.code, m.duty, u.username
"""

# beats added, removed, renamed, re-kinded or moved by more than 1 m² against the plan in force
CHANGED_BEATS = """
WITH d AS (SELECT code, name, kind, geom FROM beat WHERE plan_id = :plan_id),
     c AS (SELECT code, name, kind, geom FROM beat WHERE plan_id = :current_id)
SELECT count(*) FROM d FULL JOIN c USING (code)
WHERE d.name IS NULL OR c.name IS NULL OR d.name <> c.name OR d.kind <> c.kind
   OR ST_Area(ST_SymDifference(d.geom, c.geom)::geography) > 1
"""

# --- publish -------------------------------------------------------------------------------------
ARCHIVE_CURRENT = """
UPDATE beat_plan SET status = 'archived', archived_at = :at
WHERE station_id = :station_id AND status = 'published'
RETURNING id
"""
PUBLISH_PLAN = """
UPDATE beat_plan SET status = 'published', published_at = :at, approved_by = :user_id
WHERE id = :plan_id AND status = 'draft'
RETURNING published_at
"""
CARRY_MEMBERS = """
INSERT INTO beat_member (beat_id, user_id, duty)
SELECT nb.id, m.user_id, m.duty
FROM beat nb
JOIN beat ob ON ob.plan_id = :old_plan_id AND ob.code = nb.code
JOIN beat_member m ON m.beat_id = ob.id
WHERE nb.plan_id = :plan_id AND NOT EXISTS (SELECT 1 FROM beat_member x WHERE x.beat_id = nb.id)
"""
# household, incident and dispute beats from the published plan's geometry, and the households left in
# no beat: a SECURITY DEFINER function (migration 0007; the chief cannot see every row it rewrites)
REASSIGN_BEATS = """
SELECT households, incidents, disputes, unassigned
FROM holomap_reassign_beats(CAST(:plan_id AS integer), CAST(:station_id AS integer))
"""

# --- propose -------------------------------------------------------------------------------------
VILLAGE_UNITS = """
SELECT v.id, v.code, v.name, v.kind,
       ST_X(ST_PointOnSurface(v.geom)) AS lon, ST_Y(ST_PointOnSurface(v.geom)) AS lat,
       coalesce(s.households, 0) AS households, coalesce(s.residents, 0) AS residents,
       coalesce(s.key_persons, 0) AS key_persons,
       (SELECT bt.id FROM beat bt WHERE bt.plan_id = :plan_id AND bt.locked
          AND ST_Covers(bt.geom, ST_PointOnSurface(v.geom)) LIMIT 1) AS locked_beat
FROM village v
LEFT JOIN (
  SELECT village_id, sum(households) AS households, sum(residents) AS residents,
         sum(key_persons) AS key_persons
  FROM area_stats WHERE station_id = :station_id AND building_id IS NOT NULL GROUP BY village_id
) s ON s.village_id = v.id
WHERE v.station_id = :station_id
ORDER BY v.code
"""
VILLAGE_ADJACENCY = """
SELECT a.id AS a, b.id AS b
FROM village a JOIN village b ON a.id < b.id AND b.station_id = a.station_id AND ST_Intersects(a.geom, b.geom)
WHERE a.station_id = :station_id AND ST_Dimension(ST_Intersection(a.geom, b.geom)) >= 1
"""
SET_BEAT_TO_VILLAGES = """
UPDATE beat SET
  geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Difference(
           (SELECT ST_Union(geom) FROM village WHERE id = ANY(:village_ids)),
           coalesce((SELECT ST_Union(geom) FROM beat WHERE plan_id = :plan_id AND locked),
                    ST_GeomFromText('POLYGON EMPTY', 4326))
         )), 3)),
  kind = :kind, version = version + 1, updated_at = now()
WHERE id = :beat_id AND plan_id = :plan_id
"""
INSERT_BEAT_FROM_VILLAGES = """
INSERT INTO beat (plan_id, code, name, kind, geom, version, locked)
SELECT :plan_id, :code, :name, :kind,
       ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Difference(ST_Union(v.geom),
         coalesce((SELECT ST_Union(geom) FROM beat WHERE plan_id = :plan_id AND locked),
                  ST_GeomFromText('POLYGON EMPTY', 4326)))), 3)),
       1, false
FROM village v WHERE v.id = ANY(:village_ids)
RETURNING id
"""
DELETE_BEAT_BY_ID = "DELETE FROM beat WHERE id = :beat_id AND plan_id = :plan_id"
