-- 数据质量 cache invalidation (migration 0006): a write that can change a check's counts appends the beats it
-- touches to quality_dirty, with the checks it can change (checks, migration 0013; NULL: all);
-- holomap_quality_board recounts those beats' named checks only. Append-only, no unique key, so concurrent
-- writers never wait on one another. Row triggers: a visit or a correction touches one row.
--
-- The checks by what they read (keep in step with holomap_quality_counts, api/quality/sql/quality.sql;
-- tests/quality/test_dirty_checks.py writes each kind and compares the board with a full count):
--   a household's own fields (kind, landlord, lease, building): its household checks and the building check;
--   a resident: the resident checks and the household checks that count residents; its same-name peers
--   (other households): the duplicate check; a visit: the two visit checks; an organisation: the
--   organisation checks and the building check; an employee: 'organisation_no_employees'; a building's
--   standard address code: the building check; a household or organisation changing beat, or inserted or
--   deleted: everything (NULL), as the setting of the checks (thresholds) does.

CREATE OR REPLACE FUNCTION holomap_quality_dirty_household() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.beat_id IS NOT DISTINCT FROM OLD.beat_id THEN
    IF NEW.beat_id IS NOT NULL THEN
      INSERT INTO quality_dirty (beat_id, checks) VALUES (NEW.beat_id, CASE
        WHEN NEW.building_id IS DISTINCT FROM OLD.building_id THEN NULL  -- another station's duplicates maybe
        ELSE ARRAY['room_unmarked_empty', 'household_not_visited', 'rental_incomplete', 'rental_no_tenants',
                   'building_no_address_code'] END);
    END IF;
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' AND OLD.beat_id IS NOT NULL THEN
    INSERT INTO quality_dirty (beat_id) VALUES (OLD.beat_id);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.beat_id IS NOT NULL THEN
    INSERT INTO quality_dirty (beat_id) VALUES (NEW.beat_id);
  END IF;
  RETURN NULL;
END $$;

-- a resident: the beats of the old and new household, and (duplicates are counted per station) the beats
-- of the residents sharing the old or new name and birth date
CREATE OR REPLACE FUNCTION holomap_quality_dirty_person() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  same_identity boolean;
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  -- only the derived beat changed (its household moved, api/people/sql/person_beat.sql): the household's own
  -- trigger marked both beats
  IF TG_OP = 'UPDATE' AND NEW.beat_id IS DISTINCT FROM OLD.beat_id
     AND to_jsonb(NEW) - 'beat_id' = to_jsonb(OLD) - 'beat_id' THEN
    RETURN NULL;
  END IF;
  -- the duplicate flags change only with a name, birth date, household or move-out (the costly check)
  same_identity := TG_OP = 'UPDATE'
    AND (NEW.name, NEW.birth_date, NEW.household_id, NEW.moved_out)
        IS NOT DISTINCT FROM (OLD.name, OLD.birth_date, OLD.household_id, OLD.moved_out);
  INSERT INTO quality_dirty (beat_id, checks)
  SELECT DISTINCT h.beat_id, CASE WHEN same_identity THEN ARRAY[]::text[] ELSE ARRAY['person_duplicate'] END
                             || ARRAY['person_id_conflict', 'person_not_visited', 'person_permit_expiring',
                                      'person_visa_expiring', 'household_no_head', 'room_unmarked_empty',
                                      'rental_no_tenants']
  FROM household h
  WHERE h.beat_id IS NOT NULL AND h.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.household_id END,
                                           CASE WHEN TG_OP <> 'DELETE' THEN NEW.household_id END);
  -- the same name and birth date elsewhere in the station: their duplicate flag
  IF same_identity THEN
    RETURN NULL;
  END IF;
  INSERT INTO quality_dirty (beat_id, checks)
  SELECT DISTINCT h.beat_id, ARRAY['person_duplicate'] FROM household h
  WHERE h.beat_id IS NOT NULL AND h.id IN (
    SELECT q.household_id FROM person q
    WHERE ((TG_OP <> 'INSERT' AND q.name = OLD.name AND q.birth_date = OLD.birth_date)
        OR (TG_OP <> 'DELETE' AND q.name = NEW.name AND q.birth_date = NEW.birth_date))
      AND q.household_id IS DISTINCT FROM (CASE WHEN TG_OP <> 'DELETE' THEN NEW.household_id END)
      AND q.household_id IS DISTINCT FROM (CASE WHEN TG_OP <> 'INSERT' THEN OLD.household_id END));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION holomap_quality_dirty_visit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  INSERT INTO quality_dirty (beat_id, checks)
  SELECT h.beat_id, ARRAY['household_not_visited', 'person_not_visited'] FROM household h
  WHERE h.beat_id IS NOT NULL
    AND h.id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.household_id END,
                 CASE WHEN TG_OP <> 'INSERT' THEN OLD.household_id END);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION holomap_quality_dirty_organisation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.beat_id IS NOT DISTINCT FROM OLD.beat_id THEN
    IF NEW.beat_id IS NOT NULL THEN
      INSERT INTO quality_dirty (beat_id, checks) VALUES (NEW.beat_id, ARRAY[
        'organisation_no_person_in_charge', 'organisation_no_employees', 'organisation_fire_check_overdue',
        'building_no_address_code']);
    END IF;
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' AND OLD.beat_id IS NOT NULL THEN
    INSERT INTO quality_dirty (beat_id) VALUES (OLD.beat_id);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.beat_id IS NOT NULL THEN
    INSERT INTO quality_dirty (beat_id) VALUES (NEW.beat_id);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION holomap_quality_dirty_employee() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  INSERT INTO quality_dirty (beat_id, checks)
  SELECT o.beat_id, ARRAY['organisation_no_employees'] FROM organisation o
  WHERE o.beat_id IS NOT NULL
    AND o.id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.organisation_id END,
                 CASE WHEN TG_OP <> 'INSERT' THEN OLD.organisation_id END);
  RETURN NULL;
