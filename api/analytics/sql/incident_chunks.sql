-- Heat map cache versions: incident_chunk holds one row per incident category and local month with gen, a
-- value from incident_chunk_gen_seq written by statement triggers whenever a statement inserts, deletes or
-- truncates incidents of that chunk, or changes an incident's category, time, place, station, beat or victim
-- household (the repeat-victim counts of api/analytics/victims.py are cached by these versions too)
-- (api/analytics/cells.py). Row-level triggers are avoided: one upsert per statement keeps COPY cheap.

CREATE OR REPLACE FUNCTION holomap_incident_chunk_insert()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  INSERT INTO incident_chunk (category, month, gen)
  SELECT k.category, k.month, nextval('incident_chunk_gen_seq')
  FROM (SELECT DISTINCT category, date_trunc('month', timezone('Asia/Shanghai', occurred_at))::date AS month FROM new_rows) AS k
  ON CONFLICT (category, month) DO UPDATE SET gen = EXCLUDED.gen;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION holomap_incident_chunk_delete()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  INSERT INTO incident_chunk (category, month, gen)
  SELECT k.category, k.month, nextval('incident_chunk_gen_seq')
  FROM (SELECT DISTINCT category, date_trunc('month', timezone('Asia/Shanghai', occurred_at))::date AS month FROM old_rows) AS k
  ON CONFLICT (category, month) DO UPDATE SET gen = EXCLUDED.gen;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION holomap_incident_chunk_update()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  INSERT INTO incident_chunk (category, month, gen)
  SELECT k.category, k.month, nextval('incident_chunk_gen_seq')
  FROM (
    SELECT o.category, date_trunc('month', timezone('Asia/Shanghai', o.occurred_at))::date AS month FROM old_rows o
    WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id AND (category, occurred_at, x_3857, y_3857, station_id, beat_id, household_id) IS NOT DISTINCT FROM
                      (o.category, o.occurred_at, o.x_3857, o.y_3857, o.station_id, o.beat_id, o.household_id))
    UNION
    SELECT n.category, date_trunc('month', timezone('Asia/Shanghai', n.occurred_at))::date FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id AND (category, occurred_at, x_3857, y_3857, station_id, beat_id, household_id) IS NOT DISTINCT FROM
                      (n.category, n.occurred_at, n.x_3857, n.y_3857, n.station_id, n.beat_id, n.household_id))
  ) AS k
  ON CONFLICT (category, month) DO UPDATE SET gen = EXCLUDED.gen;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION holomap_incident_chunk_truncate()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  UPDATE incident_chunk SET gen = nextval('incident_chunk_gen_seq');
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS incident_chunk_insert ON incident;
CREATE TRIGGER incident_chunk_insert AFTER INSERT ON incident
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION holomap_incident_chunk_insert();

DROP TRIGGER IF EXISTS incident_chunk_delete ON incident;
CREATE TRIGGER incident_chunk_delete AFTER DELETE ON incident
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION holomap_incident_chunk_delete();

DROP TRIGGER IF EXISTS incident_chunk_update ON incident;
CREATE TRIGGER incident_chunk_update AFTER UPDATE ON incident
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION holomap_incident_chunk_update();

DROP TRIGGER IF EXISTS incident_chunk_truncate ON incident;
CREATE TRIGGER incident_chunk_truncate AFTER TRUNCATE ON incident
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_incident_chunk_truncate();
