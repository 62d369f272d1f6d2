-- Residents per beat, versioned: beat_residents_gen holds one row per beat with gen, a value from
-- beat_residents_gen_seq written by statement triggers whenever a statement changes who counts as a
-- resident of the beat (holomap_beat_residents: persons not moved out, by their household's beat): a person
-- inserted or deleted, moved to another household, moved out or back; a household moved to another beat.
-- The residents cache of api/analytics/residents.py recounts exactly the beats whose gen changed.
-- Statement-level triggers with transition tables (one upsert per statement, as incident_chunks.sql);
-- the upsert locks the beat's row until commit, so two writers of one beat's residents queue there.

-- persons inserted or deleted: the beats of their households (rows of either transition table)
CREATE OR REPLACE FUNCTION holomap_beat_residents_rows()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO beat_residents_gen (beat_id, gen)
    SELECT k.beat_id, nextval('beat_residents_gen_seq')
    FROM (SELECT DISTINCT h.beat_id FROM new_rows n JOIN household h ON h.id = n.household_id
          WHERE h.beat_id IS NOT NULL ORDER BY 1) AS k
    ON CONFLICT (beat_id) DO UPDATE SET gen = EXCLUDED.gen;
  ELSE
    INSERT INTO beat_residents_gen (beat_id, gen)
    SELECT k.beat_id, nextval('beat_residents_gen_seq')
    FROM (SELECT DISTINCT h.beat_id FROM old_rows o JOIN household h ON h.id = o.household_id
          WHERE h.beat_id IS NOT NULL ORDER BY 1) AS k
    ON CONFLICT (beat_id) DO UPDATE SET gen = EXCLUDED.gen;
  END IF;
  RETURN NULL;
END $$;

-- persons updated: the old and new households' beats of rows whose household or moved_out changed
CREATE OR REPLACE FUNCTION holomap_beat_residents_update()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  INSERT INTO beat_residents_gen (beat_id, gen)
  SELECT k.beat_id, nextval('beat_residents_gen_seq')
  FROM (
    SELECT h.beat_id FROM old_rows o JOIN new_rows n ON n.id = o.id
    JOIN household h ON h.id IN (o.household_id, n.household_id)
    WHERE (o.household_id, o.moved_out IS NULL) IS DISTINCT FROM (n.household_id, n.moved_out IS NULL)
      AND h.beat_id IS NOT NULL
    UNION
    -- a changed id (never done by the app) counts as a delete and an insert
    SELECT h.beat_id FROM old_rows o JOIN household h ON h.id = o.household_id
    WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id) AND h.beat_id IS NOT NULL
    UNION
    SELECT h.beat_id FROM new_rows n JOIN household h ON h.id = n.household_id
    WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id) AND h.beat_id IS NOT NULL
    ORDER BY 1
  ) AS k
  ON CONFLICT (beat_id) DO UPDATE SET gen = EXCLUDED.gen;
  RETURN NULL;
END $$;

-- households moved between beats: both beats (the residents move with their household)
CREATE OR REPLACE FUNCTION holomap_household_residents_move()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  INSERT INTO beat_residents_gen (beat_id, gen)
  SELECT k.beat_id, nextval('beat_residents_gen_seq')
  FROM (
    SELECT b.beat_id FROM old_rows o JOIN new_rows n ON n.id = o.id,
         LATERAL (VALUES (o.beat_id), (n.beat_id)) AS b(beat_id)
    WHERE o.beat_id IS DISTINCT FROM n.beat_id AND b.beat_id IS NOT NULL
    UNION
    SELECT o.beat_id FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id)
      AND o.beat_id IS NOT NULL
    UNION
    SELECT n.beat_id FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id)
      AND n.beat_id IS NOT NULL
    ORDER BY 1
  ) AS k
  ON CONFLICT (beat_id) DO UPDATE SET gen = EXCLUDED.gen;
  RETURN NULL;
END $$;

-- persons truncated: every beat
CREATE OR REPLACE FUNCTION holomap_beat_residents_all()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  INSERT INTO beat_residents_gen (beat_id, gen)
  SELECT b.id, nextval('beat_residents_gen_seq') FROM beat b ORDER BY 1
  ON CONFLICT (beat_id) DO UPDATE SET gen = EXCLUDED.gen;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS person_beat_residents_ins ON person;
CREATE TRIGGER person_beat_residents_ins AFTER INSERT ON person
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION holomap_beat_residents_rows();

DROP TRIGGER IF EXISTS person_beat_residents_del ON person;
CREATE TRIGGER person_beat_residents_del AFTER DELETE ON person
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION holomap_beat_residents_rows();

DROP TRIGGER IF EXISTS person_beat_residents_upd ON person;
CREATE TRIGGER person_beat_residents_upd AFTER UPDATE ON person
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION holomap_beat_residents_update();

DROP TRIGGER IF EXISTS person_beat_residents_trunc ON person;
CREATE TRIGGER person_beat_residents_trunc AFTER TRUNCATE ON person
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_beat_residents_all();

DROP TRIGGER IF EXISTS household_beat_residents_upd ON household;
CREATE TRIGGER household_beat_residents_upd AFTER UPDATE ON household
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION holomap_household_residents_move();
