"""Vector tiles: which SQL answers a layer at a zoom, the layer's data version, and a small tile cache."""
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from api.errors import NotFound
from api.tiles import queries

LAYERS = ("beats", "villages", "buildings")
MAX_ZOOM = 22
BUILDINGS_MIN_ZOOM = 10  # below this a building layer tile would cover a whole county: answer empty
WEB_MERCATOR_WIDTH_M = 40_075_016.685578488
# rendered tiles kept per process (0 turns the cache off, e.g. to benchmark tile generation)
CACHE_TILES = int(os.environ.get("HOLOMAP_TILE_CACHE", "4096"))


@dataclass(frozen=True)
class TileQuery:
    """The SQL and parameters that build one tile."""

    sql: str
    params: dict


def tile_query(*, layer: str, z: int, x: int, y: int) -> TileQuery | None:
    """The query for a tile, or None when the layer shows nothing at this zoom."""
    if layer not in LAYERS:
        raise NotFound(f"no tile layer {layer!r}; the layers are {', '.join(LAYERS)}",
                       code="tile.unknown_layer",
                       params={"layer": layer, "layers": list(LAYERS)})
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise NotFound(f"tile {z}/{x}/{y} does not exist (zoom 0–{MAX_ZOOM}, x and y below 2^zoom)",
                       code="tile.out_of_range",
                       params={"z": z, "x": x, "y": y, "max_zoom": MAX_ZOOM})
    tile_m = WEB_MERCATOR_WIDTH_M / 2**z
    if layer == "buildings":
        if z < BUILDINGS_MIN_ZOOM:
            return None
        if z >= 15:
            sql, extent = queries.BUILDINGS_DETAIL, 4096
        elif z == 14:
            sql, extent = queries.BUILDINGS_LIGHT, 1024
        else:
            sql, extent = queries.BUILDINGS_AGGREGATE, 256
    else:
        sql, extent = (queries.BEATS if layer == "beats" else queries.VILLAGES), 4096
    buffer = extent // 64
    params = {"z": z, "x": x, "y": y, "extent": extent, "buffer": buffer, "margin": buffer / extent,
              "tolerance_m": tile_m / extent, "cell_m": tile_m / 32}
    return TileQuery(sql=sql, params=params)


def layer_etag(*, layer: str, version: int | None, changed_at: datetime | None) -> str:
    """A weak ETag that changes whenever the layer's data changes (layer_version, bumped by triggers)."""
    if version is None or changed_at is None:
        return 'W/"0"'
    return f'W/"{layer}-{version}-{int(changed_at.timestamp() * 1e6):x}"'


class TileCache:
    """A process-local LRU of rendered tiles keyed by (etag, layer, z, x, y): a new version never hits."""

    def __init__(self, size: int = CACHE_TILES):
        self.size = size
        self._tiles: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is not None:
                self._tiles.move_to_end(key)
            return tile

    def put(self, key: tuple, tile: bytes) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._tiles[key] = tile
            self._tiles.move_to_end(key)
            while len(self._tiles) > self.size:
                self._tiles.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._tiles.clear()
