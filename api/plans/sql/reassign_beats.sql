-- publish: household, incident and dispute beats from the new plan's geometry (station chief only).
--
-- Beat ids last across plans: a beat of the new plan whose code the plan in force also has takes over the
-- old beat's id (row A), and the archived plan keeps the old beat's contents in a new row (C). So a
-- household, incident, dispute or organisation whose beat keeps its code and still covers it is not
-- rewritten; only the ones that really change beat are (at county scale: tens of rows instead of every
-- household and 50,000 incidents of the station, 16 s → well under a second). The draft's own rows (B)
-- are deleted after their units and members move to A. Everything runs in the publisher's transaction.
--
-- The new beat of a building (so of its households) or an event is the draft beat covering its point,
-- ties on a shared edge going to the lowest draft beat id (the rule of the diff and the check), mapped
-- to the id it takes over.

CREATE OR REPLACE FUNCTION holomap_reassign_beats(p_plan_id integer, p_station_id integer)
RETURNS TABLE(households integer, incidents integer, disputes integer, unassigned integer)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
DECLARE
  n_households integer; n_incidents integer; n_disputes integer;
  v_old integer;
  a_ids integer[] := '{}';  -- beats of the plan in force whose code the new plan keeps
  b_ids integer[] := '{}';  -- the new plan's beats of those codes (same order)
  d_ids integer[] := '{}';  -- beats of the plan in force whose code the new plan drops
  v_changed geometry;       -- where any kept code's area changed (symmetric difference)
