-- 数据质量 cache invalidation (migration 0006): a write that can change a check's counts appends the beats it
-- touches to quality_dirty; holomap_quality_board recounts those beats only. Append-only, no unique key, so
-- concurrent writers never wait on one another. Row triggers: a visit or a correction touches one row.

CREATE OR REPLACE FUNCTION holomap_quality_dirty_household() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' AND OLD.beat_id IS NOT NULL THEN
    INSERT INTO quality_dirty (beat_id) VALUES (OLD.beat_id);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.beat_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.beat_id IS DISTINCT FROM OLD.beat_id) THEN
    INSERT INTO quality_dirty (beat_id) VALUES (NEW.beat_id);
  END IF;
  RETURN NULL;
END $$;

-- a resident: the beats of the old and new household, and (duplicates are counted per station) the beats
-- of the residents sharing the old or new name and birth date
CREATE OR REPLACE FUNCTION holomap_quality_dirty_person() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  INSERT INTO quality_dirty (beat_id)
  SELECT DISTINCT h.beat_id FROM household h
  WHERE h.beat_id IS NOT NULL AND h.id IN (
    SELECT CASE WHEN TG_OP <> 'INSERT' THEN OLD.household_id END
    UNION SELECT CASE WHEN TG_OP <> 'DELETE' THEN NEW.household_id END
    UNION SELECT q.household_id FROM person q
          WHERE (TG_OP <> 'INSERT' AND q.name = OLD.name AND q.birth_date = OLD.birth_date)
             OR (TG_OP <> 'DELETE' AND q.name = NEW.name AND q.birth_date = NEW.birth_date));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION holomap_quality_dirty_visit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  INSERT INTO quality_dirty (beat_id)
  SELECT h.beat_id FROM household h
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
  IF TG_OP <> 'INSERT' AND OLD.beat_id IS NOT NULL THEN
    INSERT INTO quality_dirty (beat_id) VALUES (OLD.beat_id);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.beat_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.beat_id IS DISTINCT FROM OLD.beat_id) THEN
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
  INSERT INTO quality_dirty (beat_id)
  SELECT o.beat_id FROM organisation o
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
  INSERT INTO quality_dirty (beat_id)
  SELECT h.beat_id FROM household h WHERE h.building_id = NEW.id AND h.beat_id IS NOT NULL
  UNION SELECT o.beat_id FROM organisation o WHERE o.building_id = NEW.id AND o.beat_id IS NOT NULL;
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
