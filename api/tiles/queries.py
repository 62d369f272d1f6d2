"""SQL of the vector tiles: ST_AsMVT per layer and zoom band, and the layers' data versions.

Every query takes :z, :x, :y, :extent, :buffer and :margin (buffer / extent) and answers one bytea.
Building footprints are small, so they are not clipped (clip_geom false: much cheaper, renderers clip
to the buffer); beats and villages are clipped. Below zoom 15 buildings are lighter (fewer properties,
coarser extent) and below 14 they are aggregated to one point per grid cell with a count.
"""


_TILE = """
WITH tile AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS env,
         ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS env4326
)
"""

BUILDINGS_DETAIL = _TILE + """
SELECT ST_AsMVT(f, 'buildings', :extent, 'geom', 'id') FROM (
  SELECT b.id, b.kind, b.floors, b.units,
         ST_AsMVTGeom(ST_Transform(b.footprint, 3857), tile.env, :extent, :buffer, false) AS geom
  FROM building b, tile
  WHERE b.footprint && tile.env4326
) f WHERE f.geom IS NOT NULL
"""

BUILDINGS_LIGHT = _TILE + """
SELECT ST_AsMVT(f, 'buildings', :extent, 'geom', 'id') FROM (
  SELECT b.id, b.kind,
         ST_AsMVTGeom(ST_Transform(b.footprint, 3857), tile.env, :extent, :buffer, false) AS geom
  FROM building b, tile
  WHERE b.footprint && tile.env4326
) f WHERE f.geom IS NOT NULL
"""

# one point per :cell_m grid cell (web-mercator metres) with the number of buildings in it
BUILDINGS_AGGREGATE = _TILE + """
SELECT ST_AsMVT(f, 'buildings', :extent, 'geom') FROM (
  SELECT count(*)::int AS buildings, sum(c.floors)::int AS floors,
         ST_AsMVTGeom(ST_Centroid(ST_Collect(c.pt)), (SELECT env FROM tile), :extent, :buffer, true) AS geom
  FROM (SELECT ST_Transform(b.centroid, 3857) AS pt, b.floors
        FROM building b, tile WHERE b.centroid && tile.env4326) c
  GROUP BY ST_SnapToGrid(c.pt, :cell_m)
) f WHERE f.geom IS NOT NULL
"""

BEATS = _TILE + """
SELECT ST_AsMVT(f, 'beats', :extent, 'geom', 'id') FROM (
  SELECT b.id, b.code, b.name, b.kind, p.station_id,
         ST_AsMVTGeom(ST_Simplify(ST_Transform(b.geom, 3857), :tolerance_m, true), tile.env, :extent, :buffer,
                      true) AS geom
  FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published', tile
  WHERE b.geom && tile.env4326
) f WHERE f.geom IS NOT NULL
"""

VILLAGES = _TILE + """
SELECT ST_AsMVT(f, 'villages', :extent, 'geom', 'id') FROM (
  SELECT v.id, v.code, v.name, v.kind,
         ST_AsMVTGeom(ST_Simplify(ST_Transform(v.geom, 3857), :tolerance_m, true), tile.env, :extent, :buffer,
                      true) AS geom
  FROM village v, tile
  WHERE v.geom && tile.env4326
) f WHERE f.geom IS NOT NULL
"""

# the request's user check (token not revoked, account active) and the layer's data version in one
# statement (api/tiles/sql/map_request.sql), run by api.db.one_row
MAP_REQUEST = "SELECT user_ok, version, changed_at FROM holomap_map_request(:user_id, :jti, :iat, :layer)"
