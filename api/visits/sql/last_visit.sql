-- household.last_visited_at (migration 0009): the newest visit of the household, kept by the database on every
-- path, so that 我的任务 finds the households and key persons due from the index household (beat_id,
-- last_visited_at) instead of the newest visit of every household in scope (api/worklist/queries.py).
-- A new visit moves it forward with greatest() under the household's row lock: visits recorded at the same
-- time both count, in any order. A visit deleted or moved (another time or household) recomputes it after
-- locking the household rows, in a statement of its own (a snapshot that sees every committed visit).
-- A bulk load (holomap.bulk_load = on) sets the column once, set-based (seed/loader.py AFTER_LOAD).
CREATE OR REPLACE FUNCTION holomap_household_last_visit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('holomap.bulk_load', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    UPDATE household h SET last_visited_at = greatest(h.last_visited_at, NEW.visited_at)
    WHERE h.id = NEW.household_id AND h.last_visited_at IS DISTINCT FROM greatest(h.last_visited_at, NEW.visited_at);
    RETURN NULL;
  END IF;
  PERFORM 1 FROM household h
  WHERE h.id IN (OLD.household_id, CASE WHEN TG_OP = 'UPDATE' THEN NEW.household_id END)
  ORDER BY h.id FOR UPDATE;
  UPDATE household h SET last_visited_at = (SELECT max(v.visited_at) FROM visit v WHERE v.household_id = h.id)
  WHERE h.id IN (OLD.household_id, CASE WHEN TG_OP = 'UPDATE' THEN NEW.household_id END);
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS household_last_visit ON visit;
CREATE TRIGGER household_last_visit AFTER INSERT OR DELETE OR UPDATE OF visited_at, household_id ON visit
FOR EACH ROW EXECUTE FUNCTION holomap_household_last_visit();
