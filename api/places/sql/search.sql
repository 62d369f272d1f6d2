-- GET /api/search: one SECURITY DEFINER statement per search, every branch an index probe. Under RLS no index
-- serves LIKE/trigram conditions (not leakproof), so the function applies the scope of holomap_scope_beats()
-- itself (households of those beats; a building also when one of those beats covers it; organisations by
-- their beat). Custom plans: the LIKE patterns decide the best index.
-- p_room, p_unit, p_room_building: a room-level address ("1号楼1102", "3单元502"; api/places/service.py
-- room_address), else NULL.

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
SET plan_cache_mode TO 'force_custom_plan'
AS $$
DECLARE
  v_beats integer[] := holomap_scope_beats();
BEGIN
  IF cardinality(v_beats) = 0 THEN
    RETURN;
  END IF;
  RETURN QUERY
  WITH cand AS (
    SELECT c.id FROM person c WHERE p_by_id AND c.id_number = p_exact
    UNION SELECT c.id FROM person c
      WHERE p_by_digits AND reverse(c.id_number::text) ~>=~ p_rev_lo AND reverse(c.id_number::text) ~<~ p_rev_hi
    UNION SELECT c.id FROM person c WHERE p_by_digits AND c.phone LIKE p_contains
    UNION SELECT c.id FROM person c WHERE p_by_name AND NOT p_short AND c.name LIKE p_contains
    -- a fragment of 1–2 characters holds no trigram: prefix and suffix do (pg_trgm pads word ends),
    -- and a fragment inside a name needs a name of 4+ characters (partial index, few rows)
    UNION SELECT c.id FROM person c WHERE p_by_name AND p_short AND c.name LIKE p_prefix
    UNION SELECT c.id FROM person c WHERE p_by_name AND p_short AND c.name LIKE p_tail
    UNION SELECT c.id FROM person c
      WHERE p_by_name AND p_short AND char_length(c.name) >= 4 AND c.name LIKE p_contains
  )
  SELECT 'person'::text, p.id, p.name::text,
         holomap_mask_id(p.id_number) || ' · ' || b.address || ' ' || h.unit || '-' || h.room,
         h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
         CASE WHEN p.id_number = p_exact OR p.name = p_exact OR p.phone = p_exact THEN 0
              WHEN p.name LIKE p_prefix OR p.id_number LIKE p_tail OR p.phone LIKE p_tail THEN 1
              ELSE 2 END AS r
  FROM cand JOIN person p ON p.id = cand.id
  JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
  WHERE p.moved_out IS NULL AND h.beat_id = ANY(v_beats)
  ORDER BY r, p.name, p.id LIMIT p_per_kind;

  RETURN QUERY
  SELECT 'household'::text, h.id, b.address || ' ' || h.unit || '单元' || h.room, holomap_mask_phone(h.phone),
         h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
         CASE WHEN h.phone = p_exact THEN 0 WHEN h.phone LIKE p_tail THEN 1 ELSE 2 END AS r
  FROM household h JOIN building b ON b.id = h.building_id
  WHERE p_by_digits AND h.phone LIKE p_contains AND h.beat_id = ANY(v_beats)
  ORDER BY r, h.id LIMIT p_per_kind;

  RETURN QUERY
  SELECT 'vehicle'::text, v.id, holomap_mask_plate(v.plate),
         concat_ws(' · ', v.brand, v.color, b.address || ' ' || h.unit || '-' || h.room),
         h.id, b.id, round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
         CASE WHEN upper(v.plate) = p_exact_upper THEN 0 WHEN upper(v.plate) LIKE p_tail_upper THEN 1
              ELSE 2 END AS r
  FROM vehicle v
  LEFT JOIN person o ON o.id = v.owner_person_id
  JOIN household h ON h.id = coalesce(v.household_id, o.household_id)
  JOIN building b ON b.id = h.building_id
  WHERE p_by_plate AND upper(v.plate) LIKE p_contains_upper AND h.beat_id = ANY(v_beats)
  ORDER BY r, v.plate LIMIT p_per_kind;

  -- buildings: by the address trigram, or (a fragment of 1–2 characters, no trigram) among the buildings
  -- of the households in scope
  RETURN QUERY
  SELECT u.* FROM (
    SELECT 'building'::text, b.id AS b_id, b.address::text AS b_label, vg.name::text, NULL::integer, b.id,
           round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
           CASE WHEN b.address = p_exact THEN 0 WHEN b.address LIKE p_prefix THEN 1 ELSE 2 END AS r
    FROM building b JOIN village vg ON vg.id = b.village_id
    WHERE p_by_address AND NOT p_short AND b.address LIKE p_contains
      AND (EXISTS (SELECT 1 FROM household h WHERE h.building_id = b.id AND h.beat_id = ANY(v_beats))
           OR EXISTS (SELECT 1 FROM beat bt WHERE bt.id = ANY(v_beats) AND ST_Covers(bt.geom, b.centroid)))
    UNION ALL
    SELECT 'building'::text, b.id, b.address::text, vg.name::text, NULL::integer, b.id,
           round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
           CASE WHEN b.address = p_exact THEN 0 WHEN b.address LIKE p_prefix THEN 1 ELSE 2 END AS r
    FROM (SELECT DISTINCT h.building_id FROM household h WHERE p_by_address AND p_short
            AND h.beat_id = ANY(v_beats)) AS sb
    JOIN building b ON b.id = sb.building_id JOIN village vg ON vg.id = b.village_id
    WHERE b.address LIKE p_contains
  ) AS u
  ORDER BY u.r, length(u.b_label), u.b_id LIMIT p_per_kind;

  -- 实有单位: by name (trigram; a fragment of 1–2 characters by prefix) or by exact credit code
  RETURN QUERY
  SELECT 'organisation'::text, o.id, o.name::text, concat_ws(' · ', o.credit_code, b.address), NULL::integer, b.id,
         round(ST_X(b.centroid)::numeric, 7), round(ST_Y(b.centroid)::numeric, 7),
         CASE WHEN o.name = p_exact OR o.credit_code = p_exact_upper THEN 0 WHEN o.name LIKE p_prefix THEN 1
              ELSE 2 END AS r
  FROM organisation o JOIN building b ON b.id = o.building_id
  WHERE o.id IN (SELECT c.id FROM organisation c WHERE c.credit_code = p_exact_upper
                 UNION SELECT c.id FROM organisation c WHERE p_by_address AND NOT p_short AND c.name LIKE p_contains
                 UNION SELECT c.id FROM organisation c WHERE p_by_address AND p_short AND c.name LIKE p_prefix)
    AND o.beat_id = ANY(v_beats)
  ORDER BY r, o.name, o.id LIMIT p_per_kind;

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
