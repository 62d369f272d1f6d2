"""Analytics SQL: named statements with bound parameters, plus one builder for the incident WHERE clause.

Every incident statement reads only columns covered by ix_incident_category_time_cells /
ix_incident_time_cells (migration 0004), so PostgreSQL answers with an index-only scan. Cells are
computed by arithmetic on the stored EPSG:3857 x/y, identical to geo/binning.py and to PostGIS
ST_SquareGrid / ST_HexagonGrid numbering; no grid is generated or joined.
"""
from collections.abc import Iterable

# Integer lists are cast to the column's type: psycopg sends a list of small ints as smallint[], and
# `integer_column = ANY(smallint[])` made the planner walk ix_incident_beat_id over 1.33M rows (issue 22).
# The WHERE clause is assembled from these fixed fragments only (keys chosen by the code, values bound).
INCIDENT_CONDITIONS = {
    "start": "occurred_at >= :start_at",
    "end": "occurred_at < :end_at",
    "categories": "category = ANY(:categories)",
    "hours": "hour_local = ANY(CAST(:hours AS smallint[]))",
    "weekdays": "isodow_local = ANY(CAST(:weekdays AS smallint[]))",
    "stations": "station_id = ANY(CAST(:stations AS integer[]))",
}


def incident_where(conditions: Iterable[str]) -> str:
    """`a AND b AND …` from the named condition fragments."""
    return " AND ".join(INCIDENT_CONDITIONS[name] for name in conditions)


SQUARE_CELLS = """
SELECT floor(x_3857 / :size)::int AS i, floor(y_3857 / :size)::int AS j, count(*)::int AS n
FROM incident WHERE {where}
GROUP BY 1, 2
"""

# Hexagons in two steps. Cut the plane into rectangles one column pair wide (1.5·s) and half a row
# high (h/2): each holds parts of exactly two hexagons, column c's and column c+1's, split by one slanted
# edge. Per incident only the rectangle (c, r) and the side of that edge (`near` = column c) are
# computed and counted; the few aggregated rows then map to ST_HexagonGrid's (i, j):
#   r ≡ c (mod 2): column c's centre is at the rectangle's bottom, the edge runs x = s·(1 − t/2);
#   otherwise at its top, the edge runs x = s·(1 + t)/2   (t = position within the half row, 0…1).
# Equivalent to the nearest-centre rule of geo/binning.py, at the cost of the square grid's floor().
HEX_CELLS = """
SELECT CASE WHEN near THEN c ELSE c + 1 END AS i,
       (CASE WHEN near = ((c + r) & 1 = 0) THEN r ELSE r + 1 END
        - ((c + CASE WHEN near THEN 0 ELSE 1 END) & 1)) / 2 AS j,
       sum(n)::int AS n
FROM (
  SELECT floor(x_3857 / (1.5 * :size))::int AS c,
         floor(y_3857 / (:height / 2))::int AS r,
         x_3857 - 1.5 * :size * floor(x_3857 / (1.5 * :size)) <= CASE
           WHEN (floor(x_3857 / (1.5 * :size))::int + floor(y_3857 / (:height / 2))::int) & 1 = 0
           THEN :size * (1 - (y_3857 / (:height / 2) - floor(y_3857 / (:height / 2))) / 2)
           ELSE :size * (1 + (y_3857 / (:height / 2) - floor(y_3857 / (:height / 2)))) / 2 END AS near,
         count(*) AS n
  FROM incident WHERE {where}
  GROUP BY 1, 2, 3
) AS half_row
GROUP BY 1, 2
"""

HOUR_WEEKDAY = """
SELECT isodow_local AS weekday, hour_local AS hour, count(*)::int AS n
FROM incident WHERE {where}
GROUP BY 1, 2
"""

# One scan over the three periods of the comparison: the current one (from :current_start_at), the
# previous one of the same length (环比, from :previous_start_at) and the same days a year earlier (同比,
# :year_start_at ≤ t < :year_end_at). :start_at is the earliest of them; rows in none count nowhere.
CATEGORY_PERIODS = """
SELECT category,
       count(*) FILTER (WHERE occurred_at >= :current_start_at)::int AS current,
       count(*) FILTER (WHERE occurred_at >= :previous_start_at AND occurred_at < :current_start_at)::int
         AS previous,
       count(*) FILTER (WHERE occurred_at >= :year_start_at AND occurred_at < :year_end_at)::int AS year_ago
FROM incident WHERE {where}
GROUP BY 1
"""