BEGIN
  IF NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = holomap_request_user() AND u.active
                   AND u.role = 'station_chief' AND u.station_id = p_station_id)
     OR NOT EXISTS (SELECT 1 FROM beat_plan p WHERE p.id = p_plan_id AND p.station_id = p_station_id
                      AND p.status = 'published') THEN
    RAISE EXCEPTION 'only the station chief reassigns beats, after publishing the plan'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- the plan archived by this publish: it ends exactly when the new one starts
  SELECT o.id INTO v_old FROM beat_plan o JOIN beat_plan n ON n.id = p_plan_id
  WHERE o.station_id = p_station_id AND o.status = 'archived' AND o.archived_at = n.published_at
  ORDER BY o.id DESC LIMIT 1;
  IF v_old IS NOT NULL THEN
    SELECT coalesce(array_agg(a.id ORDER BY a.id), '{}'), coalesce(array_agg(b.id ORDER BY a.id), '{}'),
           ST_Union(ST_SymDifference(a.geom, b.geom))
      INTO a_ids, b_ids, v_changed
    FROM beat a JOIN beat b ON b.plan_id = p_plan_id AND b.code = a.code
    WHERE a.plan_id = v_old;
    SELECT coalesce(array_agg(a.id), '{}') INTO d_ids FROM beat a
    WHERE a.plan_id = v_old AND NOT EXISTS (SELECT 1 FROM beat b WHERE b.plan_id = p_plan_id AND b.code = a.code);
  END IF;

  -- households: every building of the station is placed (5,000 at county scale: one spatial join with
  -- the beat's prepared geometry), only households whose beat changes are written
  UPDATE household h SET beat_id = nb.beat_id
  FROM (
    SELECT b.id AS building_id, coalesce(p.a, m.beat_id) AS beat_id
    FROM building b
    LEFT JOIN (
      SELECT DISTINCT ON (bu.id) bu.id AS building_id, bt.id AS beat_id
      FROM beat bt JOIN building bu ON bu.station_id = p_station_id AND ST_Covers(bt.geom, bu.centroid)
      WHERE bt.plan_id = p_plan_id
      ORDER BY bu.id, bt.id
    ) m ON m.building_id = b.id
    LEFT JOIN unnest(b_ids, a_ids) AS p(b, a) ON p.b = m.beat_id
    WHERE b.station_id = p_station_id
  ) nb
  WHERE h.building_id = nb.building_id AND h.beat_id IS DISTINCT FROM nb.beat_id;
  GET DIAGNOSTICS n_households = ROW_COUNT;

  -- incidents: only those in an area that changed, in a dropped beat or in none (after a publish every
  -- incident of the station is in a beat of the plan in force or in none); all of them on a first publish
  UPDATE incident i SET beat_id = nb.beat_id
  FROM (
    SELECT c.id, coalesce(p.a, m.id) AS beat_id
    FROM (
      SELECT i1.id, i1.location FROM incident i1
      WHERE i1.station_id = p_station_id AND v_old IS NULL
      UNION
      SELECT i2.id, i2.location FROM incident i2
      WHERE i2.station_id = p_station_id AND (i2.beat_id IS NULL OR i2.beat_id = ANY (d_ids))
      UNION
      SELECT i3.id, i3.location FROM incident i3
      WHERE v_changed IS NOT NULL AND i3.station_id = p_station_id AND ST_Intersects(i3.location, v_changed)
    ) c
    LEFT JOIN LATERAL (
      SELECT bt.id FROM beat bt WHERE bt.plan_id = p_plan_id AND ST_Covers(bt.geom, c.location)
      ORDER BY bt.id LIMIT 1
    ) m ON true
    LEFT JOIN unnest(b_ids, a_ids) AS p(b, a) ON p.b = m.id
  ) nb
  WHERE i.id = nb.id AND i.beat_id IS DISTINCT FROM nb.beat_id;
  GET DIAGNOSTICS n_incidents = ROW_COUNT;

  -- disputes (a few hundred per station): where they happened, else their household's (new) beat
  UPDATE dispute d SET beat_id = nb.beat_id
  FROM (
    SELECT d2.id, coalesce(p.a, m.id, (SELECT h.beat_id FROM household h WHERE h.id = d2.household_id)) AS beat_id
    FROM dispute d2
    LEFT JOIN LATERAL (
      SELECT bt.id FROM beat bt WHERE bt.plan_id = p_plan_id AND ST_Covers(bt.geom, d2.location)
      ORDER BY bt.id LIMIT 1
    ) m ON true
    LEFT JOIN unnest(b_ids, a_ids) AS p(b, a) ON p.b = m.id
    WHERE d2.station_id = p_station_id
  ) nb
  WHERE d.id = nb.id AND d.beat_id IS DISTINCT FROM nb.beat_id;
  GET DIAGNOSTICS n_disputes = ROW_COUNT;

  IF cardinality(a_ids) > 0 THEN
    -- the draft's rows free their codes; the archive gets copies (C) of the old rows (A)
    UPDATE beat SET code = '~' || id WHERE id = ANY (b_ids);
    INSERT INTO beat (plan_id, code, name, kind, geom, version, locked, updated_at)
    SELECT v_old, '~' || a.id, a.name, a.kind, a.geom, a.version, a.locked, a.updated_at
    FROM beat a WHERE a.id = ANY (a_ids);
    -- A takes the new plan's contents (B); C takes A's code in the archive
    UPDATE beat a SET plan_id = p_plan_id, name = b.name, kind = b.kind, geom = b.geom, version = b.version,
                      locked = b.locked, updated_at = b.updated_at
    FROM unnest(a_ids, b_ids) AS p(a, b) JOIN beat b ON b.id = p.b
    WHERE a.id = p.a;
    UPDATE beat c SET code = a.code
    FROM unnest(a_ids) AS p(a) JOIN beat a ON a.id = p.a
    WHERE c.plan_id = v_old AND c.code = '~' || p.a;
    -- units, members and organisations follow: the archive's to C, the new plan's to A
    UPDATE plan_unit u SET beat_id = c.id
    FROM unnest(a_ids) AS p(a) JOIN beat a ON a.id = p.a JOIN beat c ON c.plan_id = v_old AND c.code = a.code
    WHERE u.plan_id = v_old AND u.beat_id = p.a;
    UPDATE plan_unit u SET beat_id = p.a FROM unnest(a_ids, b_ids) AS p(a, b)
    WHERE u.plan_id = p_plan_id AND u.beat_id = p.b;
    INSERT INTO beat_member (beat_id, user_id, duty)
    SELECT c.id, m.user_id, m.duty
    FROM beat_member m JOIN beat a ON a.id = m.beat_id JOIN beat c ON c.plan_id = v_old AND c.code = a.code
    WHERE m.beat_id = ANY (a_ids);
    DELETE FROM beat_member WHERE beat_id = ANY (a_ids);
    UPDATE beat_member m SET beat_id = p.a FROM unnest(a_ids, b_ids) AS p(a, b) WHERE m.beat_id = p.b;
    UPDATE organisation o SET beat_id = p.a FROM unnest(a_ids, b_ids) AS p(a, b) WHERE o.beat_id = p.b;
    DELETE FROM beat WHERE id = ANY (b_ids);
  END IF;

  RETURN QUERY SELECT n_households, n_incidents, n_disputes,
    (SELECT count(*)::integer FROM household h JOIN building b ON b.id = h.building_id
      WHERE b.station_id = p_station_id AND h.beat_id IS NULL);
END $$;
