-- Per-layer data versions for tile and OGC ETags: statement-level triggers bump a layer's version whenever
-- its table (or, for beats, the plans that decide which beats are current) changes.

CREATE OR REPLACE FUNCTION holomap_bump_layer()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public'
AS $$
BEGIN
  UPDATE layer_version SET version = version + 1, changed_at = clock_timestamp() WHERE layer = TG_ARGV[0];
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS beat_bump_layer_beats ON beat;
CREATE TRIGGER beat_bump_layer_beats AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON beat
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_layer('beats');

DROP TRIGGER IF EXISTS beat_plan_bump_layer_beats ON beat_plan;
CREATE TRIGGER beat_plan_bump_layer_beats AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON beat_plan
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_layer('beats');

DROP TRIGGER IF EXISTS village_bump_layer_villages ON village;
CREATE TRIGGER village_bump_layer_villages AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON village
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_layer('villages');

DROP TRIGGER IF EXISTS building_bump_layer_buildings ON building;
CREATE TRIGGER building_bump_layer_buildings AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON building
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_layer('buildings');

DROP TRIGGER IF EXISTS station_bump_layer_stations ON station;
CREATE TRIGGER station_bump_layer_stations AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON station
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_layer('stations');
