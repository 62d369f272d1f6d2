"""Incident heat, hotspots, hour × weekday matrix and period comparison: aggregates only, never points.

Cells are squares or flat-topped hexagons in EPSG:3857 units (PostGIS ST_SquareGrid/ST_HexagonGrid
numbering, geo/binning.py); every incident falls in exactly one cell, so totals agree across shapes.
Heat, hotspots and the matrix count from the in-process incident columns of api/analytics/cells.py
(exact, versioned per category and month); the SQL statements remain the reference and the fallback.
"""
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from shapely import contains_xy, from_wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import cells, queries
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import IncidentFilter
from api.analytics.gzipped import Answer
from api.analytics.versioned import VersionedCache
from api.errors import InvalidInput
from geo import binning, cellgeojson
from geo import compact as compact_json
from geo.hotspots import class_levels, gi_z_scores_of_counts, neighbour_positions

MAX_EXTENT_CELLS = 400_000


def incident_params(flt: IncidentFilter, scope: AnalyticsScope, *, start_at=None) -> tuple[str, dict]:
    """WHERE clause and bound values for the filter within the scope (optionally from an earlier start)."""
    conditions = ["start", "end"]
    params: dict = {"start_at": start_at or flt.start_at, "end_at": flt.end_at}
    if flt.categories:
        conditions.append("categories")
        params["categories"] = list(flt.categories)
    if flt.hours:
        conditions.append("hours")
        params["hours"] = list(flt.hours)
    if flt.weekdays:
        conditions.append("weekdays")
        params["weekdays"] = list(flt.weekdays)
    if scope.station_ids is not None:
        conditions.append("stations")
        params["stations"] = list(scope.station_ids)
    return queries.incident_where(conditions), params


def sql_cell_counts(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float
                    ) -> dict[tuple[int, int], int]:
    """Incident count per cell by the SQL statements (the reference, and the path without incident_chunk)."""
    where, params = incident_params(flt, scope)
    sql = (queries.SQUARE_CELLS if cell == "square" else queries.HEX_CELLS).format(where=where)
    params.update(size=float(size), height=math.sqrt(3.0) * size)
    return {(r.i, r.j): r.n for r in session.execute(text(sql), params)}


