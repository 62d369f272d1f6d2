-- area_stats: one row per building (households, residents, floating, key persons by the key-person tags
-- setting, open disputes of its households) and one per ~20 m cell for incidents of the last 12 months and open disputes without a
-- household. Publish, seed and the stats service call the refresh; it reads every personal row, so it runs
-- as the owner (SECURITY DEFINER) and writes counts only.

CREATE OR REPLACE FUNCTION holomap_refresh_area_stats(p_station integer DEFAULT NULL::integer)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
DECLARE
  n integer;
  -- the stations refreshed: every subquery below is limited to their buildings (issue 22: the counts of
  -- households, residents and disputes were grouped over the whole county, then joined to one station's
  -- buildings: ~9 s of a county station's refresh, now ~0.2 s)
  stations integer[] := CASE WHEN p_station IS NULL THEN ARRAY(SELECT id FROM station) ELSE ARRAY[p_station] END;
BEGIN
  -- one refresher at a time per station (0 = all stations)
  PERFORM pg_advisory_xact_lock(738201, coalesce(p_station, 0));
  DELETE FROM area_stats WHERE p_station IS NULL OR station_id = p_station;
  -- per-beat sums of the old rows (migration 0011, api/plans/beat_stats.py)
  DELETE FROM beat_stats_cache WHERE p_station IS NULL OR station_id = p_station;

  INSERT INTO area_stats (station_id, building_id, village_id, pt, buildings, households, residents, floating,
                          key_persons, disputes_green, disputes_yellow, disputes_orange, disputes_red)
  SELECT b.station_id, b.id, b.village_id, b.centroid, 1,
         coalesce(h.n, 0), coalesce(p.residents, 0), coalesce(p.floating, 0), coalesce(p.key_persons, 0),
         coalesce(d.green, 0), coalesce(d.yellow, 0), coalesce(d.orange, 0), coalesce(d.red, 0)
  FROM building b
  LEFT JOIN (
    SELECT hh.building_id, count(*) AS n
    FROM building sb JOIN household hh ON hh.building_id = sb.id
    WHERE sb.station_id = ANY(stations)
    GROUP BY hh.building_id
  ) h ON h.building_id = b.id
  LEFT JOIN (
    SELECT hh.building_id, count(*) AS residents,
           count(*) FILTER (WHERE pe.residency <> 'registered') AS floating,
           count(*) FILTER (WHERE pe.tags && k.tags) AS key_persons
    FROM building sb JOIN household hh ON hh.building_id = sb.id JOIN person pe ON pe.household_id = hh.id
    -- the tags that make a key person: the admin setting (settings/sql/key_person_tags.sql); a change of
    -- the setting recounts this column (holomap_recount_key_persons below)
    CROSS JOIN (SELECT holomap_key_person_tags() AS tags) k
    WHERE sb.station_id = ANY(stations) AND (pe.moved_out IS NULL OR pe.moved_out > current_date)
    GROUP BY hh.building_id
  ) p ON p.building_id = b.id
  LEFT JOIN (
    SELECT hh.building_id,
           count(*) FILTER (WHERE ds.grade = 'green') AS green,
           count(*) FILTER (WHERE ds.grade = 'yellow') AS yellow,
           count(*) FILTER (WHERE ds.grade = 'orange') AS orange,
           count(*) FILTER (WHERE ds.grade = 'red') AS red
    FROM dispute ds JOIN household hh ON hh.id = ds.household_id
    WHERE ds.status NOT IN ('resolved', 'closed')
    GROUP BY hh.building_id
  ) d ON d.building_id = b.id
  WHERE b.station_id = ANY(stations);

  -- incidents (last 12 months) and household-less open disputes, snapped to a ~20 m grid
  INSERT INTO area_stats (station_id, pt, incidents_12m, disputes_green, disputes_yellow, disputes_orange,
                          disputes_red)
  SELECT station_id, cell, sum(incidents), sum(green), sum(yellow), sum(orange), sum(red)
  FROM (
    SELECT station_id, ST_SnapToGrid(location, 0.0002) AS cell, 1 AS incidents,
           0 AS green, 0 AS yellow, 0 AS orange, 0 AS red
    FROM incident
    WHERE occurred_at >= now() - interval '12 months' AND (p_station IS NULL OR station_id = p_station)
    UNION ALL
    SELECT station_id, ST_SnapToGrid(location, 0.0002), 0,
           (grade = 'green')::int, (grade = 'yellow')::int, (grade = 'orange')::int, (grade = 'red')::int
    FROM dispute
    WHERE household_id IS NULL AND location IS NOT NULL AND status NOT IN ('resolved', 'closed')
      AND (p_station IS NULL OR station_id = p_station)
  ) e
  GROUP BY station_id, cell;

  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- After a change of the key-person tags setting: recount area_stats.key_persons of every building row by the
-- new tags, in one pass over persons (a refresh of every station would scan them once per station: minutes
-- at county scale). Every station's refresher lock is taken first, in station order, so a refresh running
-- meanwhile either finishes before (and is recounted here) or starts after this commits (and reads the new
-- tags). Returns the rows whose count changed.
CREATE OR REPLACE FUNCTION holomap_recount_key_persons()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
DECLARE
  n integer;
BEGIN
  PERFORM pg_advisory_xact_lock(738201, 0);
  PERFORM pg_advisory_xact_lock(738201, s.id) FROM (SELECT id FROM station ORDER BY id) s;
  UPDATE area_stats a SET key_persons = coalesce(k.n, 0)
  FROM area_stats a2
  LEFT JOIN (
    SELECT hh.building_id, count(*) AS n
    FROM person pe JOIN household hh ON hh.id = pe.household_id
    WHERE pe.tags && holomap_key_person_tags() AND (pe.moved_out IS NULL OR pe.moved_out > current_date)
    GROUP BY hh.building_id
  ) k ON k.building_id = a2.building_id
  WHERE a.id = a2.id AND a2.building_id IS NOT NULL AND a.key_persons IS DISTINCT FROM coalesce(k.n, 0);
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    DELETE FROM beat_stats_cache;  -- they summed the old counts
  END IF;
  RETURN n;
END $$;
