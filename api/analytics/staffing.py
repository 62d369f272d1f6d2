"""Per-beat statistics (choropleth) and per-officer monthly statistics: aggregates, no resident data."""
from __future__ import annotations

import functools
import json
from datetime import date

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import cells, queries
from api.analytics import residents as resident_counts
from api.analytics.cells import _database
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import IncidentFilter
from api.analytics.gzipped import Piece
from api.analytics.service import change_pct, incident_params
from api.analytics.versioned import VersionedCache
from api.config import Settings
from geo import compact

GRADES = ("green", "yellow", "orange", "red")
# summed over the months of the chosen period (OfficerFigures.totals)
TOTAL_KEYS = ("visits", "households_visited", "key_persons_visited", "disputes_mediated", "persons_registered",
              "floating_registered", "vehicles_registered", "records_corrected", "information_collected")
OFFICERS_PAGE = 50  # officers per answer by default: ~4 KB each for a year
DEFINITIONS = (
    "officers, auxiliaries and grid members of the current beats (1+1+N); totals sum the months of the "
    "period (households_visited: per month, so a household visited in two months counts twice); "
    "visits count the officer's own visits; a key person is a current resident with one of the "
    "key-person tags (setting GET /api/settings/key-person-tags, as in the worklist) in a visited "
    "household; persons/floating residents/vehicles registered and records corrected are counted "
    "by author (the officer who registered or last corrected them, 信息采集); information_collected = "
    "persons + vehicles registered + records corrected; coverage is counted over the officer's beats; "
    "coverage = occupied households with any visit in the 90 days before the end date"
)


def beats(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope) -> dict:
    """Current beats as GeoJSON: incidents vs the previous period, rate per 1,000 residents, disputes.

    Each feature's `geometry` is the GeoJSON text as PostGIS wrote it (`beats_json` splices it into the
    answer unparsed: 2,000 beats are ~1 MB of coordinates)."""
    layer = beat_layer(session, scope)
    before = flt.previous()
    incidents = _beat_incidents(session, flt=flt, scope=scope, before=before, ids=layer.ids)
    residents = resident_counts.CACHE.residents(session, layer.ids, layer.ids_text)
    disputes = _beat_disputes(session, flt=flt, layer=layer)
    features = []
    for b in layer.rows:
        dis, people = disputes.get(b.id), residents.get(b.id, 0)
        current, previous = incidents.get(b.id, (0, 0))
        features.append({"type": "Feature", "geometry": b.geometry, "properties": {
            "code": b.code, "beat_name": b.beat_name, "kind": b.kind, "station": b.station_code,
            "incidents": current, "incidents_previous": previous, "change_pct": change_pct(current, previous),
            "residents": people, "rate_per_1000": round(1000.0 * current / people, 2) if people else None,
            "disputes": dict(zip((*GRADES, "total"), dis[1:5] + dis[:1] if dis else (0,) * 5, strict=True)),
            "disputes_resolved": dis[5] if dis else 0,
            "resolution_rate": round(dis[5] / dis[0], 3) if dis and dis[0] else None,
        }})
    return {"type": "FeatureCollection", "features": features, "filters": flt.echo(),
            "previous": {"start": before.start.isoformat(), "end": before.end.isoformat()}}


def beats_compact(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope) -> bytes:
    """`beats_compact_json(beats(…))`, byte for byte, written without the GeoJSON features (issue 22: the
    dashboard's call). What depends only on the beats (each row's code, name, kind and station, the encoded
    geometries) is written once per version of the beats layer (BeatLayer); a request writes the figures."""
    return b"".join(p.data if isinstance(p, Piece) else p for p in beats_compact_pieces(session, flt=flt, scope=scope))


