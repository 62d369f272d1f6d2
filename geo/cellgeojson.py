"""GeoJSON text of many square or hexagon cells at once (the heat map's FeatureCollection features).

Same output as building each cell with ``geo.binning.cell_polygon`` and ``json.dumps`` (lon/lat rounded
to 6 decimals), ~50× faster: cell vertices share few coordinates — a hexagon's x depends only on its
column, its y only on its half-row — so each distinct longitude and latitude is computed and formatted
once, and every feature is assembled from pre-formatted pieces with one ``str.join``.

Vertex x of hexagon column i: ``s·(1.5·i + dx)``, dx ∈ {−1, −½, ½, 1}, i.e. ``s·(q/2)`` with
``q = 3i + 2dx``; vertex y: ``h·(j + ½·(|i| mod 2) + dy)``, dy ∈ {−½, 0, ½}, i.e. ``h·(m/2)`` with
``m = 2j + (|i| mod 2) + 2dy`` — q/2 and m/2 are exact, so the values equal binning.hex_polygon's.
"""
from __future__ import annotations

import json
import math

import numpy as np

from geo.binning import SQRT3, mercator_to_lonlat

COORD_DIGITS = 6
HEAD = '{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[['
# hexagon ring (binning._HEX_X / _HEX_Y): (2·dx, 2·dy) per vertex
_HEX_RING = ((-2, 0), (-1, -1), (1, -1), (2, 0), (1, 1), (-1, 1), (-2, 0))
_SQUARE_RING = ((0, 0), (1, 0), (1, 1), (0, 1), (0, 0))


def _numbers(values: np.ndarray) -> np.ndarray:
    """Each value as json.dumps writes round(value, 6), in an object array."""
    return np.array([repr(round(v, COORD_DIGITS)) for v in values.tolist()], dtype=object)


def _strings(values: np.ndarray) -> np.ndarray:
    return np.array(list(map(str, values.tolist())), dtype=object)


def _texts(indices: list[np.ndarray], value, lonlat: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Formatted lon (lonlat=0) or lat (1) of every distinct vertex index, and each index's position."""
    lo = int(min(a.min() for a in indices))
    hi = int(max(a.max() for a in indices))
    if hi - lo < 4 * len(indices[0]) + 1024:  # dense: every index in the range
        distinct, positions = np.arange(lo, hi + 1), [a - lo for a in indices]
    else:
        distinct, inverse = np.unique(np.concatenate(indices), return_inverse=True)
        positions = np.split(inverse, len(indices))
    v = value(distinct)
    coords = mercator_to_lonlat(v, 0.0)[0] if lonlat == 0 else mercator_to_lonlat(0.0, v)[1]
    return _numbers(np.atleast_1d(coords)), positions


def json_values(values, digits: int | None = None) -> np.ndarray:
    """Each value as JSON text (floats rounded to `digits` like round(); strings quoted), object array."""
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if digits is not None:
        items = [round(v, digits) for v in items]
    if all(type(v) is int or (type(v) is float and math.isfinite(v)) for v in items):
        return np.array(list(map(repr, items)), dtype=object)
    return np.array([json.dumps(v, ensure_ascii=False) for v in items], dtype=object)


def features(kind: str, size: float, i: np.ndarray, j: np.ndarray, counts: np.ndarray,
             extra: list[tuple[str, np.ndarray]] | None = None) -> str:
    """`[feature, …]` for cells (i, j) with a `count` property each, in the order given; `extra`: further
    properties as (name, JSON text per cell, see json_values)."""
    if len(i) == 0:
        return "[]"
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    size = float(size)
    if kind == "square":  # binning.square_polygon: float(i + d) * s
        ring = _SQUARE_RING
        cols, rows = [i + dx for dx, _ in ring], [j + dy for _, dy in ring]
        lon_text, col_pos = _texts(cols, lambda q: q.astype(float) * size, 0)
        lat_text, row_pos = _texts(rows, lambda m: m.astype(float) * size, 1)
    else:
        ring = _HEX_RING
        odd = np.abs(i) % 2
        height = SQRT3 * size
        cols, rows = [3 * i + dx for dx, _ in ring], [2 * j + odd + dy for _, dy in ring]
        lon_text, col_pos = _texts(cols, lambda q: size * (q / 2.0), 0)
        lat_text, row_pos = _texts(rows, lambda m: height * (m / 2.0), 1)
    last = len(ring) - 1
    pieces = []
    for k in range(len(ring)):
        pieces.append((HEAD if k == 0 else "],[") + lon_text[col_pos[k]] + ",")
        lat = lat_text[row_pos[k]]
        pieces.append(lat if k < last else lat + ']]]},"properties":{"cell":"')
    tail = _strings(i) + "," + _strings(j) + '","count":' + _strings(np.asarray(counts))
    for name, texts in extra or ():
        tail = tail + f",{json.dumps(name)}:" + texts
    pieces.append(tail + "}}")
    table = np.stack(pieces, axis=1)
    table[:-1, -1] += ","
    return "[" + "".join(table.ravel().tolist()) + "]"
