"""Repeat locations: buildings with more than one incident in the period, and how concentrated incidents are.

An incident is at a building when that building's centroid (point on surface) is the nearest one and lies
within `RADIUS_M` ground metres (incidents are recorded at a point near the door, not inside a footprint).
Every building of the stations in scope counts, those without incidents too, so "the top 1 % of buildings
hold x % of the incidents" reads as in the literature (Farrell & Pease; Weisburd's law of concentration).

Aggregates for everyone who reads analytics; the buildings themselves, with their incidents, only for
users with beats in scope (officers, auxiliaries, the station chief) and only those of their beats
(`api.scope.beat_ids`): leaders and planners get counts and shares only.

The incidents come from the in-process columns (cells.py, exact and fresh), the buildings from one query;
the assignment is a k-d tree in ground metres (the whole county's 200k buildings and a year's incidents
take well under a second).
"""
import itertools
import math
import threading
from collections import OrderedDict

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import text
from sqlalchemy.orm import Session

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

BUILDINGS = """
SELECT b.id, ST_X(ST_Transform(b.centroid, 3857)) AS x, ST_Y(ST_Transform(b.centroid, 3857)) AS y
FROM building b WHERE CAST(:stations AS int[]) IS NULL OR b.station_id = ANY(CAST(:stations AS int[]))
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

# What the cached building centroids depend on: the buildings in scope (count, newest id) and every committed
# write to the table (statistics counters, flushed within about a second); a transaction that wrote
# anything itself (txid assigned) reads afresh.
BUILDINGS_VERSION = """
SELECT count(*) AS n, coalesce(max(b.id), 0) AS max_id,
       (SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relid = 'building'::regclass)
         AS writes,
       txid_current_if_assigned() IS NOT NULL AS own_writes
FROM building b WHERE CAST(:stations AS int[]) IS NULL OR b.station_id = ANY(CAST(:stations AS int[]))
"""

ADDRESSES = "SELECT id, address FROM building WHERE id = ANY(CAST(:ids AS int[]))"


_SERIAL = itertools.count(1)


class Buildings:
    def __init__(self, ids: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        self.serial = next(_SERIAL)  # tells this set of buildings from any other, in this process, ever
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
CACHED_SCOPES = 16
_COUNTS: OrderedDict[tuple, dict] = OrderedDict()  # (incidents' version, buildings, filter, scope) → counts
CACHED_COUNTS = 64


def _buildings(session: Session, scope: AnalyticsScope) -> Buildings:
    """The centroids of the buildings in scope, as a k-d tree, reused while the buildings are unchanged."""
    params = {"stations": scope.stations_param}
    v = session.execute(text(BUILDINGS_VERSION), params).one()
    key = (_database(session), scope.station_ids, v.n, v.max_id, v.writes)
    if not v.own_writes:
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    rows = session.execute(text(BUILDINGS), params).all()
    a = np.array([(r.id, r.x, r.y) for r in rows], dtype=float).reshape(-1, 3)
    found = Buildings(a[:, 0].astype(np.int64), a[:, 1], a[:, 2])
    if not v.own_writes:
        with _CACHE_LOCK:
            _CACHE[key] = found
            while len(_CACHE) > CACHED_SCOPES:
                _CACHE.popitem(last=False)
    return found


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def repeat_locations(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, user: CurrentUser) -> dict:
    """Counts and concentration shares for everyone; the repeat buildings of the user's beats for officers."""
    ev = events(session, flt=flt, scope=scope)
    buildings = _buildings(session, scope)
    # the counts follow from the incidents' version (their chunks' gens), the buildings and the filter: kept,
    # so a dashboard opened again does not assign a year of the bureau's incidents to buildings again (~1 s)
    key = (_database(session), ev.version, buildings.serial, flt.start_at, flt.end_at, flt.categories, flt.hours,
           flt.weekdays, scope.station_ids)
    with _CACHE_LOCK:
        counted = _COUNTS.get(key)
        if counted is not None:
            _COUNTS.move_to_end(key)
    if counted is None:
        counted = _counts(ev, buildings)
        if ev.version and ev.version[0] != "uncached":
            with _CACHE_LOCK:
                _COUNTS[key] = counted
                while len(_COUNTS) > CACHED_COUNTS:
                    _COUNTS.popitem(last=False)
    body = {**counted, "filters": flt.echo(), "locations": None}
    beats = beat_ids(user)
    if beats:
        body["locations"] = _beat_locations(session, flt=flt, scope=scope, beats=beats, buildings=buildings)
    return body


def _counts(ev, buildings: "Buildings") -> dict:
    """The aggregate part of the answer: distribution and concentration of the incidents over the buildings."""
    at = buildings.nearest(ev.x, ev.y)
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
        "distribution": distribution, "concentration": concentration,
    }
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

