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

-- Buildings: only the columns a map layer, the OGC API or a cache keyed by this version reads (tiles: id, kind,
-- floors, units, footprint, centroid; OGC items: those and address, std_address_code, built_year, village_id,
-- station_id; repeat locations: centroid, station_id). Owner and use corrections (出租屋/房屋用途, PATCH
-- /api/buildings/{id}) are in none of them, so they keep every building tile, its ETag and the caches.
-- tests/tiles/test_layer_version.py fails when a query reads a building column missing here.
DROP TRIGGER IF EXISTS building_bump_layer_buildings ON building;
CREATE TRIGGER building_bump_layer_buildings AFTER INSERT OR DELETE OR TRUNCATE
  OR UPDATE OF id, station_id, village_id, address, std_address_code, footprint, centroid, floors, units, kind,
  built_year ON building
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_layer('buildings');

DROP TRIGGER IF EXISTS station_bump_layer_stations ON station;
CREATE TRIGGER station_bump_layer_stations AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON station
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_layer('stations');
