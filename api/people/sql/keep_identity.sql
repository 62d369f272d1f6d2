-- An existing person keeps the ID number (birth date and gender follow from it), author and creation time,
-- whoever writes.

CREATE OR REPLACE FUNCTION holomap_person_keep_identity()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF NEW.id_number IS DISTINCT FROM OLD.id_number THEN
    RAISE EXCEPTION 'the ID number of a registered person cannot be changed'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'person_id_number_fixed';
  END IF;
  NEW.created_by := OLD.created_by;
  NEW.created_at := OLD.created_at;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS person_keep_identity ON person;
CREATE TRIGGER person_keep_identity BEFORE UPDATE ON person
  FOR EACH ROW EXECUTE FUNCTION holomap_person_keep_identity();
