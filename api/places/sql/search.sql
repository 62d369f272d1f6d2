-- GET /api/search: one statement per request (holomap_search_request: the user, the search, the audit row) and
-- one SECURITY DEFINER search (holomap_search). Under RLS no index serves LIKE/trigram conditions (not
-- leakproof), so holomap_search applies the scope of holomap_scope_beats() itself (households of those beats;
-- a building also when one of those beats covers it; organisations and vehicles by their beat).
-- api/places/service.py classifies the query first (plan_search); a branch that cannot match is skipped
-- (plpgsql IF: neither planned nor run). Each branch that runs finds candidates by an index — a unique or
-- btree probe for a full ID number, plate or credit code, the reversed-number btree for an ID tail, trigrams
-- for fragments, the beat-leading indexes for what lies in scope (vehicle (beat_id, plate); household (beat_id,
-- building_id), (beat_id, room); organisation (beat_id)) — and ranks only its candidates in scope. Plans: generic
-- (planned once per connection), each statement written so that its one plan fits every pattern (the scope as
-- `beat_id + 0` where it only filters the rows read; the vehicles' two paths chosen by the query); custom plans
-- only where the pattern decides the index (a 1–2 character name or address); a longer address fragment found in
-- thousands of addresses ("滨城" is in every address of the county, "鹳鹬" in none) starts from the scope instead.
-- Re-planning a statement cost 0.3–1.7 ms, often more than running it.
-- p_room, p_unit, p_room_building: a room-level address ("1号楼1102", "3单元502"; api/places/service.py
-- room_address), else NULL.

-- The planner's estimate of the buildings whose address is LIKE p_pattern (holomap_search: which plan). EXPLAIN
-- runs only in a volatile function, so this is one of its own.
CREATE OR REPLACE FUNCTION holomap_address_estimate(p_pattern text)
RETURNS double precision
LANGUAGE plpgsql
VOLATILE
SET search_path TO 'public', 'pg_temp'
AS $$
DECLARE
  v_plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM building b WHERE b.address LIKE $1' INTO v_plan USING p_pattern;
  RETURN (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::double precision;
END $$;

CREATE OR REPLACE FUNCTION holomap_search(
  p_by_name boolean, p_by_id boolean, p_by_digits boolean, p_by_plate boolean, p_by_address boolean,
  p_short boolean, p_exact text, p_prefix text, p_tail text, p_contains text, p_exact_upper text,
  p_tail_upper text, p_contains_upper text, p_rev_lo text, p_rev_hi text, p_per_kind integer,
  p_room text, p_unit integer, p_room_building text)
RETURNS TABLE(type text, id integer, label text, detail text, household_id integer, building_id integer,
              lon numeric, lat numeric, rank integer)
LANGUAGE plpgsql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
SET plan_cache_mode TO 'force_generic_plan'
AS $$
DECLARE
  v_beats integer[] := holomap_scope_beats();
  v_persons integer[];
  v_extent geometry;
BEGIN
  IF cardinality(v_beats) = 0 THEN
    RETURN;
  END IF;
  -- persons: candidates county-wide from the indexes (few), kept in scope while they are read (person.beat_id,
  -- kept by api/people/sql/person_beat.sql: an ID tail's ~80 and a phone tail's ~400 candidates of the county
  -- are ~10 of a chief's, and only those are joined and ranked). `beat_id + 0`: the scope filters the rows read,
  -- it never chooses the index (a chief's beats hold ~25,000 residents)
  IF p_by_digits THEN
    SELECT array_agg(c.id) INTO v_persons FROM (
      SELECT c.id FROM person c WHERE p_by_id AND c.id_number = p_exact AND c.beat_id + 0 = ANY(v_beats)
      UNION SELECT c.id FROM person c
        WHERE reverse(c.id_number::text) ~>=~ p_rev_lo AND reverse(c.id_number::text) ~<~ p_rev_hi
          AND c.beat_id + 0 = ANY(v_beats)
      -- a phone (varchar(20)) holds no longer text; digits share few trigrams, each on many phones: the
      -- first 6 digits find the candidates (fewer posting lists to read), the whole query filters them
      UNION SELECT c.id FROM (SELECT c.id, c.phone, c.beat_id FROM person c
                              WHERE char_length(p_exact) <= 20 AND c.phone LIKE '%' || left(p_exact, 6) || '%'
                              OFFSET 0) c
        WHERE c.phone LIKE p_contains AND c.beat_id = ANY(v_beats)
    ) c;
  ELSIF p_by_name AND NOT p_short THEN
    SELECT array_agg(c.id) INTO v_persons FROM person c WHERE c.name LIKE p_contains AND c.beat_id + 0 = ANY(v_beats);
  ELSIF p_by_name THEN
    -- a fragment of 1–2 characters holds no trigram: prefix and suffix do (pg_trgm pads word ends),
    -- and a fragment inside a name needs a name of 4+ characters (partial index, few rows); whether the
    -- trigram index can serve, and whether the beats' residents are fewer ("李明"), depends on the pattern and
    -- the scope: planned for them (custom plan)
    PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    SELECT array_agg(c.id) INTO v_persons FROM (
      SELECT c.id FROM person c WHERE c.name LIKE p_prefix AND c.beat_id = ANY(v_beats)
      UNION SELECT c.id FROM person c WHERE c.name LIKE p_tail AND c.beat_id = ANY(v_beats)
      UNION SELECT c.id FROM person c WHERE char_length(c.name) >= 4 AND c.name LIKE p_contains
                                        AND c.beat_id = ANY(v_beats)
    ) c;
    PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
  END IF;
  -- every other statement is planned once per connection (generic plans; written so that the one plan fits
  -- every pattern): re-planning each statement with its patterns cost more than running it (0.3–1.7 ms each)
  IF v_persons IS NOT NULL THEN
    RETURN QUERY
    SELECT 'person'::text, p.id, p.name::text,
           holomap_mask_id(p.id_number) || ' · ' || b.address || ' ' || h.unit || '-' || h.room,
           h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
           CASE WHEN p.id_number = p_exact OR p.name = p_exact OR p.phone = p_exact THEN 0
                WHEN p.name LIKE p_prefix OR p.id_number LIKE p_tail OR p.phone LIKE p_tail THEN 1
                ELSE 2 END AS r
    FROM person p
    JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
    WHERE p.id = ANY(v_persons) AND p.moved_out IS NULL AND h.beat_id = ANY(v_beats)
    ORDER BY r, p.name, p.id LIMIT p_per_kind;
  END IF;

  IF p_by_digits AND char_length(p_exact) <= 20 THEN
    RETURN QUERY
    SELECT 'household'::text, h.id, b.address || ' ' || h.unit || '单元' || h.room, holomap_mask_phone(h.phone),
           h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
           CASE WHEN h.phone = p_exact THEN 0 WHEN h.phone LIKE p_tail THEN 1 ELSE 2 END AS r
    FROM (SELECT c.* FROM household c WHERE c.phone LIKE '%' || left(p_exact, 6) || '%' OFFSET 0) h
    JOIN building b ON b.id = h.building_id
    WHERE h.phone LIKE p_contains AND h.beat_id = ANY(v_beats)
    ORDER BY r, h.id LIMIT p_per_kind;
  END IF;

  -- vehicles (a plate is varchar(16): no longer text), by the plate trigrams of upper(plate), the scope filtering
  -- the rows read — except a query whose one trigram is a province, a letter and one more ("鲁M8"): every local
  -- plate starts with its province and city (鲁M), so that trigram is on 1 plate in 25 (4,700 of the county's
  -- 119k); those come from the plates of the user's beats, the index (beat_id, plate) alone (vehicle.beat_id,
  -- kept by api/people/sql/vehicle_beat.sql; a chief's ~3,000 entries). The rank and order need only the plate:
  -- the page is cut from the candidates and only its rows are joined (a chief's "鲁M8": ~300 matches, 20 joined)
  IF p_by_plate AND char_length(p_exact) <= 16 THEN
    IF p_exact_upper ~ '^[^ -~][A-Z].$' THEN
      RETURN QUERY
      SELECT 'vehicle'::text, v.id, holomap_mask_plate(v.plate),
             concat_ws(' · ', v.brand, v.color, b.address || ' ' || h.unit || '-' || h.room),
             h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
             CASE WHEN upper(v.plate) = p_exact_upper THEN 0 WHEN upper(v.plate) LIKE p_tail_upper THEN 1
                  ELSE 2 END AS r
      FROM (SELECT c.id FROM (SELECT c.id, c.plate FROM vehicle c WHERE c.beat_id = ANY(v_beats) OFFSET 0) c
            WHERE upper(c.plate) LIKE p_contains_upper
            ORDER BY CASE WHEN upper(c.plate) = p_exact_upper THEN 0 WHEN upper(c.plate) LIKE p_tail_upper THEN 1
                          ELSE 2 END, c.plate
            LIMIT p_per_kind) c
      JOIN vehicle v ON v.id = c.id
      LEFT JOIN person o ON o.id = v.owner_person_id
      JOIN household h ON h.id = coalesce(v.household_id, o.household_id)
      JOIN building b ON b.id = h.building_id
      WHERE h.beat_id = ANY(v_beats)
      ORDER BY r, v.plate LIMIT p_per_kind;
    ELSE
      RETURN QUERY
      SELECT 'vehicle'::text, v.id, holomap_mask_plate(v.plate),
             concat_ws(' · ', v.brand, v.color, b.address || ' ' || h.unit || '-' || h.room),
             h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
             CASE WHEN upper(v.plate) = p_exact_upper THEN 0 WHEN upper(v.plate) LIKE p_tail_upper THEN 1
                  ELSE 2 END AS r
      FROM (SELECT c.id FROM vehicle c WHERE upper(c.plate) LIKE p_contains_upper AND c.beat_id + 0 = ANY(v_beats)
            ORDER BY CASE WHEN upper(c.plate) = p_exact_upper THEN 0 WHEN upper(c.plate) LIKE p_tail_upper THEN 1
                          ELSE 2 END, c.plate
            LIMIT p_per_kind) c
      JOIN vehicle v ON v.id = c.id
      LEFT JOIN person o ON o.id = v.owner_person_id
      JOIN household h ON h.id = coalesce(v.household_id, o.household_id)
      JOIN building b ON b.id = h.building_id
      WHERE h.beat_id = ANY(v_beats)
      ORDER BY r, v.plate LIMIT p_per_kind;
    END IF;
  END IF;

  -- buildings: by the address trigram, then the scope (a household in scope: the buildings of the households
  -- in scope, household (beat_id, building_id) index only, hashed once — a chief's ~9,500 entries, where a probe
  -- per candidate read 3 pages for each of a fragment's ~400 candidates; else a beat in scope covering the
  -- building: the beat's GiST index first, the id filter before the geometry test); a fragment of 2 characters
  -- (no trigram) among the buildings with a household in scope, by the address bigrams (api/places/sql/bigrams.sql).
  -- The village's name is read for the rows sent only
  -- Whether the address index or the scope is the smaller start depends on the pattern ("滨城区", the district,
  -- is in every address of the county; "区1号楼" in 400 of 200,000): the planner's estimate of the addresses
  -- holding it (EXPLAIN of the bare condition, ~0.1 ms) keeps the address index first for a few thousand;
  -- above that the scope's buildings are listed first (the same rules: its households' buildings, and for 3
  -- characters or more the buildings its beats cover) and only they are tested — a chief's ~5,000 in 15–40 ms,
  -- where reading the county's ~200,000 addresses holding the district's name took 200–370 ms
  IF p_by_address AND holomap_address_estimate(p_contains) > 2500 THEN
    RETURN QUERY
    SELECT 'building'::text, b.id, b.address::text, (SELECT vg.name::text FROM village vg WHERE vg.id = b.village_id),
           NULL::integer, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7), b.r
    FROM (SELECT b.id, b.address, b.village_id, b.centroid,
                 CASE WHEN b.address = p_exact THEN 0 WHEN b.address LIKE p_prefix THEN 1 ELSE 2 END AS r
          FROM building b
          WHERE b.id = ANY(ARRAY(
                  SELECT h.building_id FROM household h WHERE h.beat_id = ANY(v_beats)
                  UNION
                  SELECT c.id FROM beat bt JOIN building c ON c.centroid && bt.geom AND ST_Covers(bt.geom, c.centroid)
                  WHERE NOT p_short AND bt.id = ANY(v_beats)))
            AND b.address LIKE p_contains
          ORDER BY r, length(b.address::text), b.id LIMIT p_per_kind) b
    ORDER BY b.r, length(b.address::text), b.id;
  ELSIF p_by_address AND NOT p_short THEN
    -- the box of the user's beats: a candidate outside it is covered by none of them (no beat to test)
    SELECT ST_SetSRID(ST_Extent(bt.geom)::geometry, 4326) INTO v_extent FROM beat bt WHERE bt.id = ANY(v_beats);
    RETURN QUERY
    SELECT 'building'::text, b.id, b.address::text, (SELECT vg.name::text FROM village vg WHERE vg.id = b.village_id),
           NULL::integer, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7), b.r
    FROM (SELECT b.id, b.address, b.village_id, b.centroid,
                 CASE WHEN b.address = p_exact THEN 0 WHEN b.address LIKE p_prefix THEN 1 ELSE 2 END AS r
          FROM building b
          WHERE b.address LIKE p_contains
            AND (b.id IN (SELECT h.building_id FROM household h WHERE h.beat_id = ANY(v_beats))
                 OR (b.centroid && v_extent
                     AND EXISTS (SELECT 1 FROM beat bt WHERE bt.geom ~ b.centroid AND bt.id + 0 = ANY(v_beats)
                                                        AND ST_Covers(bt.geom, b.centroid))))
          ORDER BY r, length(b.address::text), b.id LIMIT p_per_kind) b
    ORDER BY b.r, length(b.address::text), b.id;
  ELSIF p_by_address THEN
    PERFORM set_config('plan_cache_mode', 'force_custom_plan', true);
    RETURN QUERY
    SELECT 'building'::text, b.id, b.address::text, (SELECT vg.name::text FROM village vg WHERE vg.id = b.village_id),
           NULL::integer, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7), b.r
    FROM (SELECT b.id, b.address, b.village_id, b.centroid,
                 CASE WHEN b.address = p_exact THEN 0 WHEN b.address LIKE p_prefix THEN 1 ELSE 2 END AS r
          FROM building b
          WHERE holomap_bigrams(b.address) @> ARRAY[p_exact] AND b.address LIKE p_contains
            AND b.id IN (SELECT h.building_id FROM household h WHERE h.beat_id = ANY(v_beats))
          ORDER BY r, length(b.address::text), b.id LIMIT p_per_kind) b
    ORDER BY b.r, length(b.address::text), b.id;
  END IF;
  PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);

  -- 实有单位 of the user's beats by exact credit code (the unique index), and by name (a fragment of 1–2
  -- characters by prefix) when the query may be text: among the organisations of the beats (a few hundred for a
  -- chief: ix_organisation_beat_id)
  IF p_by_address THEN
    RETURN QUERY
    SELECT 'organisation'::text, o.id, o.name::text, concat_ws(' · ', o.credit_code, b.address), NULL::integer,
           b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
           CASE WHEN o.name = p_exact OR o.credit_code = p_exact_upper THEN 0 WHEN o.name LIKE p_prefix THEN 1
                ELSE 2 END AS r
    FROM (SELECT c.* FROM organisation c WHERE c.beat_id = ANY(v_beats) OFFSET 0) o
    JOIN building b ON b.id = o.building_id
    WHERE o.credit_code = p_exact_upper
       OR (NOT p_short AND o.name LIKE p_contains)
       OR (p_short AND o.name LIKE p_prefix)
    ORDER BY r, o.name, o.id LIMIT p_per_kind;
  ELSE
    RETURN QUERY
    SELECT 'organisation'::text, o.id, o.name::text, concat_ws(' · ', o.credit_code, b.address), NULL::integer,
           b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7), 0 AS r
    FROM organisation o JOIN building b ON b.id = o.building_id
    WHERE o.credit_code = p_exact_upper AND o.beat_id + 0 = ANY(v_beats);
  END IF;

  -- room-level addresses ("1号楼1102", "3单元502"): the room, its unit when given, and the building's
  -- address ending with the typed building part (not preceded by a digit: "1号楼" is not "11号楼")
  IF p_room IS NOT NULL THEN
    RETURN QUERY
    SELECT 'household'::text, h.id, b.address || ' ' || h.unit || '单元' || h.room, holomap_mask_phone(h.phone),
           h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7), 0 AS r
    FROM household h JOIN building b ON b.id = h.building_id
    WHERE h.room = p_room AND (p_unit IS NULL OR h.unit = p_unit) AND h.beat_id = ANY(v_beats)
      AND (p_room_building IS NULL
           OR (b.address LIKE '%' || p_room_building
               AND substr(b.address, char_length(b.address) - char_length(p_room_building), 1) !~ '[0-9]'))
    ORDER BY b.address, h.unit, h.id LIMIT p_per_kind;
  END IF;
