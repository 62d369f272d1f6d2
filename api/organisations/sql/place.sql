-- 实有单位 (issue 17): the database keeps an organisation's station and beat (its scope, as a household's
-- beat_id): from its building on insert and on a change of building, and when a plan of the station is
-- published.

-- an organisation's station and beat from its building: the published beat covering the building, else the
-- beat of one of its households
CREATE OR REPLACE FUNCTION holomap_organisation_place() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  SELECT b.station_id,
         coalesce((SELECT bt.id FROM beat bt
                   JOIN beat_plan p ON p.id = bt.plan_id AND p.status = 'published' AND p.station_id = b.station_id
                   WHERE ST_Covers(bt.geom, b.centroid) ORDER BY bt.id LIMIT 1),
                  (SELECT h.beat_id FROM household h WHERE h.building_id = b.id AND h.beat_id IS NOT NULL
                   ORDER BY h.id LIMIT 1))
  INTO NEW.station_id, NEW.beat_id
  FROM building b WHERE b.id = NEW.building_id;
  RETURN NEW;
END $$;

-- a plan published: the organisations of its station move to the new plan's beats
CREATE OR REPLACE FUNCTION holomap_publish_organisations() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE organisation o SET beat_id = coalesce(
    (SELECT bt.id FROM beat bt, building b
     WHERE b.id = o.building_id AND bt.plan_id = NEW.id AND ST_Covers(bt.geom, b.centroid)
     ORDER BY bt.id LIMIT 1), o.beat_id)
  WHERE o.station_id = NEW.station_id;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS organisation_place ON organisation;
CREATE TRIGGER organisation_place BEFORE INSERT OR UPDATE OF building_id ON organisation
FOR EACH ROW EXECUTE FUNCTION holomap_organisation_place();
DROP TRIGGER IF EXISTS beat_plan_publish_organisations ON beat_plan;
CREATE TRIGGER beat_plan_publish_organisations AFTER UPDATE OF status ON beat_plan
FOR EACH ROW WHEN (NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published')
EXECUTE FUNCTION holomap_publish_organisations();
