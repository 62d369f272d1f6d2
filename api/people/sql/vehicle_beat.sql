-- vehicle.beat_id (migration 0009): the beat of the vehicle's household (its own, else its owner's), kept by
-- the database on every path (API, import, plan publish), so that search finds the vehicles in a user's beats
-- from an index that leads with the beat (api/places/sql/search.sql) instead of every vehicle of the county.
-- A bulk load (holomap.bulk_load = on) sets the column once, set-based (seed/loader.py AFTER_LOAD).
CREATE OR REPLACE FUNCTION holomap_vehicle_beat() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NEW;
  END IF;
  NEW.beat_id := (SELECT h.beat_id FROM household h
                  WHERE h.id = coalesce(NEW.household_id,
                                        (SELECT p.household_id FROM person p WHERE p.id = NEW.owner_person_id)));
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS vehicle_beat ON vehicle;
CREATE TRIGGER vehicle_beat BEFORE INSERT OR UPDATE OF household_id, owner_person_id ON vehicle
FOR EACH ROW EXECUTE FUNCTION holomap_vehicle_beat();

-- a household changing beat (plan publish, corrections) carries its vehicles and its members' vehicles
-- without a household of their own; one statement for every household the statement moved
CREATE OR REPLACE FUNCTION holomap_household_vehicles_beat() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  UPDATE vehicle v SET beat_id = n.beat_id
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE n.beat_id IS DISTINCT FROM o.beat_id
    AND (v.household_id = n.id
         OR (v.household_id IS NULL
             AND v.owner_person_id IN (SELECT p.id FROM person p WHERE p.household_id = n.id)))
    AND v.beat_id IS DISTINCT FROM n.beat_id;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS household_vehicles_beat ON household;
CREATE TRIGGER household_vehicles_beat AFTER UPDATE ON household
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION holomap_household_vehicles_beat();

-- a resident moving to another household carries the vehicles registered to them without a household
CREATE OR REPLACE FUNCTION holomap_owner_vehicles_beat() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  UPDATE vehicle v SET beat_id = (SELECT h.beat_id FROM household h WHERE h.id = NEW.household_id)
  WHERE v.owner_person_id = NEW.id AND v.household_id IS NULL;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS person_vehicles_beat ON person;
CREATE TRIGGER person_vehicles_beat AFTER UPDATE OF household_id ON person
FOR EACH ROW WHEN (NEW.household_id IS DISTINCT FROM OLD.household_id)
EXECUTE FUNCTION holomap_owner_vehicles_beat();