END $$;

-- GET /api/search as one statement (api/places/routes.py, as the lookup): the request's user
-- (holomap_begin_request: token not revoked, account active, user set for RLS and for holomap_scope_beats), the
-- search, the JSON document and the audit row of the read (p_term: the search as api/audit/service.search_term
-- keeps it, masked and keyed). It runs as the caller (SECURITY INVOKER).
-- Statuses: 200 (body), 401 (token refused / account disabled or gone), 403 (role sees aggregates only).
-- p_run false (a query the API refuses: too short, too few digits): the user and role only, body NULL.
CREATE OR REPLACE FUNCTION holomap_search_request(
  p_user_id integer, p_jti text, p_iat double precision, p_run boolean, p_q text, p_term text,
  p_client_addr text, p_request_id text,
  p_by_name boolean, p_by_id boolean, p_by_digits boolean, p_by_plate boolean, p_by_address boolean,
  p_short boolean, p_exact text, p_prefix text, p_tail text, p_contains text, p_exact_upper text,
  p_tail_upper text, p_contains_upper text, p_rev_lo text, p_rev_hi text, p_per_kind integer,
  p_room text, p_unit integer, p_room_building text)
RETURNS TABLE (status integer, user_id integer, username text, display_name text, role text,
               station_id integer, body text)
