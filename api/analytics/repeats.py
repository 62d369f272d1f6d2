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
take well under a second), kept per incident chunk. The officers' list is paged (`offset`/`limit`, PAGE
buildings by default, busiest first then by building id, `locations_total` in all): counted on the same
arrays (the chunks' beat column picks the user's beats), each building of the page showing its LATEST
incidents, read from the database by their times and points; `repeat_location` answers one building with
all of them (GET …/repeat-locations/{building_id}). The county chief's answer was 100 buildings with every
incident, 594 KB, its incidents read and grouped in Python per request (154 ms p50 on a quiet machine).
"""
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import cells, stored, victims
from api.analytics.cells import _database
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import LOCAL_TZ as _TZ
from api.analytics.filters import IncidentFilter
from api.analytics.nearrepeat import events
from api.auth.service import CurrentUser
from api.errors import NotFound
from api.scope import beat_ids, require_personal_access

RADIUS_M = 30.0
TOP = (1, 5, 10)
PAGE = 20  # repeat buildings per page of the list (`limit`, at most MAX_PAGE)
MAX_PAGE = 100
LATEST = 3  # incidents shown per building in the list; the building's own answer has them all
EARTH = 6378137.0
QUERY_WORKERS = 2  # threads of a k-d tree query (the GIL released): a year of the county's incidents on 2 cores

# One row: ids and EPSG:3857 centroids as big-endian binary columns (all aggregates of one Agg node see the rows
# in the same order, so they stay aligned, as the incident chunks' columns); 200k rows as result rows and
# Python tuples took ~1 s of the county's first repeat-locations answer.
BUILDINGS = """
SELECT count(*)::int AS n, string_agg(int4send(b.id), '') AS ids, string_agg(float8send(ST_X(c.p)), '') AS xs,
       string_agg(float8send(ST_Y(c.p)), '') AS ys
FROM building b CROSS JOIN LATERAL (SELECT ST_Transform(b.centroid, 3857) AS p) AS c
WHERE CAST(:stations AS int[]) IS NULL OR b.station_id = ANY(CAST(:stations AS int[]))
"""

# The filter's incidents of the user's beats (never for aggregate-only roles).
_OF_BEATS = """
WHERE i.beat_id = ANY(CAST(:beats AS int[])) AND i.occurred_at >= :start_at AND i.occurred_at < :end_at
  AND (CAST(:categories AS text[]) IS NULL OR i.category = ANY(CAST(:categories AS text[])))
  AND (CAST(:stations AS int[]) IS NULL OR i.station_id = ANY(CAST(:stations AS int[])))
  AND (CAST(:hours AS int[]) IS NULL OR i.hour_local = ANY(CAST(:hours AS int[])))
  AND (CAST(:weekdays AS int[]) IS NULL OR i.isodow_local = ANY(CAST(:weekdays AS int[])))
"""
# Where the chunks are not there to count them (a database without incident_chunk): their times and points.
BEAT_POINTS = "SELECT i.occurred_at, i.x_3857, i.y_3857 FROM incident i" + _OF_BEATS

# The incidents a page shows, found by their times (the occurred_at index) among the user's beats' and matched
# on their points (the chunks hold no incident ids).
SHOWN = """
SELECT i.id, i.occurred_at, i.x_3857, i.y_3857, i.category, i.summary, bt.code AS beat_code
FROM incident i JOIN beat bt ON bt.id = i.beat_id
WHERE i.occurred_at = ANY(CAST(:times AS timestamptz[])) AND i.beat_id = ANY(CAST(:beats AS int[]))
"""

# What the cached building centroids depend on: the buildings layer's version with its clock time (bumped by
# a statement trigger on every write to `building`, api/tiles/sql/layer_version.sql; a version and time are
# never read twice, so a transaction's own writes, committed or rolled back, get a key of their own). One
# row read, where counting the county's 200k buildings per request took 80-180 ms (issue 22).
BUILDINGS_VERSION = "SELECT version, changed_at FROM layer_version WHERE layer = 'buildings'"

ADDRESSES = "SELECT id, address FROM building WHERE id = ANY(CAST(:ids AS int[]))"


class Buildings:
    def __init__(self, ids: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        # by id: the same buildings give the same indexes (and the same nearest one among equally near ones)
        # in every process, whatever order the statement read them in
        order = np.argsort(ids, kind="stable")
        ids, x, y = ids[order], x[order], y[order]
        self.ids, self.x, self.y = ids, x, y
        lat = np.arctan(np.sinh(y / EARTH))
        self.scale = math.cos(float(np.median(lat))) if len(lat) else 1.0
        self.tree = cKDTree(np.column_stack([x * self.scale, y * self.scale])) if len(ids) else None

    def nearest(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of each point's building within RADIUS_M ground metres, −1 for none."""
        if self.tree is None or len(x) == 0:
            return np.full(len(x), -1, dtype=np.int64)
        # Mercator units × cos φ ≈ ground metres at the data's latitude (error < 0.1 % over a county)
        dist, index = self.tree.query(np.column_stack([x * self.scale, y * self.scale]),
                                      distance_upper_bound=RADIUS_M, workers=QUERY_WORKERS)
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
        found = _kept_buildings(session, scope, v)
        if found is None:
            row = session.execute(text(BUILDINGS), params).one()
            found = Buildings(cells._column(row.ids, ">i4", row.n, "int64"),
                              cells._column(row.xs, ">f8", row.n, "float64"),
                              cells._column(row.ys, ">f8", row.n, "float64"))
            BUILDING_READS[0] += 1
            if v is not None and scope.station_ids is None:
                stored.STORE.write("buildings", [("bureau", _buildings_version(v),
                                                  stored.pack(found.ids.astype(np.int32), found.x, found.y))])
        if key is not None:
            with _CACHE_LOCK:
                _CACHE[key] = found
                while len(_CACHE) > CACHED_SCOPES:
                    _CACHE.popitem(last=False)
    return found, key