def cell_arrays(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float,
                versions: list | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells (i, j) holding incidents, sorted, and their counts: from the in-process cache (cells.py);
    `versions`: cells.filter_versions read in this transaction."""
    binned = cells.select_cells(session, flt=flt, scope=scope, cell=cell, size=size, versions=versions)
    if binned is not None:
        return cells.count_cells(*binned)
    counts = sql_cell_counts(session=session, flt=flt, scope=scope, cell=cell, size=size)
    keys = sorted(counts)
    return (np.array([k[0] for k in keys], dtype=np.int64), np.array([k[1] for k in keys], dtype=np.int64),
            np.array([counts[k] for k in keys], dtype=np.int64))


def cell_counts(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float
                ) -> dict[tuple[int, int], int]:
    """Incident count per cell (only cells with incidents)."""
    i, j, n = cell_arrays(session=session, flt=flt, scope=scope, cell=cell, size=size)
    return dict(zip(zip(i.tolist(), j.tolist(), strict=True), n.tolist(), strict=True))


def _ground_size(rows: np.ndarray, cell: str, size: float) -> float | None:
    """Approximate ground size of a cell at the latitude of the data (Mercator scale is 1/cos φ)."""
    if len(rows) == 0:
        return None
    j_mid = int(np.sort(rows)[len(rows) // 2])
    y = j_mid * (size if cell == "square" else math.sqrt(3.0) * size)
    _, lat = binning.mercator_to_lonlat(0.0, y)
    return round(size * math.cos(math.radians(float(lat))), 1)


# Answers of heat and hotspots by what they are computed from: the versions of the chunks read (cells.py), the
# filter, the scope, the grid and (hotspots) the stations layer's version. A version is never reused for other
# data, so an answer found is the answer; the dashboard's opening view is asked by every leader and reader.
ANSWERS: VersionedCache[Answer] = VersionedCache(12)  # hotspots' GeoJSON is the largest: ~1.5 MB at county scale


def _kept_answer(session: Session, flt: IncidentFilter, scope: AnalyticsScope, what: tuple,
                 compute: Callable[[list | None], bytes]) -> Answer:
    """compute(versions) kept by the chunk versions this transaction reads for the filter, and `what` (with its
    gzip, made once: api/analytics/gzipped.py)."""
    versions = cells.filter_versions(session, flt=flt)
    if versions is None:
        return Answer(compute(None))
    key = (cells._database(session), tuple(tuple(r) for r in versions), flt, scope.station_ids, *what)
    return ANSWERS.get(key, lambda: Answer(compute(versions)))


def heat(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float,
         compact: bool = False) -> bytes:
    """GeoJSON cells with incident counts, as JSON text (UTF-8): built vectorised, not per feature; `compact`:
    the same cells as columns i, j, count (geo/compact.py). Kept per version of the chunks (_kept_answer)."""
    return heat_answer(session=session, flt=flt, scope=scope, cell=cell, size=size, compact=compact).data


def heat_answer(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float,
                compact: bool = False) -> Answer:
    """`heat` as the kept Answer."""
    return _kept_answer(session, flt, scope, ("heat", cell, float(size), compact), lambda versions: _heat(
        session=session, flt=flt, scope=scope, cell=cell, size=size, compact=compact, versions=versions))


def _heat(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float,
          compact: bool, versions: list | None) -> bytes:
    i, j, n = cell_arrays(session=session, flt=flt, scope=scope, cell=cell, size=size, versions=versions)
    rest = {"cell": cell, "size_m": size, "ground_size_m": _ground_size(j, cell, size), "total": int(n.sum()),
            "max": int(n.max(initial=0)), "filters": flt.echo()}
    if compact:
        return compact_json.dumps({"format": "compact", **rest, "cells": {
            "i": i.tolist(), "j": j.tolist(), "count": n.tolist()}}).encode()
    return ('{"type":"FeatureCollection","features":' + cellgeojson.features(cell, size, i, j, n) + ","
            + json.dumps(rest, ensure_ascii=False, separators=(",", ":"))[1:]).encode()


def _cell_centres(cell: str, ij: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    i, j = ij[:, 0].astype(float), ij[:, 1].astype(float)
    if cell == "square":
        return (i + 0.5) * size, (j + 0.5) * size
    return 1.5 * size * i, math.sqrt(3.0) * size * (j + 0.5 * (np.abs(ij[:, 0]) % 2))


# Extents by (database, stations, cell, size, the stations layer's version and clock time: bumped by a
# statement trigger on every change of `station`, api/tiles/sql/layer_version.sql; never read twice)
EXTENTS: VersionedCache[frozenset] = VersionedCache(32)
EXTENT_ARRAYS: VersionedCache[tuple[np.ndarray, np.ndarray]] = VersionedCache(32)
STATIONS_VERSION = "SELECT version, changed_at FROM layer_version WHERE layer = 'stations'"


def _extent_key(session: Session, scope: AnalyticsScope, cell: str, size: float) -> tuple | None:
    version = session.execute(text(STATIONS_VERSION)).first()
    return None if version is None else (cells._database(session), scope.station_ids, cell, float(size), tuple(version))


def extent_cells(*, session: Session, scope: AnalyticsScope, cell: str, size: float) -> frozenset[tuple[int, int]]:
    """Cells whose centre lies inside the jurisdiction of the stations in scope (kept until a station changes:
    the union of the county's 40 jurisdictions and the point test cost ~50 ms a request)."""
    return EXTENTS.get(_extent_key(session, scope, cell, size),
                       lambda: frozenset(_extent_cells(session=session, scope=scope, cell=cell, size=size)))


def extent_arrays(*, session: Session, scope: AnalyticsScope, cell: str, size: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """`extent_cells` as arrays (i, j) sorted by i then j (int64), kept as long."""
    key = _extent_key(session, scope, cell, size)

    def load() -> tuple[np.ndarray, np.ndarray]:
        found = EXTENTS.get(key, lambda: frozenset(_extent_cells(session=session, scope=scope, cell=cell, size=size)))
        ij = np.array(sorted(found), dtype=np.int64).reshape(len(found), 2)
        return ij[:, 0].copy(), ij[:, 1].copy()

    return EXTENT_ARRAYS.get(key, load)


def _extent_cells(*, session: Session, scope: AnalyticsScope, cell: str, size: float) -> set[tuple[int, int]]:
    wkb = session.execute(text(queries.JURISDICTION_3857), {"stations": scope.stations_param}).scalar()
    if wkb is None:
        return set()
    area = from_wkb(bytes(wkb))
    xmin, ymin, xmax, ymax = area.bounds
    estimate = (xmax - xmin) * (ymax - ymin) / (size * size * (1.0 if cell == "square" else 2.598))
    if estimate > MAX_EXTENT_CELLS:
        raise InvalidInput(f"size_m={size:g} makes about {estimate:,.0f} cells over this area; "
                           f"choose a larger size_m or one station", code="analytics.too_many_cells",
                           params={"size_m": size, "cells": round(estimate)})
    (lon0, lon1), (lat0, lat1) = binning.mercator_to_lonlat([xmin, xmax], [ymin, ymax])
    candidates = np.array(binning.cells_in_bounds(cell, lon0, lat0, lon1, lat1, size), dtype=np.int64)
    if candidates.size == 0:
        return set()
    cx, cy = _cell_centres(cell, candidates, size)
    inside = candidates[contains_xy(area, cx, cy)]
    return {(int(i), int(j)) for i, j in inside}


CLASS_LEVELS = {"hot99": 3, "hot95": 2, "hot90": 1, "ns": 0, "cold90": -1, "cold95": -2, "cold99": -3}
LEVEL_CLASSES = {level: label for label, level in CLASS_LEVELS.items()}
NEIGHBOURHOOD = (
    "Gi* with binary weights over the cell itself and its immediate neighbours (8 for squares, 6 for "
    "hexagons); the study area is every cell whose centre lies in the jurisdiction of the stations in "
    "scope, zero-count cells included, plus any cell holding incidents"
)


def hotspots(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float,
             compact: bool = False) -> bytes:
    """Getis-Ord Gi* z-scores and 90/95/99 % hot/cold classes over the cells of the area in scope (JSON text);
    `compact`: the shown cells as columns (geo/compact.py).

    The statistic of geo.hotspots.gi_star over the sorted union of the study area and the cells holding
    incidents, on arrays (issue 22: the 48,000 cells of the county as GiResult objects took ~40 ms): the
    same z-scores bit for bit, p-values by the same math.erfc wherever they decide a class or are shown
    (a cell with |z| < 1 and no incident is 'ns' whatever its exact p ≥ 0.31). Kept per version of the chunks
    and of the stations (_kept_answer)."""
    return hotspots_answer(session=session, flt=flt, scope=scope, cell=cell, size=size, compact=compact).data


def hotspots_answer(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float,
                    compact: bool = False) -> Answer:
    """`hotspots` as the kept Answer."""
    extent = _extent_key(session, scope, cell, size)
    if extent is None:
        return Answer(_hotspots(session=session, flt=flt, scope=scope, cell=cell, size=size, compact=compact,
                                versions=None))
    return _kept_answer(session, flt, scope, ("hotspots", extent, compact), lambda versions: _hotspots(
        session=session, flt=flt, scope=scope, cell=cell, size=size, compact=compact, versions=versions))


def _hotspots(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float,
              compact: bool, versions: list | None) -> bytes:
    i, j, n = cell_arrays(session=session, flt=flt, scope=scope, cell=cell, size=size, versions=versions)
    ei, ej = extent_arrays(session=session, scope=scope, cell=cell, size=size)
    si, sj, counts = _union_cells(ei, ej, i, j, n)
    z = gi_z_scores_of_counts(counts, neighbour_positions(np.column_stack((si, sj)), cell))
    needed = np.flatnonzero((np.abs(z) >= 1.0) | (counts > 0))
    p = np.ones(len(z))
    root2 = math.sqrt(2.0)
    p[needed] = [math.erfc(abs(v) / root2) for v in z[needed].tolist()]
    levels = class_levels(z, p)
    summary = {label: int(np.count_nonzero(levels == level)) for label, level in CLASS_LEVELS.items()
               if label != "ns"}
    shown = np.flatnonzero((counts > 0) | (levels != 0))
    z_shown, p_shown = z[shown].tolist(), p[shown].tolist()
    level_shown = levels[shown].tolist()
    classes = [LEVEL_CLASSES[v] for v in level_shown]
    rest = {
        "cell": cell, "size_m": size, "ground_size_m": _ground_size(sj, cell, size),
        "cells_in_extent": len(si), "total": int(n.sum()), "classes": summary,
        "neighbourhood": NEIGHBOURHOOD, "filters": flt.echo(),
    }
    if compact:
        return compact_json.dumps({"format": "compact", **rest, "cells": {
            "i": si[shown].tolist(), "j": sj[shown].tolist(), "count": counts[shown].astype(np.int64).tolist(),
            "z": [round(v, 3) for v in z_shown], "p": [round(v, 4) for v in p_shown], "class": classes,
            "level": level_shown}}).encode()
    features = cellgeojson.features(
        cell, size, si[shown], sj[shown], counts[shown].astype(np.int64),
        extra=[("z", cellgeojson.json_values(z_shown, 3)), ("p", cellgeojson.json_values(p_shown, 4)),
               ("class", cellgeojson.json_values(classes)), ("level", cellgeojson.json_values(level_shown))])
    return ('{"type":"FeatureCollection","features":' + features + ","
            + json.dumps(rest, ensure_ascii=False, separators=(",", ":"))[1:]).encode()


def _union_cells(ei: np.ndarray, ej: np.ndarray, i: np.ndarray, j: np.ndarray, n: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells of the extent and the counted ones, sorted by i then j, each with its count (0 if none)."""
    all_i, all_j = np.concatenate((ei, i)), np.concatenate((ej, j))
    if len(all_i) == 0:
        empty = np.empty(0, np.int64)
        return empty, empty, np.zeros(0)
    i0, j0 = int(all_i.min()), int(all_j.min())
    width = int(all_j.max()) - j0 + 1
    keys = np.unique((all_i - i0) * width + (all_j - j0))
    counts = np.zeros(len(keys))
    counts[np.searchsorted(keys, (i - i0) * width + (j - j0))] = n
    return keys // width + i0, keys % width + j0, counts


def hour_weekday(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope) -> dict:
    """Counts per local weekday (1 = Monday) × hour (0–23)."""
    selection = cells.select(session, flt=flt, scope=scope)
    if selection is not None:
        flat = np.bincount((selection.weekday.astype(np.int64) - 1) * 24 + selection.hour, minlength=7 * 24)
        matrix = flat.reshape(7, 24).tolist()
    else:
        where, params = incident_params(flt, scope)
        matrix = [[0] * 24 for _ in range(7)]
        for r in session.execute(text(queries.HOUR_WEEKDAY.format(where=where)), params):
            matrix[r.weekday - 1][r.hour] = r.n
    return {
        "weekdays": list(range(1, 8)), "hours": list(range(24)), "counts": matrix,
        "by_hour": [sum(row[h] for row in matrix) for h in range(24)],
        "by_weekday": [sum(row) for row in matrix], "total": sum(map(sum, matrix)), "filters": flt.echo(),
    }


def change_pct(current: int, previous: int) -> float | None:
    """Percentage change against the previous period (None when it had nothing)."""
    return round(100.0 * (current - previous) / previous, 1) if previous else None


@dataclass(frozen=True)
class _PeriodRow:
    category: str
    current: int
    previous: int
    year_ago: int


def _period_rows(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope, before: IncidentFilter,
                 year: IncidentFilter) -> tuple[list, list[dict]]:
    """Per category: counts in the period, the previous one and a year earlier (categories with any);
    the period's monthly series. From the in-memory incident chunks (cells.py), else by SQL."""
    counted = cells.period_counts(session, flt=flt, scope=scope, periods=[
        (flt.start_at, flt.end_at), (before.start_at, flt.start_at), (year.start_at, year.end_at)])
    if counted is not None:
        by_category, by_month = counted
        rows = [_PeriodRow(cat, *n) for cat, n in by_category.items() if any(n)]
        return rows, [{"month": m.strftime("%Y-%m"), "count": n} for m, n in sorted(by_month.items())]
    where, params = incident_params(flt, scope, start_at=min(before.start_at, year.start_at))
    params.update(current_start_at=flt.start_at, previous_start_at=before.start_at,
                  year_start_at=year.start_at, year_end_at=year.end_at)
    rows = [r for r in session.execute(text(queries.CATEGORY_PERIODS.format(where=where)), params)
            if r.current or r.previous or r.year_ago]
    where, params = incident_params(flt, scope)
    monthly = [{"month": r.month, "count": r.n}
               for r in session.execute(text(queries.MONTHLY.format(where=where)), params)]
    return rows, monthly


def comparison(*, session: Session, flt: IncidentFilter, scope: AnalyticsScope) -> dict:
    """Counts per category in the period, in the previous period of the same length (环比) and in the same
    days a year earlier (同比); the monthly series of the period."""
    before, year = flt.previous(), flt.year_before()
    rows, monthly = _period_rows(session=session, flt=flt, scope=scope, before=before, year=year)
    categories = [{"category": r.category, "current": r.current, "previous": r.previous,
                   "change_pct": change_pct(r.current, r.previous), "year_ago": r.year_ago,
                   "year_change_pct": change_pct(r.current, r.year_ago)}
                  for r in sorted(rows, key=lambda r: (-r.current, r.category))]
    current, previous = sum(r.current for r in rows), sum(r.previous for r in rows)
    year_ago = sum(r.year_ago for r in rows)
    return {
        "current": {"start": flt.start.isoformat(), "end": flt.end.isoformat(), "total": current},
        "previous": {"start": before.start.isoformat(), "end": before.end.isoformat(), "total": previous},
        "change_pct": change_pct(current, previous),
        "year_ago": {"start": year.start.isoformat(), "end": year.end.isoformat(), "total": year_ago},
        "year_change_pct": change_pct(current, year_ago),
        "categories": categories, "monthly": monthly, "filters": flt.echo(),
    }