LANGUAGE plpgsql
AS $$
DECLARE
  u record;
  doc text;
BEGIN
  SELECT * INTO u FROM holomap_begin_request(p_user_id, p_jti, p_iat);
  IF NOT FOUND THEN
    RETURN QUERY SELECT 401, NULL::integer, NULL::text, NULL::text, NULL::text, NULL::integer, NULL::text;
    RETURN;
  END IF;
  IF u.role NOT IN ('officer', 'auxiliary', 'grid_member', 'station_chief') THEN
    RETURN QUERY SELECT 403, u.id, u.username, u.display_name, u.role, u.station_id, NULL::text;
    RETURN;
  END IF;
  IF NOT p_run THEN
    RETURN QUERY SELECT 200, u.id, u.username, u.display_name, u.role, u.station_id, NULL::text;
    RETURN;
  END IF;
  SELECT json_build_object('q', p_q, 'results', coalesce(json_agg(json_build_object(
           'type', r.type, 'id', r.id, 'label', r.label, 'detail', r.detail, 'household_id', r.household_id,
           'building_id', r.building_id, 'rank', r.rank, 'lon', r.lon, 'lat', r.lat
         ) ORDER BY r.rank,
                    array_position(ARRAY['person', 'vehicle', 'household', 'organisation', 'building'], r.type),
                    r.label), '[]'))::text INTO doc
  FROM holomap_search(p_by_name, p_by_id, p_by_digits, p_by_plate, p_by_address, p_short, p_exact, p_prefix,
                      p_tail, p_contains, p_exact_upper, p_tail_upper, p_contains_upper, p_rev_lo, p_rev_hi,
                      p_per_kind, p_room, p_unit, p_room_building) r;
  -- a read's audit commit does not wait for the WAL flush (as api/places/service.commit_read_audit)
  INSERT INTO audit_log (user_id, username, action, object_type, object_id, outcome, client_addr, request_id)
  VALUES (u.id, u.username, 'search', 'search', p_term, 'ok', p_client_addr, p_request_id);
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN QUERY SELECT 200, u.id, u.username, u.display_name, u.role, u.station_id, doc;
END $$;
