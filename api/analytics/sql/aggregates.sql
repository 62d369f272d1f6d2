-- Aggregates for roles without personal scope (analytics, plan diff and publish, beat maps, the worklist):
-- SECURITY DEFINER functions owned by the schema owner that return counts only, never a row of a person.
-- Each answers only inside a request (holomap_request_user() IS NOT NULL).

CREATE OR REPLACE FUNCTION holomap_station_building_households(p_station_id integer)
RETURNS TABLE(building_id integer, beat_id integer, households integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT h.building_id, h.beat_id, count(*)::integer
  FROM household h JOIN building b ON b.id = h.building_id
  WHERE b.station_id = p_station_id AND holomap_request_user() IS NOT NULL
  GROUP BY h.building_id, h.beat_id
$$;

-- the residents of some buildings of the station (the plan diff's moving ones: counting them for every
-- building of a station reads ~25,000 persons, ~250 ms at county scale)
CREATE OR REPLACE FUNCTION holomap_building_residents(p_station_id integer, p_building_ids integer[])
RETURNS TABLE(building_id integer, beat_id integer, residents integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT h.building_id, h.beat_id,
         sum((SELECT count(*) FROM person pe WHERE pe.household_id = h.id AND pe.moved_out IS NULL))::integer
  FROM household h JOIN building b ON b.id = h.building_id
  WHERE b.station_id = p_station_id AND b.id = ANY(p_building_ids) AND holomap_request_user() IS NOT NULL
  GROUP BY h.building_id, h.beat_id
$$;

CREATE OR REPLACE FUNCTION holomap_beat_households(p_beat_ids integer[])
RETURNS TABLE(beat_id integer, households integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT h.beat_id, count(*)::integer FROM household h
  WHERE h.beat_id = ANY(p_beat_ids) AND holomap_request_user() IS NOT NULL
  GROUP BY 1
$$;

CREATE OR REPLACE FUNCTION holomap_beat_residents(p_beat_ids integer[])
RETURNS TABLE(beat_id integer, residents integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  -- by the resident's own beat (person.beat_id, kept equal to the household's by the triggers of migration 0014):
  -- the bureau's 2,000 beats in ~0.35 s from ix_person_beat_id, where the join to household took ~0.9 s
  SELECT p.beat_id, count(*)::integer
  FROM person p
  WHERE p.moved_out IS NULL AND p.beat_id = ANY(p_beat_ids) AND holomap_request_user() IS NOT NULL
  GROUP BY 1
$$;

CREATE OR REPLACE FUNCTION holomap_beat_disputes(p_beat_ids integer[], p_start timestamp with time zone, p_end timestamp with time zone)
RETURNS TABLE(beat_id integer, total integer, green integer, yellow integer, orange integer, red integer, resolved integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT d.beat_id, count(*)::integer,
         count(*) FILTER (WHERE d.grade = 'green')::integer,
         count(*) FILTER (WHERE d.grade = 'yellow')::integer,
         count(*) FILTER (WHERE d.grade = 'orange')::integer,
         count(*) FILTER (WHERE d.grade = 'red')::integer,
         count(*) FILTER (WHERE d.status IN ('resolved', 'closed'))::integer
  FROM dispute d
  WHERE d.reported_at >= p_start AND d.reported_at < p_end AND d.beat_id = ANY(p_beat_ids)
    AND holomap_request_user() IS NOT NULL
  GROUP BY 1
$$;

-- A key household: one with a current resident carrying a key-person tag (the admin setting, as the worklist
-- reads it: settings/sql/key_person_tags.sql). The visited households of the officers' own beats (nearly all)
-- are looked up in two sets read index-only once: the beats' households (household (beat_id, last_visited_at)
-- INCLUDE (id, …)) and the households of their tagged residents (ix_person_beat_tagged; person.beat_id is its
-- household's, kept by the database: people/sql/person_beat.sql). Only a household of another beat is probed
-- (ix_person_key_household). Issue 22: a probe per visit was ~6,000 probes and 20,000 buffers for a page of 50
-- officers over a year at county scale, 22 ms of CPU; the sets are ~6,000 index entries and 550 buffers, 15 ms.
CREATE OR REPLACE FUNCTION holomap_officer_visits(p_user_ids integer[], p_start timestamp with time zone, p_end timestamp with time zone)
RETURNS TABLE(user_id integer, month text, visits integer, households integer, key_households integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  WITH own AS MATERIALIZED (
    SELECT h.id FROM household h
    WHERE h.beat_id = ANY(ARRAY(SELECT m.beat_id FROM beat_member m WHERE m.user_id = ANY(p_user_ids)))
  ), own_keyed AS MATERIALIZED (
    -- OFFSET 0 keeps the setting one value, read once, rather than its query inlined for every person row
    SELECT p.household_id FROM person p CROSS JOIN (SELECT holomap_key_person_tags() AS tags OFFSET 0) k
    WHERE p.beat_id = ANY(ARRAY(SELECT m.beat_id FROM beat_member m WHERE m.user_id = ANY(p_user_ids)))
      AND p.tags <> '{}' AND p.moved_out IS NULL AND p.tags && k.tags
  ), months AS MATERIALIZED (
    -- the instants local months start at, from the first's: a visit's month is found by width_bucket (a binary
    -- search) instead of a time-zone conversion and to_char per visit (~3 ms of 6,000 visits)
    SELECT ARRAY(SELECT timezone('Asia/Shanghai', m)
                 FROM generate_series(date_trunc('month', timezone('Asia/Shanghai', p_start)),
                                      timezone('Asia/Shanghai', p_end), interval '1 month') m ORDER BY 1) AS starts
  ), counted AS (
    SELECT v.user_id, width_bucket(v.visited_at, (SELECT starts FROM months)) AS m,
           count(*)::integer AS visits, count(DISTINCT v.household_id)::integer AS households,
           count(DISTINCT v.household_id) FILTER (WHERE CASE
             WHEN v.household_id IN (SELECT id FROM own) THEN v.household_id IN (SELECT household_id FROM own_keyed)
             -- `tags <> '{}'` (implied by &&) lets the probe use the small partial index ix_person_key_household
             ELSE EXISTS (SELECT 1 FROM person p WHERE p.household_id = v.household_id AND p.moved_out IS NULL
                            AND p.tags <> '{}' AND p.tags && holomap_key_person_tags()) END)::integer AS key_households
    FROM visit v
    WHERE v.user_id = ANY(p_user_ids) AND v.visited_at >= p_start AND v.visited_at < p_end
      AND holomap_request_user() IS NOT NULL
    GROUP BY 1, 2
  )
  SELECT c.user_id, to_char(timezone('Asia/Shanghai', (SELECT starts FROM months)[c.m]), 'YYYY-MM'), c.visits,
         c.households, c.key_households
  FROM counted c
$$;

CREATE OR REPLACE FUNCTION holomap_officer_mediations(p_user_ids integer[], p_start timestamp with time zone, p_end timestamp with time zone)
RETURNS TABLE(user_id integer, month text, disputes_mediated integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT e.user_id, to_char(timezone('Asia/Shanghai', e.at), 'YYYY-MM'), count(DISTINCT e.dispute_id)::integer
  FROM dispute_event e
  WHERE e.kind IN ('mediation', 'agreement') AND e.user_id = ANY(p_user_ids)
    AND e.at >= p_start AND e.at < p_end AND holomap_request_user() IS NOT NULL
  GROUP BY 1, 2
$$;

-- per beat and month (no caller since holomap_officer_collection; kept)
CREATE OR REPLACE FUNCTION holomap_beat_collection(p_beat_ids integer[], p_start timestamp with time zone, p_end timestamp with time zone)
RETURNS TABLE(beat_id integer, month text, persons_registered integer, floating_registered integer, vehicles_registered integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT h.beat_id, to_char(timezone('Asia/Shanghai', p.created_at), 'YYYY-MM'), count(*)::integer,
         count(*) FILTER (WHERE p.residency = 'floating')::integer, 0
  FROM person p JOIN household h ON h.id = p.household_id
  WHERE h.beat_id = ANY(p_beat_ids) AND p.created_at >= p_start AND p.created_at < p_end
    AND holomap_request_user() IS NOT NULL
  GROUP BY 1, 2
  UNION ALL
  SELECT h.beat_id, to_char(timezone('Asia/Shanghai', v.created_at), 'YYYY-MM'), 0, 0, count(*)::integer
  FROM vehicle v JOIN household h ON h.id = v.household_id
  WHERE h.beat_id = ANY(p_beat_ids) AND v.created_at >= p_start AND v.created_at < p_end
    AND holomap_request_user() IS NOT NULL
  GROUP BY 1, 2
$$;

-- per user and local month: persons and vehicles registered, floating residents registered, and records
-- corrected (last corrected by the user in the month, not registered by them in the same month)
CREATE OR REPLACE FUNCTION holomap_officer_collection(p_user_ids integer[], p_start timestamp with time zone, p_end timestamp with time zone)
RETURNS TABLE(user_id integer, month text, persons_registered integer, floating_registered integer, vehicles_registered integer, corrected integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  WITH items AS (
    SELECT p.created_by AS uid, p.created_at AS at, 'person' AS kind, p.residency = 'floating' AS floating
    FROM person p WHERE p.created_by = ANY(p_user_ids) AND p.created_at >= p_start AND p.created_at < p_end
    UNION ALL
    SELECT v.created_by, v.created_at, 'vehicle', false
    FROM vehicle v WHERE v.created_by = ANY(p_user_ids) AND v.created_at >= p_start AND v.created_at < p_end
    UNION ALL
    SELECT p.updated_by, p.updated_at, 'correction', false
    FROM person p WHERE p.updated_by = ANY(p_user_ids) AND p.updated_at >= p_start AND p.updated_at < p_end
      AND NOT (p.created_by IS NOT DISTINCT FROM p.updated_by
               AND date_trunc('month', timezone('Asia/Shanghai', p.created_at))
                 = date_trunc('month', timezone('Asia/Shanghai', p.updated_at)))
    UNION ALL
    SELECT v.updated_by, v.updated_at, 'correction', false
    FROM vehicle v WHERE v.updated_by = ANY(p_user_ids) AND v.updated_at >= p_start AND v.updated_at < p_end
      AND NOT (v.created_by IS NOT DISTINCT FROM v.updated_by
               AND date_trunc('month', timezone('Asia/Shanghai', v.created_at))
                 = date_trunc('month', timezone('Asia/Shanghai', v.updated_at)))
  )
  SELECT uid, to_char(timezone('Asia/Shanghai', at), 'YYYY-MM'),
         count(*) FILTER (WHERE kind = 'person')::integer,
         count(*) FILTER (WHERE kind = 'person' AND floating)::integer,
         count(*) FILTER (WHERE kind = 'vehicle')::integer,
         count(*) FILTER (WHERE kind = 'correction')::integer
  FROM items WHERE holomap_request_user() IS NOT NULL
  GROUP BY 1, 2
$$;

CREATE OR REPLACE FUNCTION holomap_beat_coverage(p_beat_ids integer[], p_end timestamp with time zone)
RETURNS TABLE(beat_id integer, households integer, visited_90d integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  -- household.last_visited_at (the newest visit, kept by a trigger: visits/sql/last_visit.sql) answers from the
  -- index (beat_id, last_visited_at) INCLUDE (id, building_id, kind) alone: none before the 90 days means no
  -- visit in them, one inside them a visit; only a household visited at or after p_end (an end date in the
  -- past) is probed in ix_visit_household_time (issue 22: 7-10 ms of probes for 13 beats at county scale)
  SELECT h.beat_id, count(*)::integer,
         count(*) FILTER (WHERE h.last_visited_at >= p_end - interval '90 days' AND (h.last_visited_at < p_end OR (
           SELECT true FROM visit v WHERE v.household_id = h.id
             AND v.visited_at >= p_end - interval '90 days' AND v.visited_at < p_end LIMIT 1)))::integer
  FROM household h
  WHERE h.beat_id = ANY(p_beat_ids) AND h.kind <> 'vacant' AND holomap_request_user() IS NOT NULL
  GROUP BY 1
$$;

-- open disputes of a beat as points (grade, category, status): the beat map's key points
CREATE OR REPLACE FUNCTION holomap_open_dispute_points(p_beat_id integer)
RETURNS TABLE(grade text, category text, status text, lon double precision, lat double precision)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT d.grade::text, d.category::text, d.status::text, ST_X(d.location), ST_Y(d.location)
  FROM dispute d, beat b
  WHERE b.id = p_beat_id AND d.location IS NOT NULL AND d.status NOT IN ('resolved', 'closed')
    AND ST_Covers(b.geom, d.location) AND holomap_request_user() IS NOT NULL
  ORDER BY d.grade DESC
  LIMIT 500
$$;