MONTHLY = """
SELECT to_char(timezone('Asia/Shanghai', occurred_at), 'YYYY-MM') AS month, count(*)::int AS n
FROM incident WHERE {where}
GROUP BY 1 ORDER BY 1
"""

JURISDICTION_3857 = """
SELECT ST_AsBinary(ST_Transform(ST_Union(jurisdiction), 3857)) AS wkb
FROM station WHERE (CAST(:stations AS int[]) IS NULL OR id = ANY(:stations))
"""

STATION_BY_CODE = "SELECT id FROM station WHERE code = :code"

CURRENT_BEATS = """
SELECT b.id, b.code, b.name AS beat_name, b.kind, s.code AS station_code,
       ST_AsGeoJSON(b.geom, 6) AS geometry
FROM beat b
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
JOIN station s ON s.id = p.station_id
WHERE (CAST(:stations AS int[]) IS NULL OR p.station_id = ANY(:stations))
ORDER BY s.code, b.code
"""

BEAT_INCIDENTS = """
SELECT beat_id,
       count(*) FILTER (WHERE occurred_at >= :current_start_at)::int AS current,
       count(*) FILTER (WHERE occurred_at < :current_start_at)::int AS previous
FROM incident WHERE {where} AND beat_id = ANY(CAST(:beat_ids AS integer[]))
GROUP BY 1
"""

# The statements over personal tables below call SECURITY DEFINER functions of migration 0007: they return
# counts over every beat asked for, whatever the caller's row-level scope (aggregates, never rows).

# Disputes reported in the period, by colour; "resolved" counts resolved or closed ones.
# One row of arrays (1,300 rows of the county cost ~2 ms more to fetch one by one); all NULL when none.
BEAT_DISPUTES = """
SELECT array_agg(beat_id) AS beat_ids, array_agg(total) AS total, array_agg(green) AS green,
       array_agg(yellow) AS yellow, array_agg(orange) AS orange, array_agg(red) AS red,
       array_agg(resolved) AS resolved
FROM holomap_beat_disputes(CAST(:beat_ids AS integer[]), :start_at, :end_at)
"""

# The 1+1+N of the current beats: community officers, auxiliaries and grid members, with their beats; one page
# of them in the table's order, each row with the number of them all (`total`; the bureau is 8,000 at county
# scale: only the page's rows leave the database). The order needs only each (officer, station)'s first beat
# code, so the page is chosen on that (a plain min per group) and the beat lists are aggregated for the page's
# rows only: aggregating sorted, distinct lists for all 8,000 took ~40 of the statement's ~80 ms (issue 22).
# staffing.roster reads it whole (:limit NULL) once per version of what it reads and pages in the process.
OFFICERS = """
WITH staff AS (
  SELECT u.id, s.id AS station_id, s.code AS station_code, u.role, u.username, min(b.code) AS first_beat
  FROM app_user u
  JOIN beat_member m ON m.user_id = u.id AND m.duty IN ('officer', 'auxiliary', 'grid_member')
  JOIN beat b ON b.id = m.beat_id
  JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
  JOIN station s ON s.id = p.station_id
  WHERE u.active AND u.role IN ('officer', 'auxiliary', 'grid_member')
    AND (CAST(:stations AS int[]) IS NULL OR p.station_id = ANY(:stations))
  GROUP BY u.id, s.id
), page AS (
  SELECT staff.*, count(*) OVER () AS total FROM staff
  ORDER BY station_code, first_beat, CASE role WHEN 'officer' THEN 0 WHEN 'auxiliary' THEN 1 ELSE 2 END, username
  LIMIT :limit OFFSET :offset
)
SELECT g.id, u.username, u.display_name AS officer_name, u.role, g.station_code,
       array_agg(DISTINCT b.code ORDER BY b.code) AS beat_codes, array_agg(DISTINCT b.id) AS beat_ids, g.total
FROM page g
JOIN app_user u ON u.id = g.id
JOIN beat_member m ON m.user_id = g.id AND m.duty IN ('officer', 'auxiliary', 'grid_member')
JOIN beat b ON b.id = m.beat_id
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published' AND p.station_id = g.station_id
GROUP BY g.id, g.station_id, g.station_code, g.first_beat, g.total, u.id
ORDER BY g.station_code, g.first_beat, CASE u.role WHEN 'officer' THEN 0 WHEN 'auxiliary' THEN 1 ELSE 2 END,
         u.username
"""

