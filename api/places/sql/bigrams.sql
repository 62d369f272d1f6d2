-- The distinct two-character pieces of a text: the GIN index ix_building_address_bigrams (migration 0009) finds
-- the buildings whose address holds a 2-character search fragment, which has no trigram (api/places/sql/search.sql).
-- An index expression: changing what this returns needs the index rebuilt (REINDEX) in the same migration.
CREATE OR REPLACE FUNCTION holomap_bigrams(p_text text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT coalesce(array_agg(DISTINCT substr(p_text, i, 2)), '{}')
  FROM generate_series(1, char_length(p_text) - 1) AS i
$$;
