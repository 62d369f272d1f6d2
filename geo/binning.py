"""Square and hexagon binning of lon/lat points, cell for cell identical to PostGIS grids.

Points are projected to Web Mercator (EPSG:3857, spherical, R = 6378137):
``x = R·λ``, ``y = R·ln(tan(π/4 + φ/2))`` (λ, φ in radians), evaluated as ``R·asinh(tan φ)``
like PROJ does (same value, exact 0 at the equator). ``size`` is in those Mercator units,
exactly as ``ST_SquareGrid(size, …)`` / ``ST_HexagonGrid(size, …)`` on a 3857 geometry; on the
ground a Mercator unit is cos(φ) metres (≈0.79 m at 37.4°N) — use ``ground_to_mercator_size`` to
ask for a cell size in ground metres.

Squares (``ST_Square``): cell (i, j) is ``[i·s, (i+1)·s) × [j·s, (j+1)·s)``, so
``i = floor(x/s)``, ``j = floor(y/s)``.

Hexagons (``ST_Hexagon``): flat-topped, ``s`` is the edge length (= circumradius), height
``h = √3·s``. Cell (i, j) is centred at ``(1.5·s·i, h·(j + 0.5·(|i| mod 2)))`` — odd columns are
shifted up by half a row. A point lies in the hexagon whose centre is nearest, and only two
columns can hold it, so with floor() arithmetic::

    ia = floor(x / (1.5*s))                        -- candidate columns ia and ia + 1
    for c in (ia, ia + 1):
        jc = floor(y/h - 0.5*(abs(c) % 2) + 0.5)   -- nearest row centre in column c
        dc = (x - 1.5*s*c)^2 + (y - h*(jc + 0.5*(abs(c) % 2)))^2
    (i, j) = (ia, j_ia) if d_ia <= d_ia+1 else (ia + 1, j_ia+1)

The same in SQL (``x``, ``y`` from ``ST_Transform(location, 3857)``, ``:s`` the size)::

    SELECT CASE WHEN d0 <= d1 THEN i0 ELSE i0 + 1 END AS i,
           CASE WHEN d0 <= d1 THEN j0 ELSE j1 END AS j
    FROM (SELECT i0, j0, j1,
                 (x - 1.5*:s*i0)^2 + (y - sqrt(3)*:s*(j0 + 0.5*(abs(i0) % 2)))^2 AS d0,
                 (x - 1.5*:s*(i0+1))^2 + (y - sqrt(3)*:s*(j1 + 0.5*(abs(i0+1) % 2)))^2 AS d1
          FROM (SELECT x, y, i0,
                       floor(y/(sqrt(3)*:s) - 0.5*(abs(i0) % 2) + 0.5)::int AS j0,
                       floor(y/(sqrt(3)*:s) - 0.5*(abs(i0+1) % 2) + 0.5)::int AS j1
                FROM (SELECT x, y, floor(x/(1.5*:s))::int AS i0 FROM pts) a) b) c;

``ST_Hexagon(:s, i, j)`` then draws the cell. Checked against PostGIS 3.3 on 6,000 points (cells
from ST_HexagonGrid/ST_SquareGrid + ST_Intersects, and this SQL): identical; ``cells_in_bounds``
lists exactly the cells those grid functions emit for a box. A point exactly on a shared edge goes
to the lower column (``<=``); PostGIS ``ST_Intersects`` against a grid would count it in both.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Polygon

R_MERCATOR = 6378137.0
MAX_LAT = 85.0511287798066
SQRT3 = math.sqrt(3.0)
_HEX_X = (-1.0, -0.5, 0.5, 1.0, 0.5, -0.5, -1.0)
_HEX_Y = (0.0, -0.5, -0.5, 0.0, 0.5, 0.5, 0.0)  # in units of the hexagon height
_SQUARE_NEIGHBOURS = [(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1) if (di, dj) != (0, 0)]
_HEX_NEIGHBOURS_EVEN = [(0, -1), (0, 1), (-1, -1), (-1, 0), (1, -1), (1, 0)]
_HEX_NEIGHBOURS_ODD = [(0, -1), (0, 1), (-1, 0), (-1, 1), (1, 0), (1, 1)]
KINDS = ("square", "hex")

Cell = tuple[int, int]


def normalize_kind(kind: str) -> str:
    """'square' or 'hex' (also accepts 'hexagon')."""
    value = kind.lower()
    if value == "hexagon":
        return "hex"
    if value not in KINDS:
        raise ValueError(f"unknown cell kind {kind!r}; use 'square' or 'hex'")
    return value


def lonlat_to_mercator(lon, lat):
    """Web Mercator (EPSG:3857) x, y in metres for lon/lat degrees (floats or arrays)."""
    lat_array = np.asarray(lat, dtype=float)
    if np.any(np.abs(lat_array) > MAX_LAT):
        raise ValueError(f"latitude beyond ±{MAX_LAT:.4f}° cannot be binned in Web Mercator")
    x = R_MERCATOR * np.radians(np.asarray(lon, dtype=float))
    y = R_MERCATOR * np.arcsinh(np.tan(np.radians(lat_array)))
    return x, y


def mercator_to_lonlat(x, y):
    """Inverse of ``lonlat_to_mercator``."""
    lon = np.degrees(np.asarray(x, dtype=float) / R_MERCATOR)
    lat = np.degrees(np.arctan(np.sinh(np.asarray(y, dtype=float) / R_MERCATOR)))
    return lon, lat


def ground_to_mercator_size(size_m: float, lat: float) -> float:
    """Mercator cell size giving ``size_m`` ground metres at latitude ``lat``."""
    return size_m / math.cos(math.radians(lat))


def square_cells(lons, lats, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Square cell indices (i, j) for arrays of lon/lat."""
    _check_size(size)
    x, y = lonlat_to_mercator(lons, lats)
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    return np.floor(x / size).astype(np.int64), np.floor(y / size).astype(np.int64)