BUILDING_TYPES = ("<i4", "<f8", "<f8")


def _buildings_version(v) -> str:
    return f"{v.version}:{v.changed_at.isoformat()}"


def _kept_buildings(session: Session, scope: AnalyticsScope, v) -> Buildings | None:
    """The bureau's buildings as another process read them at this layer version (analytics_stored)."""
    if v is None or scope.station_ids is not None:
        return None
    payload = stored.STORE.read(session, "buildings", {"bureau": _buildings_version(v)}).get("bureau")
    cols = None if payload is None else stored.unpack(payload, BUILDING_TYPES)
    if cols is None:
        return None
    stored.STORE.reads += 1
    return Buildings(cols[0].astype(np.int64), cols[1], cols[2])


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
    parts = _assigned_parts(session, flt=flt, scope=scope, buildings=buildings, buildings_key=buildings_key)
    return _joined(session, flt=flt, scope=scope, buildings=buildings, parts=parts)


def _joined(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, buildings: Buildings,
            parts: list | None) -> np.ndarray:
    """The building index of every incident from the chunks' parts; without them (no chunk table or no
    buildings version: nothing reused) from the filter's incidents read and assigned now."""
    if parts is None:
        ev = events(session, flt=flt, scope=scope)
        return buildings.nearest(ev.x, ev.y)
    return np.concatenate([at for _, _, at in parts]) if parts else np.empty(0, np.int64)


def _assigned_parts(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, buildings: Buildings,
                    buildings_key: tuple | None) -> list[tuple[cells.Chunk, np.ndarray, np.ndarray]] | None:
    """Per incident chunk of the filter: the chunk, its rows of the filter within the scope and their building
    index (−1: none); None without the chunk table or a buildings version (nothing to reuse)."""
    keyed = None if buildings_key is None else cells.CACHE.keyed_chunks(
        session, categories=flt.categories, first=flt.start.replace(day=1), last=flt.end.replace(day=1))
    if keyed is None:
        return None
    stations = None if scope.station_ids is None else np.asarray(scope.station_ids, dtype=np.int32)
    start_us, end_us = cells.to_us(flt.start_at), cells.to_us(flt.end_at)
    keyed = [k for k in keyed if not (k[2].t[0] >= end_us or k[2].t[-1] < start_us)]
    kept = _kept_nearest(session, scope=scope, buildings=buildings, buildings_key=buildings_key, keyed=keyed)
    computed = []
    parts = []
    for category, month, c in keyed:
        key = (buildings_key, category, month, c.incarnation, c.gen)
        with _CACHE_LOCK:
            got = _ASSIGNED.get(key)
            if got is not None:
                _ASSIGNED.move_to_end(key)
        if got is None:
            rows = np.arange(c.rows) if stations is None else np.flatnonzero(np.isin(c.station, stations))
            at = kept.get((category, month))
            if at is None:
                at = buildings.nearest(c.x[rows], c.y[rows])
                if stations is None and cells.ended(month):
                    computed.append((category, month, c, at))
            got = (rows, at)
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
            keep = np.isin(c.weekday[picked], flt.weekdays)
            picked, at = picked[keep], at[keep]
        parts.append((c, picked, at))
    if computed and buildings_key is not None:
        stored.STORE.write("nearest", [
            (cells.stored_key(category, month), _nearest_version(c, buildings_key),
             stored.pack(np.where(at >= 0, buildings.ids[np.maximum(at, 0)], -1).astype(np.int32)))
            for category, month, c, at in computed])
    return parts