def beats_compact_pieces(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope) -> list[bytes | Piece]:
    """`beats_compact` in three pieces: up to the geometries, the geometries (the beats layer's Piece, gzipped
    once: gzipped.py), the rest."""
    layer = beat_layer(session, scope)
    before = flt.previous()
    counted = cells.beat_counts(session, flt=flt, scope=scope, since=before.start_at)
    if counted is None:
        incidents = _beat_incidents(session, flt=flt, scope=scope, before=before, ids=layer.ids)
        current = [incidents.get(i, (0, 0))[0] for i in layer.ids]
        previous = [incidents.get(i, (0, 0))[1] for i in layer.ids]
    else:
        previous_by_id, current_by_id = counted
        current, previous = _at(current_by_id, layer.id_array), _at(previous_by_id, layer.id_array)
    people = resident_counts.CACHE.residents(session, layer.ids, layer.ids_text)
    disputes = _beat_disputes(session, flt=flt, layer=layer)
    none = (0, 0, 0, 0, 0, 0)
    rows = []
    for beat_id, prefix, c, p in zip(layer.ids, layer.row_prefixes, current, previous, strict=True):
        n = people.get(beat_id, 0)
        total, green, yellow, orange, red, resolved = disputes.get(beat_id, none)
        rows.append(f"{prefix}{c},{p},{_json(round(100.0 * (c - p) / p, 1) if p else None)},{n},"
                    f"{_json(round(1000.0 * c / n, 2) if n else None)},[{green},{yellow},{orange},{red},{total}],"
                    f"{resolved},{_json(round(resolved / total, 3) if total else None)}]")
    rest = compact.dumps({"filters": flt.echo(),
                          "previous": {"start": before.start.isoformat(), "end": before.end.isoformat()}})
    return [(layer.compact_head + ",".join(rows) + '],"geometries":[').encode(), layer.compact_geometries,
            ("]," + rest[1:]).encode()]


def _json(value: float | None) -> str:
    """A float or None as json.dumps writes it (float.__repr__, null)."""
    return "null" if value is None else repr(value)


def _at(counts: np.ndarray, ids: np.ndarray) -> list[int]:
    """counts[id] for each id (0 beyond the array: a beat with no incident in any chunk)."""
    inside = ids < len(counts)
    return np.where(inside, counts[np.where(inside, ids, 0)], 0).tolist()


def _beat_disputes(session: Session, *, flt: IncidentFilter, layer: BeatLayer) -> dict[int, tuple[int, ...]]:
    """beat id → (total, green, yellow, orange, red, resolved) of the disputes reported in the period (beats
    with any): one row of arrays, the ids sent as one array text (2,000 rows or ints cost ~2 ms each)."""
    row = session.execute(text(queries.BEAT_DISPUTES), {
        "beat_ids": layer.ids_text, "start_at": flt.start_at, "end_at": flt.end_at}).one()
    if row.beat_ids is None:
        return {}
    return dict(zip(row.beat_ids, zip(row.total, row.green, row.yellow, row.orange, row.red, row.resolved,
                                      strict=True), strict=True))


# The versions of what CURRENT_BEATS reads (api/tiles/sql/layer_version.sql: beats and the plans that make
# them current, stations for their codes). A version with its clock_timestamp() is never seen twice: a
# transaction that bumped it and rolled back leaves a (version, changed_at) that no one reads again.
BEATS_VERSION = """
SELECT layer, version, changed_at FROM layer_version WHERE layer IN ('beats', 'stations') ORDER BY layer
"""


class BeatLayer:
    """The current beats of a scope (queries.CURRENT_BEATS rows) and what the answers write of them alone."""

    def __init__(self, rows: list) -> None:
        self.rows = rows
        self.ids = [b.id for b in rows]
        self.id_array = np.asarray(self.ids, dtype=np.int64)
        self.ids_text = "{" + ",".join(map(str, self.ids)) + "}"  # the ids as one integer[] literal

    @functools.cached_property
    def row_prefixes(self) -> list[str]:
        """Each compact row's first four values as JSON, up to the incidents: `["code","name","kind","s",`."""
        return [compact.dumps([b.code, b.beat_name, b.kind, b.station_code])[:-1] + "," for b in self.rows]

    @functools.cached_property
    def compact_head(self) -> str:
        """The compact answer up to its first row."""
        head = compact.dumps({"format": "compact", "columns": list(BEAT_COLUMNS),
                              "objects": {"disputes": [*GRADES, "total"]}, "rows": []})
        return head[:-2]  # without the rows' `]` and the closing brace: rows follow

    @functools.cached_property
    def compact_geometries(self) -> Piece:
        """The compact geometries of the beats, comma-separated (~450 KB for the county's 2,000)."""
        return Piece(",".join(_geometry_json(b.geometry) for b in self.rows).encode())