END $$;

-- a building's standard address code: the beats of its households and organisations
CREATE OR REPLACE FUNCTION holomap_quality_dirty_building() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  INSERT INTO quality_dirty (beat_id, checks)
  SELECT x.beat_id, ARRAY['building_no_address_code'] FROM (
    SELECT h.beat_id FROM household h WHERE h.building_id = NEW.id AND h.beat_id IS NOT NULL
    UNION SELECT o.beat_id FROM organisation o WHERE o.building_id = NEW.id AND o.beat_id IS NOT NULL) x;
  RETURN NULL;
END $$;

-- the checks' setting (thresholds; app_setting 'quality.checks'): every beat's counts are stale, those of the
-- published plans and any other beat counted. A board counting meanwhile with the old setting (its snapshot
-- predates this commit) leaves these rows for the next read, as for any write.
CREATE OR REPLACE FUNCTION holomap_quality_dirty_setting() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF (CASE WHEN TG_OP = 'DELETE' THEN OLD.key ELSE NEW.key END) <> 'quality.checks'
     OR (TG_OP = 'UPDATE' AND NEW.value IS NOT DISTINCT FROM OLD.value) THEN
    RETURN NULL;
  END IF;
  INSERT INTO quality_dirty (beat_id)
  SELECT b.id FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
  UNION SELECT c.beat_id FROM quality_count c;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS quality_dirty ON household;
CREATE TRIGGER quality_dirty AFTER INSERT OR DELETE OR UPDATE ON household
FOR EACH ROW EXECUTE FUNCTION holomap_quality_dirty_household();
DROP TRIGGER IF EXISTS quality_dirty ON person;
CREATE TRIGGER quality_dirty AFTER INSERT OR DELETE OR UPDATE ON person
FOR EACH ROW EXECUTE FUNCTION holomap_quality_dirty_person();
DROP TRIGGER IF EXISTS quality_dirty ON visit;
CREATE TRIGGER quality_dirty AFTER INSERT OR DELETE OR UPDATE OF household_id, visited_at ON visit
FOR EACH ROW EXECUTE FUNCTION holomap_quality_dirty_visit();
DROP TRIGGER IF EXISTS quality_dirty ON organisation;
CREATE TRIGGER quality_dirty AFTER INSERT OR DELETE OR UPDATE ON organisation
FOR EACH ROW EXECUTE FUNCTION holomap_quality_dirty_organisation();
DROP TRIGGER IF EXISTS quality_dirty ON organisation_employee;
CREATE TRIGGER quality_dirty AFTER INSERT OR DELETE OR UPDATE ON organisation_employee
FOR EACH ROW EXECUTE FUNCTION holomap_quality_dirty_employee();
DROP TRIGGER IF EXISTS quality_dirty ON building;
CREATE TRIGGER quality_dirty AFTER UPDATE OF std_address_code ON building
FOR EACH ROW EXECUTE FUNCTION holomap_quality_dirty_building();
DROP TRIGGER IF EXISTS quality_dirty ON app_setting;
CREATE TRIGGER quality_dirty AFTER INSERT OR DELETE OR UPDATE ON app_setting
FOR EACH ROW EXECUTE FUNCTION holomap_quality_dirty_setting();