def hex_cells(lons, lats, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Hexagon cell indices (i, j) for arrays of lon/lat (PostGIS ST_HexagonGrid numbering)."""
    _check_size(size)
    x, y = lonlat_to_mercator(lons, lats)
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    height = SQRT3 * size
    i0 = np.floor(x / (1.5 * size)).astype(np.int64)
    i1 = i0 + 1
    shift0 = 0.5 * (np.abs(i0) % 2)
    shift1 = 0.5 * (np.abs(i1) % 2)
    j0 = np.floor(y / height - shift0 + 0.5).astype(np.int64)
    j1 = np.floor(y / height - shift1 + 0.5).astype(np.int64)
    d0 = (x - 1.5 * size * i0) ** 2 + (y - height * (j0 + shift0)) ** 2
    d1 = (x - 1.5 * size * i1) ** 2 + (y - height * (j1 + shift1)) ** 2
    first = d0 <= d1
    return np.where(first, i0, i1), np.where(first, j0, j1)


def cells(kind: str, lons, lats, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell indices of the given kind for arrays of lon/lat."""
    binner = square_cells if normalize_kind(kind) == "square" else hex_cells
    return binner(lons, lats, size)


def square_cell(lon: float, lat: float, size_m: float) -> Cell:
    """Square cell (i, j) of one point."""
    i, j = square_cells(np.array([lon]), np.array([lat]), size_m)
    return int(i[0]), int(j[0])


def hex_cell(lon: float, lat: float, size_m: float) -> Cell:
    """Hexagon cell (i, j) of one point."""
    i, j = hex_cells(np.array([lon]), np.array([lat]), size_m)
    return int(i[0]), int(j[0])


def square_polygon(i: int, j: int, size_m: float, *, projected: bool = False) -> Polygon:
    """Square cell as a lon/lat polygon (or in EPSG:3857 when ``projected``), like ST_Square."""
    _check_size(size_m)
    xs = np.array([i, i + 1, i + 1, i, i], dtype=float) * size_m
    ys = np.array([j, j, j + 1, j + 1, j], dtype=float) * size_m
    return _polygon(xs, ys, projected)


def hex_polygon(i: int, j: int, size_m: float, *, projected: bool = False) -> Polygon:
    """Hexagon cell as a lon/lat polygon (or in EPSG:3857 when ``projected``), like ST_Hexagon."""
    _check_size(size_m)
    height = SQRT3 * size_m
    xs = np.array([size_m * (1.5 * i + dx) for dx in _HEX_X])
    ys = np.array([height * (j + 0.5 * (abs(i) % 2) + dy) for dy in _HEX_Y])
    return _polygon(xs, ys, projected)


def cell_polygon(kind: str, i: int, j: int, size_m: float, *, projected: bool = False) -> Polygon:
    """Polygon of a square or hexagon cell."""
    draw = square_polygon if normalize_kind(kind) == "square" else hex_polygon
    return draw(i, j, size_m, projected=projected)


def neighbours(kind: str, i: int, j: int) -> list[Cell]:
    """Adjacent cells: 8 for squares (queen contiguity), 6 for hexagons."""
    if normalize_kind(kind) == "square":
        offsets = _SQUARE_NEIGHBOURS
    else:
        offsets = _HEX_NEIGHBOURS_ODD if abs(i) % 2 else _HEX_NEIGHBOURS_EVEN
    return [(i + di, j + dj) for di, dj in offsets]


def cells_in_bounds(
    kind: str, min_lon: float, min_lat: float, max_lon: float, max_lat: float, size_m: float
) -> list[Cell]:
    """Cells ST_SquareGrid/ST_HexagonGrid emit for a lon/lat box (same index ranges as PostGIS)."""
    _check_size(size_m)
    (xmin, xmax), (ymin, ymax) = lonlat_to_mercator([min_lon, max_lon], [min_lat, max_lat])
    if normalize_kind(kind) == "square":
        cols = range(math.floor(xmin / size_m), math.floor(xmax / size_m) + 1)
        rows = range(math.floor(ymin / size_m), math.floor(ymax / size_m) + 1)
        return [(i, j) for i in cols for j in rows]
    col_width, height = 1.5 * size_m, SQRT3 * size_m
    col_min = math.floor(xmin / col_width)
    if xmin - col_min * col_width > size_m:
        col_min += 1
    col_max = math.ceil(xmax / col_width)
    if col_max * col_width - xmax > size_m:
        col_max -= 1
    even_rows = range(math.floor(ymin / height + 0.5), math.floor(ymax / height + 0.5) + 1)
    odd_rows = range(math.floor(ymin / height), math.floor(ymax / height) + 1)
    return [(i, j) for i in range(col_min, col_max + 1) for j in (odd_rows if i % 2 else even_rows)]


def _polygon(xs: np.ndarray, ys: np.ndarray, projected: bool) -> Polygon:
    """Polygon from Mercator vertices, converted to lon/lat unless ``projected``."""
    if projected:
        return Polygon(np.column_stack([xs, ys]))
    lons, lats = mercator_to_lonlat(xs, ys)
    return Polygon(np.column_stack([lons, lats]))


def _check_size(size: float) -> None:
    """Cell sizes must be positive and finite."""
    if not (size > 0 and math.isfinite(size)):
        raise ValueError(f"cell size must be a positive number, got {size!r}")
