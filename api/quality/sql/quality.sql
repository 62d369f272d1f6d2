-- data-quality checks per beat: records checked and failing, counts only (aggregates for every role with a
-- user; api/quality lists the items under row-level security). A record of a beat: households by their
-- beat, buildings by their households' and organisations' beats. (jit off: the estimated cost of the
-- counts switched on JIT compilation, 15 s of a 0.5 s statement.) Set-based: the residents of the beats
-- are read once and aggregated per household (correlated counts per household took 0.4–0.6 s a station).
-- who may count: a request with a user (any role: counts are aggregates), or the owning role itself (the
-- weekly snapshot job, `holomap quality-snapshot`); never an app connection without a user
CREATE OR REPLACE FUNCTION holomap_quality_caller() RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT holomap_request_user() IS NOT NULL
      OR session_user = (SELECT r.rolname FROM pg_proc f JOIN pg_roles r ON r.oid = f.proowner
                         WHERE f.oid = 'holomap_quality_caller'::regproc)
$$;

-- a resident whose ID number (GB 11643) contradicts the record. Its birth date and sex digit always equal the
-- record's (ck_person_birth_matches_id, ck_person_gender_matches_id), so what is left to conflict: a region
-- (first two digits) that is no province-level code of GB/T 2260 (nor 71/81/82/83 or the foreigner's 91–99,
-- as geo/idnumber.py), a birth date after today, or a move-in date before the birth. Used by the counts and
-- the items (api/quality/queries.py).
CREATE OR REPLACE FUNCTION holomap_quality_id_conflict(p_id text, p_birth date, p_moved_in date, p_today date)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT substr(p_id, 1, 2) NOT IN ('11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35',
                                    '36', '37', '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54',
                                    '61', '62', '63', '64', '65', '71', '81', '82', '83', '91', '92', '93', '94',
                                    '95', '96', '97', '98', '99')
      OR p_birth > p_today
      OR coalesce(p_moved_in < p_birth, false)
$$;

-- the administrator's thresholds of the checks (GET/PUT /api/settings/quality-checks, api/settings/quality.py),
-- else the defaults, which equal QUALITY_DAYS there (tests/settings/test_quality_checks.py holds them equal):
-- 'expiring' — 居住证 and visas ending within N days; 'visit' — households confirmed by a visit within N days;
-- 'fire_check' — organisations inspected within N days. Read by the counts below and the items
-- (api/quality/queries.py); a change of the setting marks every beat's counts stale (dirty.sql).
CREATE OR REPLACE FUNCTION holomap_quality_days(p_key text)
RETURNS integer
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
  SELECT coalesce(
    (SELECT (s.value -> 'days' ->> p_key)::integer FROM app_setting s WHERE s.key = 'quality.checks'),
    CASE p_key WHEN 'expiring' THEN 30 WHEN 'visit' THEN 365 WHEN 'fire_check' THEN 365 END)
$$;

