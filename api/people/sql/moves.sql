-- 迁入/迁出 move history (migration 0006): a resident registered in a household moves in; a change of
-- household moves out of the old and into the new one; a move-out date set moves out. Kept by the
-- database so every path (API, import, seed) records it; read through row-level security (policies.sql).
CREATE OR REPLACE FUNCTION holomap_person_move() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.household_id IS NOT NULL THEN
      INSERT INTO person_move (person_id, household_id, kind, moved_on, recorded_by)
      VALUES (NEW.id, NEW.household_id, 'in', NEW.moved_in, holomap_request_user());
    END IF;
    IF NEW.moved_out IS NOT NULL THEN
      INSERT INTO person_move (person_id, household_id, kind, moved_on, recorded_by)
      VALUES (NEW.id, NEW.household_id, 'out', NEW.moved_out, holomap_request_user());
    END IF;
    RETURN NULL;
  END IF;
  IF NEW.household_id IS DISTINCT FROM OLD.household_id THEN
    IF OLD.household_id IS NOT NULL AND OLD.moved_out IS NULL THEN
      INSERT INTO person_move (person_id, household_id, kind, moved_on, recorded_by)
      VALUES (NEW.id, OLD.household_id, 'out', coalesce(NEW.moved_in, NEW.moved_out), holomap_request_user());
    END IF;
    IF NEW.household_id IS NOT NULL THEN
      INSERT INTO person_move (person_id, household_id, kind, moved_on, recorded_by)
      VALUES (NEW.id, NEW.household_id, 'in', NEW.moved_in, holomap_request_user());
    END IF;
  ELSIF NEW.moved_out IS DISTINCT FROM OLD.moved_out AND NEW.moved_out IS NOT NULL THEN
    INSERT INTO person_move (person_id, household_id, kind, moved_on, recorded_by)
    VALUES (NEW.id, NEW.household_id, 'out', NEW.moved_out, holomap_request_user());
  ELSIF NEW.moved_out IS NULL AND OLD.moved_out IS NOT NULL THEN
    -- moved back in (a move-out cleared)
    INSERT INTO person_move (person_id, household_id, kind, moved_on, recorded_by)
    VALUES (NEW.id, NEW.household_id, 'in', NEW.moved_in, holomap_request_user());
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS person_move ON person;
CREATE TRIGGER person_move AFTER INSERT OR UPDATE OF household_id, moved_out ON person
FOR EACH ROW EXECUTE FUNCTION holomap_person_move();