def _nearest_version(c: cells.Chunk, buildings_key: tuple) -> str:
    """The chunk's version and the buildings layer's (buildings_key: database, stations, version, clock)."""
    return f"{cells.stored_version(c.incarnation, c.gen)}|{buildings_key[2]}:{buildings_key[3].isoformat()}"


def _kept_nearest(session: Session, *, scope: AnalyticsScope, buildings: Buildings, buildings_key: tuple | None,
                  keyed: list) -> dict[tuple, np.ndarray]:
    """(category, month) → the building index of each of the chunk's rows, for the bureau's chunks of ended
    months not held in memory whose assignment another process stored at the same chunk and buildings
    versions (analytics_stored: each row's nearest building id, −1 for none)."""
    if scope.station_ids is not None or buildings_key is None:
        return {}
    wanted = {}
    with _CACHE_LOCK:
        for category, month, c in keyed:
            if cells.ended(month) and (buildings_key, category, month, c.incarnation, c.gen) not in _ASSIGNED:
                wanted[cells.stored_key(category, month)] = (category, month, c)
    out = {}
    asked = {key: _nearest_version(c, buildings_key) for key, (_, _, c) in wanted.items()}
    for key, payload in stored.STORE.read(session, "nearest", asked).items():
        category, month, c = wanted[key]
        cols = stored.unpack(payload, ("<i4",), c.rows)
        if cols is None:
            continue
        ids = cols[0]
        at = np.searchsorted(buildings.ids, ids).clip(0, max(len(buildings.ids) - 1, 0))
        if len(buildings.ids) == 0 or not np.array_equal(buildings.ids[at][ids >= 0], ids[ids >= 0]):
            continue  # a building it names is not among these (never at equal versions; not used)
        out[(category, month)] = np.where(ids >= 0, at, -1).astype(np.int64)
    stored.STORE.reads += len(out)
    return out


@dataclass(frozen=True)
class BeatIncidents:
    """The filter's incidents of the user's beats that are at a building: building index, time (µs since
    2000-01-01 UTC) and EPSG:3857 point, by which a page's incidents are found in the database."""

    at: np.ndarray
    t: np.ndarray
    x: np.ndarray
    y: np.ndarray


def _beat_incidents(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, beats: list[int],
                    buildings: Buildings, parts: list | None) -> BeatIncidents:
    """From the chunks' beat column and the cached assignment; without them (no chunk table) from the beats'
    incidents' points read in SQL."""
    if parts is None:
        rows = session.execute(text(BEAT_POINTS), _params(flt, scope, beats)).all()
        t = np.array([cells.to_us(r.occurred_at) for r in rows], dtype=np.int64)
        x = np.array([r.x_3857 for r in rows], dtype=np.float64)
        y = np.array([r.y_3857 for r in rows], dtype=np.float64)
        at = buildings.nearest(x, y)
    else:
        wanted = np.zeros(max(max(beats), max((int(c.beat.max()) for c, _, _ in parts if c.rows), default=0)) + 1,
                          dtype=bool)
        wanted[beats] = True  # a lookup by beat id (0: none): faster than isin over the station's year
        ats, ts, xs, ys = [np.empty(0, np.int64)], [np.empty(0, np.int64)], [np.empty(0)], [np.empty(0)]
        for c, picked, at in parts:
            mine = wanted[c.beat[picked]]
            rows = picked[mine]
            ats.append(at[mine])
            ts.append(c.t[rows])
            xs.append(c.x[rows])
            ys.append(c.y[rows])
        at, t, x, y = (np.concatenate(v) for v in (ats, ts, xs, ys))
    keep = at >= 0
    return BeatIncidents(at=at[keep], t=t[keep], x=x[keep], y=y[keep])


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def repeat_locations(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, user: CurrentUser,
                     offset: int = 0, limit: int = PAGE) -> dict:
    """Counts and concentration shares for everyone; for officers one page of the repeat buildings of their
    beats (busiest first, each with its latest incidents) and how many there are."""
    buildings, buildings_key = _buildings(session, scope)
    parts = _assigned_parts(session, flt=flt, scope=scope, buildings=buildings, buildings_key=buildings_key)
    at = _joined(session, flt=flt, scope=scope, buildings=buildings, parts=parts)  # parts kept for the list
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
        "locations": None, "locations_total": None, "offset": offset, "limit": limit,
    }
    body["victims"] = victims.counts(session, flt=flt, scope=scope)
    beats = beat_ids(user)
    if beats:
        mine = _beat_incidents(session, flt=flt, scope=scope, beats=beats, buildings=buildings, parts=parts)
        per = np.bincount(mine.at, minlength=n_buildings) if n_buildings else np.zeros(0, np.int64)
        ranked = _ranked(buildings, per)
        body["locations_total"] = len(ranked)
        page = ranked[offset:offset + limit]
        body["locations"] = _locations(session, beats=beats, buildings=buildings, mine=mine,
                                       page=[int(b) for b in page], latest=LATEST)
        body["victims"]["households"] = victims.beat_victims(session, flt=flt, scope=scope, beats=beats)
    return body


