-- 近重复预警: the number of households in a warning zone when it is issued (issue 21). A count only, for
-- every household of the zone whoever records the incident (the zone may reach into a neighbouring beat
-- the recording officer does not see); answers only inside a request, like the other aggregates.

CREATE OR REPLACE FUNCTION holomap_zone_households(p_zone geometry)
RETURNS integer
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT count(*)::integer FROM household h JOIN building b ON b.id = h.building_id
  WHERE ST_Intersects(b.centroid, p_zone) AND holomap_request_user() IS NOT NULL
$$;
