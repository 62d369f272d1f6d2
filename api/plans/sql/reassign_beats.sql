-- publish: household, incident and dispute beats from the new plan's geometry (station chief only)

CREATE OR REPLACE FUNCTION holomap_reassign_beats(p_plan_id integer, p_station_id integer)
RETURNS TABLE(households integer, incidents integer, disputes integer, unassigned integer)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
DECLARE
  n_households integer; n_incidents integer; n_disputes integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = holomap_request_user() AND u.active
                   AND u.role = 'station_chief' AND u.station_id = p_station_id)
     OR NOT EXISTS (SELECT 1 FROM beat_plan p WHERE p.id = p_plan_id AND p.station_id = p_station_id
                      AND p.status = 'published') THEN
    RAISE EXCEPTION 'only the station chief reassigns beats, after publishing the plan'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE household h SET beat_id = nb.beat_id
  FROM (
    SELECT b.id AS building_id,
           (SELECT bt.id FROM beat bt WHERE bt.plan_id = p_plan_id AND ST_Covers(bt.geom, b.centroid)
             ORDER BY bt.id LIMIT 1) AS beat_id
    FROM building b WHERE b.station_id = p_station_id
  ) nb
  WHERE h.building_id = nb.building_id;
  GET DIAGNOSTICS n_households = ROW_COUNT;
  UPDATE incident i SET beat_id = (
    SELECT bt.id FROM beat bt WHERE bt.plan_id = p_plan_id AND ST_Covers(bt.geom, i.location)
    ORDER BY bt.id LIMIT 1)
  WHERE i.station_id = p_station_id;
  GET DIAGNOSTICS n_incidents = ROW_COUNT;
  UPDATE dispute d SET beat_id = coalesce(
    (SELECT bt.id FROM beat bt WHERE bt.plan_id = p_plan_id AND ST_Covers(bt.geom, d.location)
      ORDER BY bt.id LIMIT 1),
    (SELECT h.beat_id FROM household h WHERE h.id = d.household_id))
  WHERE d.station_id = p_station_id;
  GET DIAGNOSTICS n_disputes = ROW_COUNT;
  RETURN QUERY SELECT n_households, n_incidents, n_disputes,
    (SELECT count(*)::integer FROM household h JOIN building b ON b.id = h.building_id
      WHERE b.station_id = p_station_id AND h.beat_id IS NULL);
END $$;
