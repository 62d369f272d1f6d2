-- Masking in SQL, mirroring geo.idnumber.mask and geo.masking, so documents can be built by PostgreSQL.
-- Single-expression bodies, not STRICT: the planner inlines them (no per-row function call).

CREATE OR REPLACE FUNCTION holomap_mask_id(id text)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  -- as geo.idnumber.mask: keep the first 6 and last 4 characters
  SELECT CASE WHEN length(id) <= 10 THEN repeat('*', length(id))
              ELSE left(id, 6) || repeat('*', length(id) - 10) || right(id, 4) END
$$;

CREATE OR REPLACE FUNCTION holomap_mask_plate(plate text)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  -- as geo.masking.mask_plate: 鲁M12345 → 鲁M1**45
  SELECT CASE WHEN length(btrim(plate)) < 6
              THEN upper(left(btrim(plate), 1)) || repeat('*', length(btrim(plate)) - 1)
              ELSE upper(left(btrim(plate), 3)) || repeat('*', length(btrim(plate)) - 5)
                   || upper(right(btrim(plate), 2)) END
$$;

-- landlines and other numbers (holomap_mask_phone calls it, so it comes first)
CREATE OR REPLACE FUNCTION holomap_mask_other_phone(phone text)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE STRICT
AS $$
  -- landlines and other numbers: keep the last 4 digits when there are more than 6, keep separators
  WITH v AS (SELECT btrim(phone) AS v),
  chars AS (
    SELECT i, substr(v.v, i, 1) AS c,
           count(*) FILTER (WHERE substr(v.v, i, 1) ~ '[0-9]') OVER (ORDER BY i DESC) AS digits_from_end,
           length(regexp_replace(v.v, '[^0-9]', '', 'g')) AS digits
    FROM v, generate_series(1, length(v.v)) AS i
  )
  SELECT coalesce((SELECT string_agg(CASE WHEN c ~ '[0-9]' AND NOT (digits > 6 AND digits_from_end <= 4)
                                         THEN '*' ELSE c END, '' ORDER BY i) FROM chars), '')
$$;

CREATE OR REPLACE FUNCTION holomap_mask_phone(phone text)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
  -- as geo.masking.mask_phone: mobiles 138****5678 (the common case, inlined); others below
  SELECT CASE WHEN regexp_replace(btrim(phone), '[ -]', '', 'g') ~ '^(\+?86)?1[0-9]{10}$'
              THEN left(right(regexp_replace(btrim(phone), '[ -]', '', 'g'), 11), 3) || '****'
                   || right(regexp_replace(btrim(phone), '[ -]', '', 'g'), 4)
              ELSE holomap_mask_other_phone(phone) END
$$;
