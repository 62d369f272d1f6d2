-- data-quality checks per beat: records checked and failing, counts only (aggregates for every role with a
-- user; api/quality lists the items under row-level security). A record of a beat: households by their
-- beat, buildings by their households' and organisations' beats. (jit off: the estimated cost of the
-- correlated counts switched on JIT compilation, 15 s of a 0.5 s statement.)
CREATE OR REPLACE FUNCTION holomap_quality_counts(p_beat_ids integer[], p_today date)
RETURNS TABLE (beat_id integer, check_code text, checked integer, failing integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
  WITH hh AS (
    SELECT h.id, h.beat_id, h.kind,
           (SELECT count(*) FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL) AS residents,
           EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL
                     AND p.relation_to_head = '户主') AS has_head,
           EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id
                     AND v.visited_at >= p_today - interval '365 days') AS visited
    FROM household h WHERE h.beat_id = ANY(p_beat_ids) AND holomap_request_user() IS NOT NULL
  ), bld AS (
    -- the buildings of the beat's households and organisations (a spatial join of every building with the
    -- beats took seconds inside this function)
    SELECT x.beat_id, b.std_address_code
    FROM (SELECT DISTINCT h.beat_id, h.building_id FROM household h
          WHERE h.beat_id = ANY(p_beat_ids) AND holomap_request_user() IS NOT NULL
          UNION SELECT o.beat_id, o.building_id FROM organisation o
          WHERE o.beat_id = ANY(p_beat_ids) AND holomap_request_user() IS NOT NULL) x
    JOIN building b ON b.id = x.building_id
  ), org AS (
    SELECT o.beat_id, o.person_in_charge, o.fire_check_on, o.status,
           EXISTS (SELECT 1 FROM organisation_employee e WHERE e.organisation_id = o.id AND e.left_on IS NULL)
             AS has_employees
    FROM organisation o WHERE o.beat_id = ANY(p_beat_ids) AND o.status <> 'closed'
      AND holomap_request_user() IS NOT NULL
  ), ppl AS (
    -- likely duplicates: the same name and birth date twice among the current residents of one station
    SELECT x.beat_id, x.n FROM (
      SELECT h.beat_id, count(*) OVER (PARTITION BY b.station_id, p.name, p.birth_date) AS n
      FROM person p JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
      WHERE p.moved_out IS NULL AND holomap_request_user() IS NOT NULL
        AND b.station_id IN (SELECT pl.station_id FROM beat bt JOIN beat_plan pl ON pl.id = bt.plan_id
                             WHERE bt.id = ANY(p_beat_ids))) x
    WHERE x.beat_id = ANY(p_beat_ids)
  )
  SELECT beat_id, 'building_no_address_code', count(*)::int, count(*) FILTER (WHERE std_address_code IS NULL)::int
  FROM bld GROUP BY 1
  UNION ALL
  SELECT beat_id, 'room_unmarked_empty', count(*)::int,
         count(*) FILTER (WHERE kind <> 'vacant' AND residents = 0)::int FROM hh GROUP BY 1
  UNION ALL
  SELECT beat_id, 'household_no_head', count(*) FILTER (WHERE residents > 0)::int,
         count(*) FILTER (WHERE residents > 0 AND NOT has_head)::int FROM hh GROUP BY 1
  UNION ALL
  SELECT beat_id, 'household_not_visited', count(*) FILTER (WHERE kind <> 'vacant')::int,
         count(*) FILTER (WHERE kind <> 'vacant' AND NOT visited)::int FROM hh GROUP BY 1
  UNION ALL
  SELECT beat_id, 'person_duplicate', count(*)::int, count(*) FILTER (WHERE n > 1)::int FROM ppl GROUP BY 1
  UNION ALL
  SELECT beat_id, 'organisation_no_person_in_charge', count(*)::int,
         count(*) FILTER (WHERE person_in_charge IS NULL)::int FROM org GROUP BY 1
  UNION ALL
  SELECT beat_id, 'organisation_no_employees', count(*)::int, count(*) FILTER (WHERE NOT has_employees)::int
  FROM org GROUP BY 1
  UNION ALL
  SELECT beat_id, 'organisation_fire_check_overdue', count(*)::int,
         count(*) FILTER (WHERE fire_check_on IS NULL OR fire_check_on < p_today - 365)::int FROM org GROUP BY 1
$$;
