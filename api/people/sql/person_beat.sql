-- person.beat_id (migration 0014): the beat of the resident's household, kept by the database on every path
-- (API, import, plan publish), so that search filters its county-wide candidates of an ID or phone tail by scope
-- while reading them, and the worklist's key persons start from the tagged residents of the user's beats
-- (api/places/sql/search.sql, api/worklist/queries.py). As vehicle.beat_id (vehicle_beat.sql). A bulk load
-- (holomap.bulk_load = on) sets the column once, set-based (seed/loader.py AFTER_LOAD).
--
-- A race: a resident written into a household while another transaction moves that household to another beat.
-- The household row is read FOR SHARE, so the writer waits for the move to commit and reads the new beat (READ
-- COMMITTED re-reads a locked row's newest version); a move that starts later waits for the writer to commit, and
-- its statement then sees the new resident and carries it along.
CREATE OR REPLACE FUNCTION holomap_person_beat() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NEW;
  END IF;
  IF NEW.household_id IS NULL THEN
    NEW.beat_id := NULL;
  ELSE
    SELECT h.beat_id INTO NEW.beat_id FROM household h WHERE h.id = NEW.household_id FOR SHARE;
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS person_beat ON person;
CREATE TRIGGER person_beat BEFORE INSERT ON person
FOR EACH ROW EXECUTE FUNCTION holomap_person_beat();
-- a move, or a statement writing the column itself (corrected); not the household trigger's own update below
-- (trigger depth 1: its value is the household's, and re-reading each household cost ~40% of a plan publish's
-- cascade to the residents)
DROP TRIGGER IF EXISTS person_beat_update ON person;
CREATE TRIGGER person_beat_update BEFORE UPDATE OF household_id, beat_id ON person
FOR EACH ROW WHEN (NEW.household_id IS DISTINCT FROM OLD.household_id OR pg_trigger_depth() = 0)
EXECUTE FUNCTION holomap_person_beat();

-- a household changing beat (plan publish, corrections) carries its residents; one statement for every household
-- the statement moved
CREATE OR REPLACE FUNCTION holomap_household_persons_beat() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  UPDATE person p SET beat_id = n.beat_id
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE n.beat_id IS DISTINCT FROM o.beat_id AND p.household_id = n.id AND p.beat_id IS DISTINCT FROM n.beat_id;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS household_persons_beat ON household;
CREATE TRIGGER household_persons_beat AFTER UPDATE ON household
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION holomap_household_persons_beat();