BEAT_LAYERS: VersionedCache[BeatLayer] = VersionedCache(16)  # the bureau and a few stations; ~2 MB for the bureau


def beat_layer(session: Session, scope: AnalyticsScope) -> BeatLayer:
    """The current beats of the scope, re-read only when beats, plans or stations changed (the rows'
    geometry texts are the same objects then, so `_geometry_json` finds them by a hash computed once)."""
    versions = tuple(tuple(r) for r in session.execute(text(BEATS_VERSION)))
    key = (_database(session), scope.station_ids, versions) if len(versions) == 2 else None
    return BEAT_LAYERS.get(key, lambda: BeatLayer(session.execute(
        text(queries.CURRENT_BEATS), {"stations": scope.stations_param}).all()))


def current_beats(session: Session, scope: AnalyticsScope) -> list:
    """queries.CURRENT_BEATS rows of the scope (kept per version of the beats layer: `beat_layer`)."""
    return beat_layer(session, scope).rows


def _beat_incidents(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, before: IncidentFilter,
                    ids: list[int]) -> dict[int, tuple[int, int]]:
    """(current, previous) incidents per beat id: counted on the in-process chunks (cells.py), else SQL."""
    counted = cells.beat_counts(session, flt=flt, scope=scope, since=before.start_at)
    if counted is not None:
        previous, current = counted
        return {i: (int(current[i]), int(previous[i])) for i in ids
                if i < len(current) and (current[i] or previous[i])}
    where, params = incident_params(flt, scope, start_at=before.start_at)
    params.update(current_start_at=flt.start_at, beat_ids=ids)
    return {r.beat_id: (r.current, r.previous)
            for r in session.execute(text(queries.BEAT_INCIDENTS.format(where=where)), params)}


def beats_json(body: dict) -> bytes:
    """`beats`' answer as JSON bytes, each feature's geometry text spliced in as it is."""
    dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    features = ",".join('{"type":"Feature","geometry":' + f["geometry"] + ',"properties":'
                        + dumps(f["properties"]) + "}" for f in body["features"])
    rest = {k: v for k, v in body.items() if k != "features"}
    return ('{"features":[' + features + "]," + dumps(rest)[1:]).encode()


BEAT_COLUMNS = ("code", "beat_name", "kind", "station", "incidents", "incidents_previous", "change_pct", "residents",
                "rate_per_1000", "disputes", "disputes_resolved", "resolution_rate")


def beats_compact_json(body: dict) -> bytes:
    """`beats`' answer in the compact form (format=compact, geo/compact.py): properties as rows of the
    columns (the disputes by colour as a list), geometries delta-coded in millionths of a degree."""
    rest = {k: v for k, v in body.items() if k not in ("features", "type")}
    head = compact.features_compact(body["features"], BEAT_COLUMNS, objects={"disputes": (*GRADES, "total")},
                                    geometries=[])
    del head["geometries"]
    # the geometries' JSON text is kept per beat geometry (_geometry_json): ~450 KB of the county's answer
    # written once instead of on every request; spliced where compact.dumps would write it, byte for byte
    geometries = ",".join(_geometry_json(f["geometry"]) for f in body["features"])
    text_ = compact.dumps({"format": "compact", **head})
    tail = compact.dumps(rest)
    return (text_[:-1] + ',"geometries":[' + geometries + "]" + ("," + tail[1:] if rest else "}")).encode()


# GeoJSON text of a beat → the JSON of its compact form (beats are few and rarely redrawn)
_GEOMETRY_JSON: dict[str, str] = {}
_GEOMETRY_JSON_MAX = 20_000


def _geometry_json(geojson: str | None) -> str:
    """The JSON text of a beat geometry's compact form (geo/compact.py), kept per GeoJSON text."""
    if geojson is None:
        return "null"
    found = _GEOMETRY_JSON.get(geojson)
    if found is None:
        found = compact.dumps(compact.encode_geometry(json.loads(geojson)))
        if len(_GEOMETRY_JSON) >= _GEOMETRY_JSON_MAX:
            _GEOMETRY_JSON.clear()
        _GEOMETRY_JSON[geojson] = found
    return found