# One page's figures in one statement (issue 22: four round trips were ~4 ms of the answer), each function's
# rows as a JSON array of arrays in the order of its columns:
# - visits: user_id, month, visits, households, key_households (a household with a current key person);
# - mediations: user_id, month, disputes_mediated;
# - collected (信息采集 by author: created_by/updated_by, migration 0009): user_id, month, persons_registered,
#   floating_registered, vehicles_registered, corrected;
# - coverage: beat_id, households (occupied), visited_90d (a visit by anyone in the 90 days before :end_at).
OFFICER_FIGURES = """
SELECT
  (SELECT json_agg(json_build_array(user_id, month, visits, households, key_households))
   FROM holomap_officer_visits(CAST(:user_ids AS integer[]), :start_at, :end_at)) AS visits,
  (SELECT json_agg(json_build_array(user_id, month, disputes_mediated))
   FROM holomap_officer_mediations(CAST(:user_ids AS integer[]), :start_at, :end_at)) AS mediations,
  (SELECT json_agg(json_build_array(user_id, month, persons_registered, floating_registered, vehicles_registered,
                                    corrected))
   FROM holomap_officer_collection(CAST(:user_ids AS integer[]), :start_at, :end_at)) AS collected,
  (SELECT json_agg(json_build_array(beat_id, households, visited_90d))
   FROM holomap_beat_coverage(CAST(:beat_ids AS integer[]), :end_at)) AS coverage
"""

# In-process heat cache (api/analytics/cells.py, table incident_chunk) --------------------------------------------

CHUNK_TABLE_EXISTS = "SELECT to_regclass('incident_chunk') IS NOT NULL"

# Versions of the (category, local month) chunks a filter needs; a chunk without a row never held incidents.
# `incarnation` (the table's oid) tells a re-created table (database re-created, migrations re-run: the
# sequence starts again) from the one the cache was filled from.
CHUNK_VERSIONS = """
SELECT category, month, gen, tableoid::bigint AS incarnation FROM incident_chunk
WHERE month >= :first AND month <= :last
  AND (CAST(:categories AS text[]) IS NULL OR category = ANY(:categories))
"""

# The columns of every incident of the given chunks, each column one bytea of big-endian values (all
# aggregates of one Agg node see the rows in the same order, so the columns stay aligned), with the
# chunk's version read in the same statement, hence the same snapshot. Time: timestamptz_send, i.e.
# microseconds since 2000-01-01 UTC. Index-only scans of ix_incident_category_time_cells.
CHUNK_COLUMNS = """
SELECT c.category, c.month, c.gen, c.tableoid::bigint AS incarnation,
       d.n, d.times, d.xs, d.ys, d.stations, d.hours, d.weekdays, d.beats
FROM incident_chunk c
CROSS JOIN LATERAL (
  SELECT count(*)::int AS n,
         string_agg(timestamptz_send(i.occurred_at), '') AS times,
         string_agg(float8send(i.x_3857), '') AS xs,
         string_agg(float8send(i.y_3857), '') AS ys,
         string_agg(int4send(i.station_id), '') AS stations,
         string_agg(int2send(i.hour_local), '') AS hours,
         string_agg(int2send(i.isodow_local), '') AS weekdays,
         string_agg(int4send(coalesce(i.beat_id, 0)), '') AS beats
  FROM incident i
  WHERE i.category = c.category
    AND i.occurred_at >= c.month::timestamp AT TIME ZONE 'Asia/Shanghai'
    AND i.occurred_at < (c.month + interval '1 month') AT TIME ZONE 'Asia/Shanghai'
) AS d
WHERE (c.category, c.month) IN (
  SELECT * FROM unnest(CAST(:categories AS varchar[]), CAST(:months AS date[])))
"""
