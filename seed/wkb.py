"""A local metric frame (metres ↔ WGS84 degrees) and bulk EWKB hex encoders for COPY."""

import math

import numpy as np
import shapely

SRID = 4326
_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")])
_RECT = np.dtype(
    [
        ("order", "u1"),
        ("type", "<u4"),
        ("srid", "<u4"),
        ("rings", "<u4"),
        ("points", "<u4"),
        ("xy", "<f8", (10,)),
    ]
)
_EWKB_SRID_FLAG = 0x20000000


class Frame:
    """East/north metres around (lon0, lat0), converted to degrees with the local ellipsoid scale."""

    def __init__(self, lon0: float, lat0: float) -> None:
        phi = math.radians(lat0)
        self.lon0, self.lat0 = lon0, lat0
        self.m_per_deg_lat = 111_132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
        self.m_per_deg_lon = 111_412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi) + 0.118 * math.cos(5 * phi)

    def lon(self, x: np.ndarray) -> np.ndarray:
        """Longitudes of eastings (m)."""
        return self.lon0 + np.asarray(x) / self.m_per_deg_lon

    def lat(self, y: np.ndarray) -> np.ndarray:
        """Latitudes of northings (m)."""
        return self.lat0 + np.asarray(y) / self.m_per_deg_lat

    def to_degrees(self, coords: np.ndarray) -> np.ndarray:
        """(N, 2) metres → (N, 2) lon/lat."""
        return np.column_stack([self.lon(coords[:, 0]), self.lat(coords[:, 1])])

    def geoms_to_degrees(self, geoms: np.ndarray) -> np.ndarray:
        """Shapely geometries in metres → the same geometries in lon/lat (vertex by vertex)."""
        return shapely.transform(geoms, self.to_degrees)


def _split_hex(buffer: np.ndarray) -> list[str]:
    text = buffer.tobytes().hex()
    width = 2 * buffer.dtype.itemsize
    return [text[i : i + width] for i in range(0, len(text), width)]


def points_hex(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """EWKB hex of Point(lon, lat) in SRID 4326, one string per row."""
    rows = np.empty(len(lon), dtype=_POINT)
    rows["order"], rows["type"], rows["srid"] = 1, _EWKB_SRID_FLAG | 1, SRID
    rows["x"], rows["y"] = lon, lat
    return _split_hex(rows)


def rectangle_corners(
    cx: np.ndarray, cy: np.ndarray, width: np.ndarray, depth: np.ndarray, angle: np.ndarray
) -> np.ndarray:
    """(N, 5, 2) closed rings of rectangles centred at (cx, cy), `width` along `angle` (radians)."""
    ux, uy = np.cos(angle), np.sin(angle)
    half_w, half_d = width / 2, depth / 2
    signs = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)], dtype=float)
    ax = signs[:, 0][None, :] * half_w[:, None]
    ay = signs[:, 1][None, :] * half_d[:, None]
    x = cx[:, None] + ax * ux[:, None] - ay * uy[:, None]
    y = cy[:, None] + ax * uy[:, None] + ay * ux[:, None]
    return np.stack([x, y], axis=-1)


def rectangles_hex(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """EWKB hex of rectangular Polygons from (N, 5) closed rings of lon and lat."""
    rows = np.empty(len(lon), dtype=_RECT)
    rows["order"], rows["type"], rows["srid"] = 1, _EWKB_SRID_FLAG | 3, SRID
    rows["rings"], rows["points"] = 1, 5
    xy = np.empty((len(lon), 10))
    xy[:, 0::2], xy[:, 1::2] = lon, lat
    rows["xy"] = xy
    return _split_hex(rows)


def geometries_hex(geoms: np.ndarray | list, *, multi: bool = False) -> list[str]:
    """EWKB hex (SRID 4326) of shapely geometries; `multi` wraps Polygons as MultiPolygons."""
    geoms = np.asarray(geoms, dtype=object)
    if multi:
        geoms = np.array(
            [g if g.geom_type == "MultiPolygon" else shapely.multipolygons([g]) for g in geoms], dtype=object
        )
    return shapely.to_wkb(shapely.set_srid(geoms, SRID), hex=True, include_srid=True).tolist()