-- p_checks: the checks to count (NULL: all). A check left out costs nothing: its branch below is gated by a
-- one-time filter on p_checks, so the CTEs only it reads never run (a visit recounts the two visit checks
-- without the residents' duplicates; an organisation's write reads no resident) — holomap_quality_board
-- passes the checks a write could change (quality_dirty.checks, dirty.sql).
CREATE OR REPLACE FUNCTION holomap_quality_counts(p_beat_ids integer[], p_today date, p_checks text[] DEFAULT NULL)
RETURNS TABLE (beat_id integer, check_code text, checked integer, failing integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
  WITH h0 AS (
    SELECT h.id, h.beat_id, h.kind, h.building_id,
           (h.landlord_person_id IS NOT NULL OR h.landlord_name IS NOT NULL)
             AND h.lease_start IS NOT NULL AND h.lease_end IS NOT NULL AS rental_complete
    FROM household h WHERE h.beat_id = ANY(p_beat_ids) AND (SELECT holomap_quality_caller())
  ), lv AS (
    -- the last visit of each household of the beats
    SELECT v.household_id, max(v.visited_at) AS last_at FROM visit v JOIN h0 ON h0.id = v.household_id GROUP BY 1
  ), ppl AS (
    -- the current residents of the beats, once
    SELECT p.household_id, h0.beat_id, p.residency, p.document_kind, p.permit_expires, p.visa_expires,
           p.relation_to_head = '户主' AS is_head,
           holomap_quality_id_conflict(p.id_number, p.birth_date, p.moved_in, p_today) AS id_conflict,
           lv.last_at IS NOT NULL
             AND (p.moved_in IS NULL OR (lv.last_at AT TIME ZONE 'Asia/Shanghai')::date >= p.moved_in) AS seen,
           CASE WHEN p_checks IS NULL OR 'person_duplicate' = ANY(p_checks) THEN
             EXISTS (SELECT 1 FROM person q JOIN household hq ON hq.id = q.household_id
                     JOIN building bq ON bq.id = hq.building_id
                     WHERE q.name = p.name AND q.birth_date = p.birth_date AND q.id <> p.id
                       AND q.moved_out IS NULL AND bq.station_id = b.station_id) END AS duplicate
    FROM h0 JOIN person p ON p.household_id = h0.id AND p.moved_out IS NULL
    JOIN building b ON b.id = h0.building_id
    LEFT JOIN lv ON lv.household_id = p.household_id
  ), per_hh AS (
    SELECT household_id, count(*) AS residents, bool_or(is_head) AS has_head FROM ppl GROUP BY household_id
  ), hh AS (
    -- households with their residents (the checks that read no resident use h0)
    SELECT h0.id, h0.beat_id, h0.kind, coalesce(r.residents, 0) AS residents, coalesce(r.has_head, false) AS has_head
    FROM h0 LEFT JOIN per_hh r ON r.household_id = h0.id
  ), bld AS (
    -- the buildings of the beat's households and organisations (a spatial join of every building with the
    -- beats took seconds inside this function)
    SELECT x.beat_id, b.std_address_code
    FROM (SELECT DISTINCT h0.beat_id, h0.building_id FROM h0
          UNION SELECT o.beat_id, o.building_id FROM organisation o
          WHERE o.beat_id = ANY(p_beat_ids) AND (SELECT holomap_quality_caller())) x
    JOIN building b ON b.id = x.building_id
  ), org AS (
    SELECT o.beat_id, o.person_in_charge, o.fire_check_on, o.status,
           EXISTS (SELECT 1 FROM organisation_employee e WHERE e.organisation_id = o.id AND e.left_on IS NULL)
             AS has_employees
    FROM organisation o WHERE o.beat_id = ANY(p_beat_ids) AND o.status <> 'closed'
      AND (SELECT holomap_quality_caller())
  )
  SELECT beat_id, 'building_no_address_code', count(*)::int, count(*) FILTER (WHERE std_address_code IS NULL)::int
  FROM bld WHERE (p_checks IS NULL OR 'building_no_address_code' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  SELECT beat_id, 'room_unmarked_empty', count(*)::int,
         count(*) FILTER (WHERE kind <> 'vacant' AND residents = 0)::int
  FROM hh WHERE (p_checks IS NULL OR 'room_unmarked_empty' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  SELECT beat_id, 'household_no_head', count(*) FILTER (WHERE residents > 0)::int,
         count(*) FILTER (WHERE residents > 0 AND NOT has_head)::int
  FROM hh WHERE (p_checks IS NULL OR 'household_no_head' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  SELECT h0.beat_id, 'household_not_visited', count(*) FILTER (WHERE h0.kind <> 'vacant')::int,
         count(*) FILTER (WHERE h0.kind <> 'vacant' AND NOT EXISTS (
           SELECT 1 FROM visit v WHERE v.household_id = h0.id
             AND v.visited_at >= ((p_today - (SELECT holomap_quality_days('visit')))::timestamp
                                  AT TIME ZONE 'Asia/Shanghai')))::int  -- a China day, whatever the session's TimeZone
  FROM h0 WHERE (p_checks IS NULL OR 'household_not_visited' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  SELECT beat_id, 'rental_incomplete', count(*) FILTER (WHERE kind = 'rental')::int,
         count(*) FILTER (WHERE kind = 'rental' AND NOT rental_complete)::int
  FROM h0 WHERE (p_checks IS NULL OR 'rental_incomplete' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  SELECT beat_id, 'rental_no_tenants', count(*) FILTER (WHERE kind = 'rental')::int,
         count(*) FILTER (WHERE kind = 'rental' AND residents = 0)::int
  FROM hh WHERE (p_checks IS NULL OR 'rental_no_tenants' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  SELECT beat_id, 'person_duplicate', count(*)::int, count(*) FILTER (WHERE duplicate)::int
  FROM ppl WHERE (p_checks IS NULL OR 'person_duplicate' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  SELECT beat_id, 'person_id_conflict', count(*)::int, count(*) FILTER (WHERE id_conflict)::int
  FROM ppl WHERE (p_checks IS NULL OR 'person_id_conflict' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  -- residents never seen in a visit: no visit to their household since they moved in (or ever)
  SELECT beat_id, 'person_not_visited', count(*)::int, count(*) FILTER (WHERE NOT seen)::int
  FROM ppl WHERE (p_checks IS NULL OR 'person_not_visited' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  -- 居住证/暂住: residents from elsewhere (暂住/流动) without a permit, or whose permit ends within N days (30)
  SELECT beat_id, 'person_permit_expiring', count(*) FILTER (WHERE residency IN ('temporary', 'floating'))::int,
         count(*) FILTER (WHERE residency IN ('temporary', 'floating')
                          AND (permit_expires IS NULL
                               OR permit_expires <= p_today + (SELECT holomap_quality_days('expiring'))))::int
  FROM ppl WHERE (p_checks IS NULL OR 'person_permit_expiring' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  -- 境外: foreign residents and holders of travel documents, without a visa end date or ending within N days
  SELECT beat_id, 'person_visa_expiring',
         count(*) FILTER (WHERE residency = 'foreign' OR document_kind <> 'id_card')::int,
         count(*) FILTER (WHERE (residency = 'foreign' OR document_kind <> 'id_card')
                          AND (visa_expires IS NULL
                               OR visa_expires <= p_today + (SELECT holomap_quality_days('expiring'))))::int
  FROM ppl WHERE (p_checks IS NULL OR 'person_visa_expiring' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  SELECT beat_id, 'organisation_no_person_in_charge', count(*)::int,
         count(*) FILTER (WHERE person_in_charge IS NULL)::int
  FROM org WHERE (p_checks IS NULL OR 'organisation_no_person_in_charge' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  SELECT beat_id, 'organisation_no_employees', count(*)::int, count(*) FILTER (WHERE NOT has_employees)::int
  FROM org WHERE (p_checks IS NULL OR 'organisation_no_employees' = ANY(p_checks)) GROUP BY 1
  UNION ALL
  SELECT beat_id, 'organisation_fire_check_overdue', count(*)::int,
         count(*) FILTER (WHERE fire_check_on IS NULL
                          OR fire_check_on < p_today - (SELECT holomap_quality_days('fire_check')))::int
  FROM org WHERE (p_checks IS NULL OR 'organisation_fire_check_overdue' = ANY(p_checks)) GROUP BY 1
$$;

-- the board's counts: from quality_count, recounting only the beats with no counts for p_today or written
-- to since (quality_dirty, api/quality/sql/dirty.sql), and of those only the checks the writes could change
-- (quality_dirty.checks; NULL: all — a beat without today's counts is counted in full); what is recounted
-- goes into this week's snapshot too (a board read from the cache writes nothing: 17 ms a county station). The dirty rows seen are
-- consumed first (SKIP LOCKED: two boards never wait on each other), then counted with a snapshot that
-- includes those writes; a write committing meanwhile leaves its own row for the next read.
CREATE OR REPLACE FUNCTION holomap_quality_board(p_beat_ids integer[], p_today date)
RETURNS TABLE (beat_id integer, check_code text, checked integer, failing integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
DECLARE
  groups jsonb;
  g jsonb;
  v_beats integer[];
  v_checks text[];
BEGIN
  IF NOT holomap_quality_caller() THEN
    RETURN;
  END IF;
  -- the stale beats, grouped by the checks to recount (one count per group)
  WITH gone AS (
    DELETE FROM quality_dirty d WHERE d.id IN (
      SELECT x.id FROM quality_dirty x WHERE x.beat_id = ANY(p_beat_ids) FOR UPDATE SKIP LOCKED)
    RETURNING d.beat_id, d.checks
  ), stale AS (
    SELECT g.beat_id AS b, g.checks FROM gone g
    UNION ALL SELECT u.b, NULL::text[] FROM unnest(p_beat_ids) u(b)
    WHERE NOT EXISTS (SELECT 1 FROM quality_count c WHERE c.beat_id = u.b AND c.day = p_today)
  ), per_beat AS (
    SELECT s.b, CASE WHEN bool_or(s.checks IS NULL) THEN NULL
                     ELSE array_agg(DISTINCT x.code ORDER BY x.code) END AS checks
    FROM stale s LEFT JOIN LATERAL unnest(s.checks) AS x(code) ON true
    GROUP BY s.b
  )
  SELECT jsonb_agg(jsonb_build_object('checks', q.checks, 'beats', q.beats)) INTO groups
  FROM (SELECT p.checks, array_agg(p.b ORDER BY p.b) AS beats FROM per_beat p GROUP BY p.checks) q;
  FOR g IN SELECT e FROM jsonb_array_elements(coalesce(groups, '[]'::jsonb)) e LOOP
    v_beats := ARRAY(SELECT jsonb_array_elements_text(g -> 'beats')::integer);
    v_checks := CASE WHEN jsonb_typeof(g -> 'checks') = 'array'
                     THEN ARRAY(SELECT jsonb_array_elements_text(g -> 'checks')) END;
    -- a check with no records in a beat keeps no row
    DELETE FROM quality_count c
    WHERE c.beat_id = ANY(v_beats) AND (v_checks IS NULL OR c.check_code = ANY(v_checks));
    INSERT INTO quality_count AS c (beat_id, check_code, day, checked, failing)
    SELECT n.beat_id, n.check_code, p_today, n.checked, n.failing
    FROM holomap_quality_counts(v_beats, p_today, v_checks) n
    ON CONFLICT ON CONSTRAINT pk_quality_count DO UPDATE
      SET day = EXCLUDED.day, checked = EXCLUDED.checked, failing = EXCLUDED.failing, counted_at = now();
    -- this week's snapshot (the trend) of what was recounted; counts read from the cache are in it already
    INSERT INTO quality_snapshot AS s (week, beat_id, check_code, checked, failing)
    SELECT p_today - (extract(isodow FROM p_today)::integer - 1), c.beat_id, c.check_code, c.checked, c.failing
    FROM quality_count c WHERE c.beat_id = ANY(v_beats) AND (v_checks IS NULL OR c.check_code = ANY(v_checks))
    ON CONFLICT ON CONSTRAINT quality_snapshot_pkey DO UPDATE
      SET checked = EXCLUDED.checked, failing = EXCLUDED.failing, taken_at = now()
      WHERE (s.checked, s.failing) IS DISTINCT FROM (EXCLUDED.checked, EXCLUDED.failing);
  END LOOP;
  RETURN QUERY SELECT c.beat_id, c.check_code::text, c.checked, c.failing FROM quality_count c
    WHERE c.beat_id = ANY(p_beat_ids) AND c.day = p_today;
END $$;