def _months(start: date, end: date) -> list[str]:
    months, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


# The versions of what queries.OFFICERS reads: auth_generation takes a new value in every statement that
# changes app_user (username, display name, role, active), beat_member, beat (id, plan, code) or beat_plan
# (station, status) (api/auth/sql/generation.sql, from a sequence: never reused, also after a rollback);
# the stations layer's (version, changed_at) covers the station codes (as BEATS_VERSION).
ROSTER_VERSION = """
SELECT (SELECT gen FROM auth_generation) AS gen, version, changed_at FROM layer_version WHERE layer = 'stations'
"""

ROSTERS: VersionedCache[list] = VersionedCache(16)  # the bureau and a few stations; 8,000 rows for the county


def roster(session: Session, scope: AnalyticsScope) -> list:
    """All queries.OFFICERS rows of the scope, in their order, re-read only when a user, a beat membership, a
    beat, a plan or a station changed (the county's 8,000 staff: 75 ms to read, 15-30 ms for one page)."""
    row = session.execute(text(ROSTER_VERSION)).one_or_none()
    key = (_database(session), scope.station_ids, tuple(row)) if row is not None and row.gen is not None else None
    return ROSTERS.get(key, lambda: session.execute(
        text(queries.OFFICERS), {"stations": scope.stations_param, "limit": None, "offset": 0}).all())


def officers(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, settings: Settings,
             limit: int = OFFICERS_PAGE, offset: int = 0) -> dict:
    """Per officer and month: visits vs targets, key persons, mediations, records collected; coverage.

    One page of the officers (in the order of queries.OFFICERS: the scope's roster, kept per version by
    `roster`); the statistics are computed for that page only (14 MB and 2.5 s for the whole bureau at county
    scale, issue 22)."""
    everyone = roster(session, scope)
    staff, total = everyone[offset:offset + limit], len(everyone)
    figures = session.execute(text(queries.OFFICER_FIGURES), {
        "user_ids": [s.id for s in staff], "beat_ids": sorted({b for s in staff for b in s.beat_ids}),
        "start_at": flt.start_at, "end_at": flt.end_at}).one()
    visits = {(r[0], r[1]): r[2:] for r in figures.visits or ()}
    mediations = {(r[0], r[1]): r[2] for r in figures.mediations or ()}
    collected = {(r[0], r[1]): r[2:] for r in figures.collected or ()}
    coverage = {r[0]: r[1:] for r in figures.coverage or ()}
    months = _months(flt.start, flt.end)
    targets = {"visits": settings.monthly_visit_target, "key_persons": settings.monthly_key_person_target}
    none = (0, 0, 0, 0)
    result = []
    for s in staff:
        rows = []
        for month in months:
            n, households, key_households = visits.get((s.id, month), none[:3])
            persons, floating, vehicles, corrected = collected.get((s.id, month), none)
            rows.append({
                "month": month, "visits": n, "households_visited": households,
                "key_persons_visited": key_households,
                "visits_met": households >= targets["visits"],
                "key_persons_met": key_households >= targets["key_persons"],
                "disputes_mediated": mediations.get((s.id, month), 0),
                "persons_registered": persons, "floating_registered": floating, "vehicles_registered": vehicles,
                "records_corrected": corrected, "information_collected": persons + vehicles + corrected,
            })
        totals = {key: sum(r[key] for r in rows) for key in TOTAL_KEYS}
        totals.update(visits_met_months=sum(r["visits_met"] for r in rows),
                      key_persons_met_months=sum(r["key_persons_met"] for r in rows))
        households = sum(coverage[b][0] for b in s.beat_ids if b in coverage)
        visited = sum(coverage[b][1] for b in s.beat_ids if b in coverage)
        result.append({
            "username": s.username, "officer_name": s.officer_name, "role": s.role, "station": s.station_code,
            "beats": list(s.beat_codes), "months": rows, "totals": totals,
            "households": households, "visited_90d": visited,
            "coverage_90d": round(visited / households, 3) if households else None,
        })
    return {"officers": result, "total": total, "limit": limit, "offset": offset, "months": months,
            "targets": targets, "filters": flt.echo(), "definitions": DEFINITIONS}
