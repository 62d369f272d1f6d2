-- The columns the dashboard's caches load, kept between processes (analytics_stored, migration 0020;
-- api/analytics/stored.py). The app role only reads the table; this definer function is its write: one row
-- per (kind, key), replaced by the newest computation whatever version it holds (a reader uses a row only
-- when its version is the one the reader's own transaction sees).
CREATE OR REPLACE FUNCTION holomap_analytics_store(p_kind text, p_key text, p_version text, p_payload bytea)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  INSERT INTO analytics_stored (kind, key, version, payload) VALUES (p_kind, p_key, p_version, p_payload)
  ON CONFLICT (kind, key) DO UPDATE
  SET version = EXCLUDED.version, payload = EXCLUDED.payload, stored_at = now();
$$;
