"""SQL of the weekly 研判 report: named statements, bound parameters only."""

_STATIONS = "(CAST(:stations AS integer[]) IS NULL OR {col} = ANY(CAST(:stations AS integer[])))"

STATION = "SELECT id, code, name FROM station WHERE id = :station_id"

STATIONS = "SELECT id, code, name FROM station WHERE " + _STATIONS.format(col="id") + " ORDER BY code"

# incidents per category and local (China) day in [start_at, end_at): ix_incident_time_cells (index-only)
INCIDENT_DAYS = """
SELECT category, timezone('Asia/Shanghai', occurred_at)::date AS day, count(*)::integer AS n
FROM incident
WHERE occurred_at >= :start_at AND occurred_at < :end_at AND """ + _STATIONS.format(col="station_id") + """
GROUP BY 1, 2
"""

# near-repeat warning zones per category: issued in the week (with the households in them) and in force at its end
WARNINGS = """
SELECT category,
       count(*) FILTER (WHERE issued_at >= :start_at)::integer AS issued,
       coalesce(sum(households) FILTER (WHERE issued_at >= :start_at), 0)::integer AS households,
       count(*) FILTER (WHERE starts_at < :end_at AND expires_at >= :end_at)::integer AS active_at_end
FROM near_repeat_warning
WHERE """ + _STATIONS.format(col="station_id") + """
  AND issued_at < :end_at AND (issued_at >= :start_at OR expires_at >= :end_at)
GROUP BY 1 ORDER BY 1
"""

DISPUTES = """
SELECT grade, reported, open_at_end, overdue, return_visits_late
FROM holomap_report_disputes(CAST(:stations AS integer[]), :start_at, :end_at, CAST(:response_hours AS jsonb),
                             :mediation_days)
"""

# the community officers and auxiliaries of the current beats (1+1+N's police part) whose visits have targets
STAFF = """
SELECT u.id, u.display_name AS name, u.role, s.id AS station_id, s.code AS station_code, s.name AS station_name,
       array_agg(DISTINCT b.code::text ORDER BY b.code::text) AS beats
FROM app_user u
JOIN beat_member m ON m.user_id = u.id AND m.duty IN ('officer', 'auxiliary')
JOIN beat b ON b.id = m.beat_id
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
JOIN station s ON s.id = p.station_id
WHERE u.active AND u.role IN ('officer', 'auxiliary') AND """ + _STATIONS.format(col="p.station_id") + """
GROUP BY u.id, s.id
ORDER BY s.code, min(b.code::text), CASE u.role WHEN 'officer' THEN 0 ELSE 1 END, u.username
"""

VISITS = """
SELECT user_id, week_visits, week_households, month_households, month_key_households
FROM holomap_report_visits(CAST(:user_ids AS integer[]), :start_at, :end_at, :month_start_at)
"""

# the current beat covering each point (a hot spot cell's centre), in the order given
BEATS_AT = """
SELECT k.n, b.code, b.name
FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS k(lon, lat, n)
LEFT JOIN LATERAL (
  SELECT b.code, b.name FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
  WHERE ST_Covers(b.geom, ST_SetSRID(ST_MakePoint(k.lon, k.lat), 4326)) ORDER BY b.id LIMIT 1
) b ON true
ORDER BY k.n
"""

# the issued report of a week and scope, as the JSON text stored (station_id NULL: the bureau)
STORED = """
SELECT body::text FROM weekly_report
WHERE week = :week AND (station_id = :station_id OR (CAST(:station_id AS integer) IS NULL AND station_id IS NULL))
"""

# a report is issued once: a concurrent or later insert of the same week and scope keeps the first one
STORE = """
INSERT INTO weekly_report (week, station_id, body, generated_by)
VALUES (:week, :station_id, CAST(:body AS jsonb), :user_id)
ON CONFLICT ON CONSTRAINT uq_weekly_report_week_station DO NOTHING
RETURNING id
"""
