"""Coordinate systems used by Chinese map sources: WGS84/CGCS2000, GCJ-02 (高德/腾讯) and BD-09 (百度).

The forward conversions WGS84 → GCJ-02 → BD-09 are the public closed formulas (Krasovsky constants
a=6378245.0, ee=0.00669342162296594323; BD-09 with x_pi = π·3000/180). They are exact by definition.
The inverses have no closed form; they are solved by fixed-point iteration until the step is below
1e-9° (≈0.1 mm), so a round trip is exact to well under a millimetre.

CGCS2000 differs from WGS84 by a few centimetres, far below map precision, so both are treated as
the same system here. GCJ-02 leaves points outside the usual China bounding box unchanged.
All functions accept floats or numpy arrays (element-wise).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

A_KRASOVSKY = 6378245.0
EE_KRASOVSKY = 0.00669342162296594323
X_PI = math.pi * 3000.0 / 180.0
INVERSE_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 30

CRS_NAMES = ("WGS84", "CGCS2000", "GCJ02", "BD09")
_ALIASES = {
    "WGS84": "WGS84", "WGS1984": "WGS84", "EPSG4326": "WGS84", "4326": "WGS84", "CRS84": "WGS84",
    "OGCCRS84": "WGS84", "URNOGCDEFCRSOGC13CRS84": "WGS84", "URNOGCDEFCRSEPSG4326": "WGS84",
    "CGCS2000": "CGCS2000", "CGCS": "CGCS2000", "EPSG4490": "CGCS2000", "4490": "CGCS2000",
    "GCJ02": "GCJ02", "GCJ": "GCJ02", "MARS": "GCJ02", "AMAP": "GCJ02", "GAODE": "GCJ02",
    "BD09": "BD09", "BD09LL": "BD09", "BAIDU": "BD09",
}


class UnknownCrsError(ValueError):
    """A coordinate system name that Holomap does not convert."""


def normalize_crs_name(name: str) -> str:
    """Canonical name ("WGS84", "CGCS2000", "GCJ02", "BD09") for variants like "EPSG:4490", "gcj-02"."""
    key = "".join(char for char in name.upper() if char.isalnum())
    try:
        return _ALIASES[key]
    except KeyError:
        raise UnknownCrsError(
            f"不支持的坐标系 unknown coordinate system {name!r}; use one of {', '.join(CRS_NAMES)}"
        ) from None


def out_of_china(lon, lat):
    """True where GCJ-02 leaves a point unchanged (outside 73.66–135.05E, 3.86–53.55N)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return ~((lon > 73.66) & (lon < 135.05) & (lat > 3.86) & (lat < 53.55))


def _offset_lat(x, y):
    """GCJ-02 latitude offset term (x, y relative to 105E 35N)."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x, y):
    """GCJ-02 longitude offset term (x, y relative to 105E 35N)."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _result(lon, lat, scalar: bool):
    """Return floats for scalar input, arrays otherwise."""
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def _is_scalar(lon, lat) -> bool:
    """True when both inputs are plain numbers."""
    return np.ndim(lon) == 0 and np.ndim(lat) == 0


def wgs84_to_gcj02(lon, lat):
    """WGS84 → GCJ-02 (exact public formula; unchanged outside China)."""
    scalar = _is_scalar(lon, lat)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlat = _offset_lat(lon - 105.0, lat - 35.0)
    dlon = _offset_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - EE_KRASOVSKY * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A_KRASOVSKY * (1 - EE_KRASOVSKY)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (A_KRASOVSKY / sqrtmagic * np.cos(radlat) * math.pi)
    outside = out_of_china(lon, lat)
    return _result(np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat), scalar)


def gcj02_to_bd09(lon, lat):
    """GCJ-02 → BD-09 (exact public formula)."""
    scalar = _is_scalar(lon, lat)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * X_PI)
    return _result(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, scalar)


def wgs84_to_bd09(lon, lat):
    """WGS84 → BD-09 via GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _invert(forward: Callable, lon, lat):
    """Solve forward(p) = (lon, lat) for p by fixed-point iteration p ← p − (forward(p) − target)."""
    scalar = _is_scalar(lon, lat)
    target_lon = np.asarray(lon, dtype=float)
    target_lat = np.asarray(lat, dtype=float)
    guess_lon, guess_lat = target_lon.copy(), target_lat.copy()
    for _ in range(_MAX_ITERATIONS):
        fwd_lon, fwd_lat = forward(guess_lon, guess_lat)
        step_lon = np.asarray(fwd_lon) - target_lon
        step_lat = np.asarray(fwd_lat) - target_lat
        guess_lon = guess_lon - step_lon
        guess_lat = guess_lat - step_lat
        step = np.maximum(np.abs(step_lon), np.abs(step_lat))
        if not np.any(step >= INVERSE_TOLERANCE_DEG):  # also stops on all-NaN input
            break
    return _result(guess_lon, guess_lat, scalar)


def gcj02_to_wgs84(lon, lat):
    """GCJ-02 → WGS84 (iterative inverse, error < 1e-9°)."""
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_gcj02(lon, lat):
    """BD-09 → GCJ-02 (iterative inverse, error < 1e-9°)."""
    return _invert(gcj02_to_bd09, lon, lat)


def bd09_to_wgs84(lon, lat):
    """BD-09 → WGS84 (iterative inverse of the composed forward, error < 1e-9°)."""
    return _invert(wgs84_to_bd09, lon, lat)


def _identity(lon, lat):
    """No change (WGS84 ↔ CGCS2000)."""
    return lon, lat


_TO_WGS84: dict[str, Callable] = {
    "WGS84": _identity, "CGCS2000": _identity, "GCJ02": gcj02_to_wgs84, "BD09": bd09_to_wgs84,
}
_FROM_WGS84: dict[str, Callable] = {
    "WGS84": _identity, "CGCS2000": _identity, "GCJ02": wgs84_to_gcj02, "BD09": wgs84_to_bd09,
}


def transform_lonlat(lon, lat, src: str, dst: str):
    """Convert coordinates between any two supported systems."""
    source, target = normalize_crs_name(src), normalize_crs_name(dst)
    if _TO_WGS84[source] is _TO_WGS84[target]:
        return _identity(lon, lat)
    return _FROM_WGS84[target](*_TO_WGS84[source](lon, lat))


def transform_geometry(geom: BaseGeometry, src: str, dst: str) -> BaseGeometry:
    """Convert every vertex of a Shapely geometry between coordinate systems (Z values kept)."""
    source, target = normalize_crs_name(src), normalize_crs_name(dst)
    if _TO_WGS84[source] is _TO_WGS84[target]:
        return geom

    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = transform_lonlat(coords[:, 0], coords[:, 1], source, target)
        return np.column_stack([lon, lat, coords[:, 2:]])

    return shapely.transform(geom, convert, include_z=bool(shapely.has_z(geom)))
