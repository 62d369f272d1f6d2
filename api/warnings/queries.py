"""SQL of near-repeat warnings: named constants with :name parameters only."""

# the current (published) beat covering a point, with its station
BEAT_AT = """
SELECT b.id, b.code, p.station_id FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE ST_Covers(b.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
ORDER BY b.id LIMIT 1
"""

INSERT_INCIDENT = """
INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, beat_id, status, summary,
                      household_id)
VALUES (:station_id, :occurred_at, now(), :category, :source, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),
        :beat_id, 'open', :summary, :household_id)
RETURNING id, station_id, occurred_at, reported_at, category, source, status, summary, household_id,
          ST_X(location) AS lon, ST_Y(location) AS lat
"""

# the zone: a circle of radius_m ground metres (geography buffer) around the incident; the current beats it
# touches; the households in it (a count, SECURITY DEFINER: the zone may reach beyond the recorder's beats)
INSERT_WARNING = """
WITH z AS (
  SELECT ST_Buffer(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :radius_m, 24)::geometry AS zone
)
INSERT INTO near_repeat_warning (incident_id, station_id, category, zone, radius_m, days, knox_ratio, knox_events,
                                 starts_at, expires_at, beat_ids, households, issued_by)
SELECT :incident_id, :station_id, :category, z.zone, :radius_m, :days, :knox_ratio, :knox_events,
       :starts_at, :expires_at,
       coalesce((SELECT array_agg(b.id ORDER BY b.id) FROM beat b
                 JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
                 WHERE ST_Intersects(b.geom, z.zone)), '{}'),
       holomap_zone_households(z.zone), :user_id
FROM z
RETURNING id
"""

# the zones in force touching some of the given beats (expired ones and ones not yet started are left out)
ACTIVE_IN_BEATS = """
SELECT w.id, w.category, w.radius_m, w.days, w.starts_at, w.expires_at, w.issued_at, w.households, w.action,
       ST_X(ST_Centroid(w.zone)) AS lon, ST_Y(ST_Centroid(w.zone)) AS lat,
       ST_AsGeoJSON(w.zone, 6) AS geometry,
       (SELECT array_agg(b.code ORDER BY b.code) FROM beat b WHERE b.id = ANY(w.beat_ids)) AS beats,
       (SELECT array_agg(b.code ORDER BY b.code) FROM beat b
        WHERE b.id = ANY(w.beat_ids) AND b.id = ANY(CAST(:beat_ids AS integer[]))) AS my_beats
FROM near_repeat_warning w
WHERE w.beat_ids && CAST(:beat_ids AS integer[]) AND w.expires_at > now() AND w.starts_at <= now()
ORDER BY w.expires_at, w.id
LIMIT :limit
"""

ONE = ACTIVE_IN_BEATS.replace("ORDER BY w.expires_at, w.id", "AND w.id = :id")

# aggregates for leaders: per station and category, zones in force and zones issued in a period
SUMMARY = """
SELECT s.code AS station_code, s.name AS station_name, w.category,
       count(*) FILTER (WHERE w.expires_at > now() AND w.starts_at <= now())::integer AS active,
       count(*) FILTER (WHERE w.issued_at >= :start_at AND w.issued_at < :end_at)::integer AS issued,
       coalesce(sum(w.households) FILTER (WHERE w.expires_at > now() AND w.starts_at <= now()), 0)::integer
         AS households
FROM near_repeat_warning w JOIN station s ON s.id = w.station_id
WHERE (CAST(:stations AS integer[]) IS NULL OR w.station_id = ANY(CAST(:stations AS integer[])))
  AND (w.expires_at > now() OR (w.issued_at >= :start_at AND w.issued_at < :end_at))
GROUP BY s.code, s.name, w.category
ORDER BY s.code, w.category
"""
