"""A small synthetic area (station, village, buildings, a published plan with one beat) for tests and bench.

Created inside the caller's transaction, so a rolled-back test or benchmark leaves nothing behind.
"""
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from api.imports.sample import SampleBuilding

# 0.001° ≈ 90–110 m here; buildings sit on a grid inside a 0.2° square near Binzhou (118.0E, 37.4N)
CREATE_AREA = """
WITH st AS (
  INSERT INTO station (code, name, jurisdiction)
  VALUES (:prefix || 'S', :prefix || '派出所',
          ST_Multi(ST_MakeEnvelope(:lon, :lat, :lon + 0.2, :lat + 0.2, 4326)))
  RETURNING id
), vi AS (
  INSERT INTO village (station_id, code, name, kind, geom)
  SELECT id, :prefix || 'V', :prefix || '村', 'village',
         ST_Multi(ST_MakeEnvelope(:lon, :lat, :lon + 0.2, :lat + 0.2, 4326)) FROM st
  RETURNING id, station_id
), pl AS (
  INSERT INTO beat_plan (station_id, name, status, published_at)
  SELECT station_id, :prefix || '方案', 'published', now() FROM vi RETURNING id
), bt AS (
  INSERT INTO beat (plan_id, code, name, kind, geom)
  SELECT id, :prefix || 'B', :prefix || '警务区', 'rural',
         ST_Multi(ST_MakeEnvelope(:lon, :lat, :lon + 0.2, :lat + 0.2, 4326)) FROM pl
  RETURNING id
)
INSERT INTO building (station_id, village_id, address, std_address_code, footprint, floors, units, kind)
SELECT vi.station_id, vi.id, :prefix || '测试路' || g || '号', :prefix || lpad(g::text, 6, '0'),
       ST_MakeEnvelope(:lon + 0.001 + (g % 150) * 0.0013, :lat + 0.001 + (g / 150) * 0.0013,
                       :lon + 0.0015 + (g % 150) * 0.0013, :lat + 0.0015 + (g / 150) * 0.0013, 4326),
       6, 2, 'residential'
  FROM vi, generate_series(1, :n) AS g
RETURNING std_address_code, address
"""


@dataclass
class SampleArea:
    prefix: str
    station_id: int
    beat_id: int
    buildings: list[SampleBuilding]


def create_area(conn: Connection, *, prefix: str = "IMPT", n_buildings: int = 20,
                lon: float = 118.30, lat: float = 37.60) -> SampleArea:
    """Insert the area and return its ids and buildings (as the sample generator wants them)."""
    rows = conn.execute(text(CREATE_AREA), {"prefix": prefix, "n": n_buildings, "lon": lon, "lat": lat}).all()
    station_id = conn.execute(text("SELECT id FROM station WHERE code = :c"),
                              {"c": prefix + "S"}).scalar_one()
    beat_id = conn.execute(text("SELECT b.id FROM beat b JOIN beat_plan p ON p.id = b.plan_id "
                                "WHERE p.station_id = :s"), {"s": station_id}).scalar_one()
    buildings = [SampleBuilding(code, address, floors=6, units=2) for code, address in rows]
    return SampleArea(prefix=prefix, station_id=station_id, beat_id=beat_id, buildings=buildings)