def repeat_location(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, user: CurrentUser,
                    building_id: int) -> dict:
    """One repeat building of the user's beats with all its incidents of the filter, newest first; 404 when it
    is not one (another beat's, fewer than two incidents, out of scope), 403 for aggregate-only roles."""
    require_personal_access(user)
    beats = beat_ids(user)
    buildings, buildings_key = _buildings(session, scope)
    found = np.flatnonzero(buildings.ids == building_id) if beats else np.empty(0, np.int64)
    if len(found):
        parts = _assigned_parts(session, flt=flt, scope=scope, buildings=buildings, buildings_key=buildings_key)
        mine = _beat_incidents(session, flt=flt, scope=scope, beats=beats, buildings=buildings, parts=parts)
        if int((mine.at == found[0]).sum()) >= 2:
            (location,) = _locations(session, beats=beats, buildings=buildings, mine=mine, page=[int(found[0])],
                                     latest=None)
            return {**location, "filters": flt.echo()}
    raise NotFound(f"building {building_id} is not a repeat location of your beats in this period",
                   code="analytics.repeat_location_not_found", params={"building_id": building_id})


def _ranked(buildings: Buildings, per_building: np.ndarray) -> np.ndarray:
    """Indexes of the buildings with two or more incidents: the most first, then by building id."""
    repeat = np.flatnonzero(per_building >= 2)
    return repeat[np.lexsort((buildings.ids[repeat], -per_building[repeat]))]


def _params(flt: IncidentFilter, scope: AnalyticsScope, beats: list[int]) -> dict:
    return {"beats": beats, "start_at": flt.start_at, "end_at": flt.end_at,
            "categories": list(flt.categories) or None, "stations": scope.stations_param,
            "hours": list(flt.hours) or None, "weekdays": list(flt.weekdays) or None}


def _locations(session: Session, *, beats: list[int], buildings: Buildings, mine: BeatIncidents, page: list[int],
               latest: int | None) -> list[dict]:
    """The page's buildings (indexes into `buildings`) with the `latest` incidents of the user's beats at each
    (all when None), newest first (then the higher id): picked from the counted incidents by time and read
    from the database by their times and points."""
    if not page:
        return []
    wanted: dict[int, list[tuple[int, float, float]]] = {}  # building index → (t, x, y) of its shown incidents
    for b in page:
        rows = np.flatnonzero(mine.at == b)
        rows = rows[np.argsort(-mine.t[rows], kind="stable")]
        if latest is not None and len(rows) > latest:  # ties at the cut: all of them, the ids decide below
            rows = rows[mine.t[rows] >= mine.t[rows[latest - 1]]]
        wanted[b] = [(int(mine.t[r]), float(mine.x[r]), float(mine.y[r])) for r in rows]
    times = sorted({t for v in wanted.values() for t, _, _ in v})
    found: dict[tuple[int, float, float], list] = {}
    for r in session.execute(text(SHOWN), {"times": [cells.PG_EPOCH + timedelta(microseconds=t) for t in times],
                                          "beats": beats}):
        found.setdefault((cells.to_us(r.occurred_at), r.x_3857, r.y_3857), []).append(r)
    addresses = {r.id: r.address for r in session.execute(text(ADDRESSES), {
        "ids": [int(buildings.ids[b]) for b in page]})}
    out = []
    for b in page:
        rs = {r.id: r for key in set(wanted[b]) for r in found.get(key, ())}
        rs = sorted(rs.values(), key=lambda r: (r.occurred_at, r.id), reverse=True)[:latest]
        bid = int(buildings.ids[b])
        out.append({
            "building_id": bid, "address": addresses.get(bid), "beat": rs[0].beat_code if rs else "",
            "count": int((mine.at == b).sum()),
            "incidents": [{"id": r.id, "occurred_at": r.occurred_at.astimezone(_TZ).isoformat(),
                           "category": r.category, "summary": r.summary} for r in rs],
        })
    return out
