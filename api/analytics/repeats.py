"""Repeat locations: buildings with more than one incident in the period, and how concentrated incidents are.

An incident is at a building when that building's centroid (point on surface) is the nearest one and lies
within `RADIUS_M` ground metres (incidents are recorded at a point near the door, not inside a footprint).
Every building of the stations in scope counts, those without incidents too, so "the top 1 % of buildings
hold x % of the incidents" reads as in the literature (Farrell & Pease; Weisburd's law of concentration).

Aggregates for everyone who reads analytics; the buildings themselves, with their incidents, only for
users with beats in scope (officers, auxiliaries, the station chief) and only those of their beats
(`api.scope.beat_ids`): leaders and planners get counts and shares only. Repeat victims (households with two
or more incidents, api/analytics/victims.py) are answered beside them (`victims`) under the same rule.

The incidents come from the in-process columns (cells.py, exact and fresh), the buildings from one query;
the assignment is a k-d tree in ground metres (the whole county's 200k buildings and a year's incidents
take well under a second).
"""
import math
import threading
from collections import OrderedDict

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import cells, victims
from api.analytics.cells import _database
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import LOCAL_TZ as _TZ
from api.analytics.filters import IncidentFilter
from api.analytics.nearrepeat import events
from api.auth.service import CurrentUser
from api.scope import beat_ids

RADIUS_M = 30.0
TOP = (1, 5, 10)
LIST_LIMIT = 100
EARTH = 6378137.0

# One row: ids and EPSG:3857 centroids as big-endian binary columns (all aggregates of one Agg node see the rows
# in the same order, so they stay aligned, as the incident chunks' columns); 200k rows as result rows and
# Python tuples took ~1 s of the county's first repeat-locations answer.
BUILDINGS = """
SELECT count(*)::int AS n, string_agg(int4send(b.id), '') AS ids, string_agg(float8send(ST_X(c.p)), '') AS xs,
       string_agg(float8send(ST_Y(c.p)), '') AS ys
FROM building b CROSS JOIN LATERAL (SELECT ST_Transform(b.centroid, 3857) AS p) AS c
WHERE CAST(:stations AS int[]) IS NULL OR b.station_id = ANY(CAST(:stations AS int[]))
"""

# The incidents of the user's beats in the period (the listing; never for aggregate-only roles).
BEAT_INCIDENTS = """
SELECT i.id, i.occurred_at, i.category, i.summary, i.x_3857, i.y_3857, bt.code AS beat_code
FROM incident i JOIN beat bt ON bt.id = i.beat_id
WHERE i.beat_id = ANY(CAST(:beats AS int[])) AND i.occurred_at >= :start_at AND i.occurred_at < :end_at
  AND (CAST(:categories AS text[]) IS NULL OR i.category = ANY(CAST(:categories AS text[])))
  AND (CAST(:stations AS int[]) IS NULL OR i.station_id = ANY(CAST(:stations AS int[])))
ORDER BY i.occurred_at
"""

# What the cached building centroids depend on: the buildings layer's version with its clock time (bumped by
# a statement trigger on every write to `building`, api/tiles/sql/layer_version.sql; a version and time are
# never read twice, so a transaction's own writes, committed or rolled back, get a key of their own). One
# row read, where counting the county's 200k buildings per request took 80-180 ms (issue 22).
BUILDINGS_VERSION = "SELECT version, changed_at FROM layer_version WHERE layer = 'buildings'"

ADDRESSES = "SELECT id, address FROM building WHERE id = ANY(CAST(:ids AS int[]))"


