"""近重复预警: issue a warning zone when an incident of a category with a significant near-repeat pattern is
recorded; read the zones in force (officers: those touching their beats; leaders: counts only).

The pattern is the category's Knox table over the station's incidents of the 365 days before the incident's
day (default bands: 100 m × 7 days, 99 simulations) as computed by api/analytics/nearrepeat.py. Its zone —
the significant distance and time bands next to the origin — is cached here per (database, category,
station) for PATTERN_MAX_AGE_S: each recorded incident does not recompute it (its own insert changes the
data version, so the near-repeat cache would), and the answers of the dashboard's 近重复分析 with the
same question fill it too (nearrepeat.JOBS.on_result). When no cached answer exists the recording waits
up to PATTERN_WAIT_S for the computation; if it is still running then, the incident is recorded without a
warning (the next one gets it) — the recording of a 警情 never fails because of the analysis.

The warning: a circle of the pattern's distance around the incident, from its time for the pattern's days
(`expires_at`), with the current beats it touches and the households in it, and the suggested action
`visit_reminder` (走访提醒: the web app shows the pre-written prevention message of the category).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import cells, nearrepeat
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import LOCAL_TZ, IncidentFilter
from api.warnings import queries
from geo.nearrepeat import Bands

PATTERN_DAYS = 365
PATTERN_PERMUTATIONS = 99
PATTERN_MAX_AGE_S = 6 * 3600
PATTERN_WAIT_S = 10.0
MAX_ZONES = 500


@dataclass(frozen=True)
class Pattern:
    """The near-repeat zone of a category in a station (None: no significant pattern)."""

    distance_m: float | None
    days: int | None
    ratio: float | None
    events: int
    window_end: date  # last local day of the incidents it was computed from
    computed: float  # time.monotonic()

    @property
    def significant(self) -> bool:
        return self.distance_m is not None and self.days is not None


_LOCK = threading.Lock()
PATTERNS: dict[tuple, Pattern] = {}


def _pattern_filter(category: str, day: date) -> IncidentFilter:
    return IncidentFilter(start=day - timedelta(days=PATTERN_DAYS), end=day - timedelta(days=1),
                          categories=(category,))


def _from_result(result: dict, window_end: date) -> Pattern:
    zone = result.get("zone")
    return Pattern(distance_m=zone["distance_m"] if zone else None, days=zone["days"] if zone else None,
                   ratio=zone["ratio"] if zone else None, events=result["events"], window_end=window_end,
                   computed=time.monotonic())


def remember(key: tuple, result: dict) -> None:
    """nearrepeat.JOBS.on_result: a finished Knox table of one category and one station over about a year,
    with the default bands, is the pattern of that category and station."""
    database, flt, stations, bands, _permutations, _version = key
    if (len(flt.categories) != 1 or stations is None or len(stations) != 1 or bands != Bands()
            or flt.days < PATTERN_DAYS - 7):
        return
    with _LOCK:
        PATTERNS[(database, flt.categories[0], stations[0])] = _from_result(result, flt.end)


nearrepeat.JOBS.on_result = remember


def pattern(session: Session, *, category: str, station_id: int, day: date,
            wait_s: float = PATTERN_WAIT_S) -> Pattern | None:
    """The cached pattern (fresh and of a window ending within a week of `day`), else computed now."""
    key = (cells._database(session), category, station_id)
    with _LOCK:
        known = PATTERNS.get(key)
    if (known is not None and time.monotonic() - known.computed < PATTERN_MAX_AGE_S
            and abs((day - timedelta(days=1) - known.window_end).days) <= 7):
        return known
    flt = _pattern_filter(category, day)
    body = nearrepeat.near_repeat(session, flt=flt, scope=AnalyticsScope(station_ids=(station_id,)), bands=Bands(),
                                  permutations=PATTERN_PERMUTATIONS, wait_s=wait_s)
    if body["result"] is None:
        return known  # still computing: an older answer if there is one
    # done, or the same window's answer of slightly older data while it is recomputed (stale)
    found = _from_result(body["result"], flt.end)
    with _LOCK:
        PATTERNS[key] = found
    return found


def issue(session: Session, *, incident: dict, found: Pattern | None, user_id: int, now: datetime) -> int | None:
    """Store the warning zone of a just-recorded incident; its id, or None (no pattern, or already expired)."""
    if found is None or not found.significant:
        return None
    starts = incident["occurred_at"]
    expires = starts + timedelta(days=found.days)
    if expires <= now:
        return None
    return session.execute(text(queries.INSERT_WARNING), {
        "incident_id": incident["id"], "station_id": incident["station_id"], "category": incident["category"],
        "lon": incident["lon"], "lat": incident["lat"], "radius_m": found.distance_m, "days": found.days,
        "knox_ratio": found.ratio, "knox_events": found.events, "starts_at": starts, "expires_at": expires,
        "user_id": user_id}).scalar_one()


def _item(row) -> dict:
    return {"id": row.id, "category": row.category, "radius_m": row.radius_m, "days": row.days,
            "starts_at": row.starts_at.astimezone(LOCAL_TZ).isoformat(),
            "expires_at": row.expires_at.astimezone(LOCAL_TZ).isoformat(),
            "issued_at": row.issued_at.astimezone(LOCAL_TZ).isoformat(), "households": row.households,
            "action": row.action, "beats": list(row.beats or []), "my_beats": list(row.my_beats or []),
            "lon": round(row.lon, 6), "lat": round(row.lat, 6)}


def active(session: Session, *, beat_ids: list[int], limit: int = MAX_ZONES) -> list[dict]:
    """The zones in force touching the beats, soonest expiry first (with their geometry as GeoJSON text)."""
    if not beat_ids:
        return []
    rows = session.execute(text(queries.ACTIVE_IN_BEATS), {"beat_ids": beat_ids, "limit": limit}).all()
    return [{**_item(r), "geometry": r.geometry} for r in rows]


def one(session: Session, *, warning_id: int, beat_ids: list[int]) -> dict | None:
    """One zone in force touching the beats (None otherwise)."""
    if not beat_ids:
        return None
    row = session.execute(text(queries.ONE), {"beat_ids": beat_ids, "limit": 1, "id": warning_id}).first()
    return None if row is None else _item(row)


def summary(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope) -> dict:
    """Counts of zones in force and issued in the period, per station and category: no place, no person."""
    rows = session.execute(text(queries.SUMMARY), {"stations": scope.stations_param, "start_at": flt.start_at,
                                                   "end_at": flt.end_at}).all()
    groups = [{"station_code": r.station_code, "station_name": r.station_name, "category": r.category,
               "active": r.active, "issued": r.issued, "households": r.households} for r in rows]
    return {"active": sum(g["active"] for g in groups), "issued": sum(g["issued"] for g in groups),
            "households": sum(g["households"] for g in groups), "groups": groups,
            "filters": flt.echo()}
