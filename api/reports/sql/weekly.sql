-- The weekly 研判 report's aggregates over personal tables (api/reports): SECURITY DEFINER functions owned by
-- the schema owner that return counts only, never a row of a person. They answer inside a request
-- (holomap_request_user() IS NOT NULL; the route checks the role) or to the owning role itself (the scheduled
-- `holomap weekly-report`, which has no request user).

CREATE OR REPLACE FUNCTION holomap_report_caller() RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT holomap_request_user() IS NOT NULL
      OR session_user = (SELECT r.rolname FROM pg_proc f JOIN pg_roles r ON r.oid = f.proowner
                         WHERE f.oid = 'holomap_report_caller'::regproc)
$$;

-- Disputes of the stations (NULL: all) by colour: reported in [p_start, p_end); open at p_end (reported before
-- it, neither resolved nor closed before it); overdue at p_end: open and past the first-response limit of its
-- colour (no response before p_end) or past the mediation limit; return visits late at p_end: resolved before
-- it, not closed, the return visit due before p_end's local day and none recorded by then. State as at the
-- week's end, from the recorded times.
CREATE OR REPLACE FUNCTION holomap_report_disputes(p_stations integer[], p_start timestamp with time zone, p_end timestamp with time zone, p_response_hours jsonb, p_mediation_days integer)
RETURNS TABLE(grade text, reported integer, open_at_end integer, overdue integer, return_visits_late integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  WITH d AS (
    SELECT d.id, d.grade::text AS grade, d.reported_at >= p_start AS reported,
           -- resolved or closed before p_end; a resolved or closed one without its time counts as done
           coalesce(least(d.resolved_at, d.closed_at) >= p_end, d.status NOT IN ('resolved', 'closed'))
             AS open_at_end,
           d.reported_at, d.first_response_at, d.resolved_at, d.closed_at, d.next_return_visit
    FROM dispute d
    WHERE (p_stations IS NULL OR d.station_id = ANY(p_stations)) AND d.reported_at < p_end
      AND (SELECT holomap_report_caller())
  )
  SELECT d.grade, count(*) FILTER (WHERE d.reported)::integer, count(*) FILTER (WHERE d.open_at_end)::integer,
         count(*) FILTER (WHERE d.open_at_end AND (
           ((d.first_response_at IS NULL OR d.first_response_at >= p_end)
            AND d.reported_at + make_interval(hours => (p_response_hours ->> d.grade)::int) < p_end)
           OR d.reported_at + make_interval(days => p_mediation_days) < p_end))::integer,
         count(*) FILTER (WHERE d.resolved_at < p_end AND (d.closed_at IS NULL OR d.closed_at >= p_end)
           AND d.next_return_visit < timezone('Asia/Shanghai', p_end)::date
           AND NOT EXISTS (SELECT 1 FROM dispute_event e WHERE e.dispute_id = d.id AND e.kind = 'return_visit'
                             AND e.at >= d.resolved_at AND e.at < p_end))::integer
  FROM d
  GROUP BY d.grade
$$;

-- Per user: visits and households visited in the week [p_week_start, p_week_end), and households and
-- key-person households (the key-person tags setting, as the worklist) visited in the month to the week's end
-- [p_month_start, p_week_end).
CREATE OR REPLACE FUNCTION holomap_report_visits(p_user_ids integer[], p_week_start timestamp with time zone, p_week_end timestamp with time zone, p_month_start timestamp with time zone)
RETURNS TABLE(user_id integer, week_visits integer, week_households integer, month_households integer, month_key_households integer)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT v.user_id,
         count(*) FILTER (WHERE v.visited_at >= p_week_start)::integer,
         count(DISTINCT v.household_id) FILTER (WHERE v.visited_at >= p_week_start)::integer,
         count(DISTINCT v.household_id) FILTER (WHERE v.visited_at >= p_month_start)::integer,
         count(DISTINCT v.household_id) FILTER (WHERE v.visited_at >= p_month_start AND EXISTS (
           SELECT 1 FROM person p WHERE p.household_id = v.household_id AND p.moved_out IS NULL
             AND p.tags && k.tags))::integer
  FROM visit v
  CROSS JOIN (SELECT holomap_key_person_tags() AS tags OFFSET 0) k
  WHERE v.user_id = ANY(p_user_ids) AND v.visited_at >= least(p_week_start, p_month_start)
    AND v.visited_at < p_week_end AND (SELECT holomap_report_caller())
  GROUP BY 1
$$;
