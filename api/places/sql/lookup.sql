-- GET /api/lookup as one statement (api/places/service.py): the request's user (holomap_begin_request: token
-- not revoked and issued after the cut-off, account active, beats in scope, user set for RLS), the building at
-- or within the radius of the point, the scope check (a household of the building in one of the user's
-- beats, or one of the user's beats covering the building: api/scope.py ensure_building), the lookup document (JSON text), and the audit row of the read.
-- It runs as the caller (SECURITY INVOKER): row-level security applies underneath, as for every other
-- read. Denials are not audited here: the status goes back to the API, which raises and audits the error.
--
-- Statuses: 200 (document), 401 (token refused / account disabled or gone), 403 (role sees aggregates
-- only), 404 (no building near the point: nearest_m is the distance to the nearest building; or the
-- building is outside the user's beats: building_id set).
-- The building object and the open disputes come from fragments.sql, shared with the floorplan.
-- The first page (issue 22): the first p_households households (holomap_household_page) with the counts of
-- all of them ('households_total', 'residents_total'); the panel asks GET /api/buildings/{id}/households for the
-- rest. 'incidents_nearby' holds the newest p_incidents, 'incidents_nearby_total' counts them all.
-- Generic plans (plan_cache_mode): the plans do not depend on the building, and custom re-planning under
-- RLS cost more than executing them.
DROP FUNCTION IF EXISTS holomap_lookup(integer, text, double precision, double precision, double precision,
  double precision, integer, double precision, integer, text, text, double precision);  -- before the pages
CREATE OR REPLACE FUNCTION holomap_lookup(
  p_user_id integer, p_jti text, p_lon double precision, p_lat double precision,
  p_radius_m double precision, p_window_deg double precision, p_visits integer,
  p_incident_radius_m double precision, p_incident_days integer, p_client_addr text, p_request_id text,
  p_iat double precision, p_households integer, p_incidents integer)
RETURNS TABLE (status integer, user_id integer, username text, display_name text, role text,
               station_id integer, building_id bigint, nearest_m integer, body text)
LANGUAGE plpgsql
SET plan_cache_mode TO 'force_generic_plan'
AS $$
DECLARE
  u record;
  pt geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
  b_id bigint;
  doc text;
BEGIN
  SELECT * INTO u FROM holomap_begin_request(p_user_id, p_jti, p_iat);
  IF NOT FOUND THEN
    RETURN QUERY SELECT 401, NULL::integer, NULL::text, NULL::text, NULL::text, NULL::integer, NULL::bigint,
                        NULL::integer, NULL::text;
    RETURN;
  END IF;
  IF u.role NOT IN ('officer', 'auxiliary', 'grid_member', 'station_chief') THEN
    RETURN QUERY SELECT 403, u.id, u.username, u.display_name, u.role, u.station_id, NULL::bigint,
                        NULL::integer, NULL::text;
    RETURN;
  END IF;
  -- the building containing the point, else the nearest within the radius (the degree window lets
  -- the GiST index on footprint make the first cut)
  SELECT b.id INTO b_id FROM building b
  WHERE ST_DWithin(b.footprint, pt, p_window_deg)
    AND ST_Distance(b.footprint::geography, pt::geography) <= p_radius_m
  ORDER BY ST_Distance(b.footprint::geography, pt::geography), ST_Area(b.footprint), b.id
  LIMIT 1;
  IF b_id IS NULL THEN
    RETURN QUERY SELECT 404, u.id, u.username, u.display_name, u.role, u.station_id, NULL::bigint,
      (SELECT round(ST_Distance(b.footprint::geography, pt::geography))::integer
       FROM building b ORDER BY b.footprint <-> pt LIMIT 1), NULL::text;
    RETURN;
  END IF;
  -- scope (api/scope.py ensure_building): a household of the building in one of the user's beats, or one
  -- of the user's (published) beats covering the building (shops, schools, factories: buildings without
  -- households)
  IF NOT EXISTS (SELECT 1 FROM household h WHERE h.building_id = b_id AND h.beat_id = ANY (u.beat_ids))
     AND NOT EXISTS (SELECT 1 FROM building b JOIN beat bt ON ST_Covers(bt.geom, b.centroid)
                     WHERE b.id = b_id AND bt.id = ANY (u.beat_ids)) THEN
    RETURN QUERY SELECT 404, u.id, u.username, u.display_name, u.role, u.station_id, b_id, NULL::integer,
                        NULL::text;
    RETURN;
  END IF;
  SELECT json_build_object(
    'building', (SELECT bd.doc FROM holomap_building_doc(b.id) bd),
    'households', pg.doc,
    'households_total', hc.n,
    -- residents: read from the page when it holds every household (a small building: its persons once)
    'residents_total', CASE WHEN hc.n <= p_households
      THEN (SELECT coalesce(sum(json_array_length(e -> 'residents')), 0)::int FROM json_array_elements(pg.doc) e)
      ELSE (SELECT c.residents FROM holomap_building_household_counts(b.id, u.beat_ids) c) END,
    'organisations', (SELECT od.doc FROM holomap_building_organisations(b.id, u.beat_ids) od),
    'incidents_nearby', inc.list,
    'incidents_nearby_total', inc.total
  )::text INTO doc
  FROM building b
  CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM household h
                      WHERE h.building_id = b.id AND h.beat_id + 0 = ANY (u.beat_ids)) hc
  CROSS JOIN LATERAL holomap_household_page(b.id, u.beat_ids, p_visits, 0, p_households) pg
  -- the incidents nearby, newest first: the first p_incidents of them, and how many there are
  CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object(
             'id', n.id, 'occurred_at', n.occurred_at, 'category', n.category, 'source', n.source,
             'status', n.status, 'summary', n.summary, 'distance_m', n.distance_m)
             ORDER BY n.occurred_at DESC, n.id) FILTER (WHERE n.rank <= p_incidents), '[]') AS list,
           count(*)::int AS total
    FROM (SELECT i.id, i.occurred_at, i.category, i.source, i.status, i.summary,
                 round(ST_Distance(i.location::geography, b.centroid::geography))::int AS distance_m,
                 row_number() OVER (ORDER BY i.occurred_at DESC, i.id) AS rank
          FROM incident i
          WHERE ST_DWithin(i.location, b.centroid,
                           p_incident_radius_m / 111320.0 / greatest(cos(radians(ST_Y(b.centroid))), 0.01) * 1.01)
            AND ST_DWithin(i.location::geography, b.centroid::geography, p_incident_radius_m)
            AND i.occurred_at >= now() - make_interval(days => p_incident_days)) n) inc
  WHERE b.id = b_id;
  -- the read is audited in the same transaction; a read's audit commit does not wait for the WAL flush
  -- (as api/places/service.commit_read_audit: durable within ~0.6 s, never half-written)
  INSERT INTO audit_log (user_id, username, action, object_type, object_id, outcome, client_addr, request_id)
  VALUES (u.id, u.username, 'lookup', 'building', b_id::text, 'ok', p_client_addr, p_request_id);
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN QUERY SELECT 200, u.id, u.username, u.display_name, u.role, u.station_id, b_id, NULL::integer, doc;
END $$;