class Buildings:
    def __init__(self, ids: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        self.ids = ids
        lat = np.arctan(np.sinh(y / EARTH))
        self.scale = math.cos(float(np.median(lat))) if len(lat) else 1.0
        self.tree = cKDTree(np.column_stack([x * self.scale, y * self.scale])) if len(ids) else None

    def nearest(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of each point's building within RADIUS_M ground metres, −1 for none."""
        if self.tree is None or len(x) == 0:
            return np.full(len(x), -1, dtype=np.int64)
        # Mercator units × cos φ ≈ ground metres at the data's latitude (error < 0.1 % over a county)
        dist, index = self.tree.query(np.column_stack([x * self.scale, y * self.scale]),
                                      distance_upper_bound=RADIUS_M)
        return np.where(np.isfinite(dist), index, -1).astype(np.int64)


_CACHE: OrderedDict[tuple, Buildings] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_BUILD_LOCK = threading.Lock()
BUILDING_READS = [0]  # building sets read from the database (for tests and the benchmark)
CACHED_SCOPES = 16


def _buildings(session: Session, scope: AnalyticsScope) -> tuple[Buildings, tuple | None]:
    """The centroids of the buildings in scope, as a k-d tree, reused while the buildings are unchanged; with
    the key they were cached under (None: no layer version to key them by, nothing of it is cached)."""
    params = {"stations": scope.stations_param}
    v = session.execute(text(BUILDINGS_VERSION)).first()
    key = None if v is None else (_database(session), scope.station_ids, v.version, v.changed_at)
    if key is not None:
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key], key
    # one reader at a time: requests opening together on a cold worker (and its warm-up) need the same
    # buildings; the ones that waited take what the first read
    with _BUILD_LOCK:
        if key is not None:
            with _CACHE_LOCK:
                if key in _CACHE:
                    return _CACHE[key], key
        row = session.execute(text(BUILDINGS), params).one()
        found = Buildings(cells._column(row.ids, ">i4", row.n, "int64"), cells._column(row.xs, ">f8", row.n, "float64"),
                          cells._column(row.ys, ">f8", row.n, "float64"))
        BUILDING_READS[0] += 1
        if key is not None:
            with _CACHE_LOCK:
                _CACHE[key] = found
                while len(_CACHE) > CACHED_SCOPES:
                    _CACHE.popitem(last=False)
    return found, key


# The nearest building of each incident, per incident chunk (category, local month) and buildings version:
# (rows of the chunk in the scope's stations, their building index or −1). A chunk's rows never change under
# its gen, and the buildings never change under their key, so an entry is exact while both hold; a new gen
# or buildings key is another entry (the old one ages out). Bureau-wide, a year of all categories is ~660k
# k-d tree queries (~1–2 s) when nothing is cached, a few ms of slicing when everything is.
_ASSIGNED: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_ASSIGNED_ROWS = [0]
MAX_ASSIGNED_ROWS = 8_000_000  # ~16 bytes each: at most ~130 MB per worker, the county's 2M incidents 4 times over


def _assigned(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, buildings: Buildings,
              buildings_key: tuple | None) -> np.ndarray:
    """The building index (−1: none within RADIUS_M) of every incident of the filter within the scope."""
    keyed = None if buildings_key is None else cells.CACHE.keyed_chunks(
        session, categories=flt.categories, first=flt.start.replace(day=1), last=flt.end.replace(day=1))
    if keyed is None:  # no chunk table, or no buildings version: nothing reused
        ev = events(session, flt=flt, scope=scope)
        return buildings.nearest(ev.x, ev.y)
    stations = None if scope.station_ids is None else np.asarray(scope.station_ids, dtype=np.int32)
    start_us, end_us = cells.to_us(flt.start_at), cells.to_us(flt.end_at)
    parts = []
    for category, month, c in keyed:
        if c.t[0] >= end_us or c.t[-1] < start_us:
            continue
        key = (buildings_key, category, month, c.incarnation, c.gen)
        with _CACHE_LOCK:
            got = _ASSIGNED.get(key)
            if got is not None:
                _ASSIGNED.move_to_end(key)
        if got is None:
            rows = np.arange(c.rows) if stations is None else np.flatnonzero(np.isin(c.station, stations))
            got = (rows, buildings.nearest(c.x[rows], c.y[rows]))
            with _CACHE_LOCK:
                if key not in _ASSIGNED:
                    _ASSIGNED[key] = got
                    _ASSIGNED_ROWS[0] += len(rows)
                while _ASSIGNED_ROWS[0] > MAX_ASSIGNED_ROWS and len(_ASSIGNED) > 1:
                    _, (old, _) = _ASSIGNED.popitem(last=False)
                    _ASSIGNED_ROWS[0] -= len(old)
        rows, at = got
        t = c.t[rows]  # rows ascend and the chunk is sorted by time: still sorted
        lo, hi = int(np.searchsorted(t, start_us)), int(np.searchsorted(t, end_us))
        if lo >= hi:
            continue
        picked, at = rows[lo:hi], at[lo:hi]
        if flt.hours:
            keep = np.isin(c.hour[picked], flt.hours)
            picked, at = picked[keep], at[keep]
        if flt.weekdays:
            at = at[np.isin(c.weekday[picked], flt.weekdays)]
        parts.append(at)
    return np.concatenate(parts) if parts else np.empty(0, np.int64)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def repeat_locations(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, user: CurrentUser) -> dict:
    """Counts and concentration shares for everyone; the repeat buildings of the user's beats for officers."""
    buildings, buildings_key = _buildings(session, scope)
    at = _assigned(session, flt=flt, scope=scope, buildings=buildings, buildings_key=buildings_key)
    located = at[at >= 0]
    per_building = np.bincount(located, minlength=len(buildings.ids)) if len(buildings.ids) else np.zeros(0, int)
    counts = np.sort(per_building)[::-1]
    total, n_buildings = len(at), len(buildings.ids)
    repeat = per_building >= 2
    distribution = [{"incidents": k, "buildings": int((per_building == k).sum()), "or_more": False}
                    for k in range(1, 5)]
    distribution.append({"incidents": 5, "buildings": int((per_building >= 5).sum()), "or_more": True})
    concentration = []
    for top in TOP:
        k = math.ceil(n_buildings * top / 100) if n_buildings else 0
        held = int(counts[:k].sum())
        concentration.append({"top_pct": top, "buildings": k, "incidents": held, "share_pct": _pct(held, total)})
    body = {
        "radius_m": RADIUS_M, "incidents": total, "at_buildings": int(len(located)),
        "buildings": n_buildings, "buildings_with_incidents": int((per_building > 0).sum()),
        "repeat_buildings": int(repeat.sum()), "repeat_incidents": int(per_building[repeat].sum()),
        "repeat_share_pct": _pct(int(per_building[repeat].sum()), total),
        "distribution": distribution, "concentration": concentration, "filters": flt.echo(),
        "locations": None,
    }
    body["victims"] = victims.counts(session, flt=flt, scope=scope)
    beats = beat_ids(user)
    if beats:
        body["locations"] = _beat_locations(session, flt=flt, scope=scope, beats=beats, buildings=buildings)
        body["victims"]["households"] = victims.beat_victims(session, flt=flt, scope=scope, beats=beats)
    return body


def _beat_locations(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, beats: list[int],
                    buildings: Buildings) -> list[dict]:
    """Buildings with two or more incidents of the user's beats, busiest first, with the incidents."""
    rows = session.execute(text(BEAT_INCIDENTS), {
        "beats": beats, "start_at": flt.start_at, "end_at": flt.end_at,
        "categories": list(flt.categories) or None, "stations": scope.stations_param}).all()
    rows = [r for r in rows if (not flt.hours or r.occurred_at.astimezone(_TZ).hour in flt.hours)
            and (not flt.weekdays or r.occurred_at.astimezone(_TZ).isoweekday() in flt.weekdays)]
    if not rows:
        return []
    at = buildings.nearest(np.array([r.x_3857 for r in rows]), np.array([r.y_3857 for r in rows]))
    groups: dict[int, list] = {}
    for r, b in zip(rows, at.tolist(), strict=True):
        if b >= 0:
            groups.setdefault(int(buildings.ids[b]), []).append(r)
    repeats = sorted(((bid, rs) for bid, rs in groups.items() if len(rs) >= 2),
                     key=lambda item: (-len(item[1]), item[0]))[:LIST_LIMIT]
    addresses = {r.id: r.address for r in session.execute(text(ADDRESSES), {"ids": [b for b, _ in repeats]})}
    return [{
        "building_id": bid, "address": addresses.get(bid), "beat": rs[0].beat_code, "count": len(rs),
        "incidents": [{"id": r.id, "occurred_at": r.occurred_at.astimezone(_TZ).isoformat(), "category": r.category,
                       "summary": r.summary} for r in rs],
    } for bid, rs in repeats]

