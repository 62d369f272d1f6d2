"""The weekly 研判 report: build it for a China-time week (Monday–Sunday) of one station or the bureau, issue it
once (weekly_report) and answer issued reports as stored.

Sections (aggregates only — no resident, household or incident appears; officers are named in a station's
report, the bureau's report counts them per station):
- incidents per category: the week, the same week a year earlier (同比: the Monday–Sunday 52 weeks before,
  so weekdays match) and the 4 weeks before (环比: their sum and weekly mean; the change is against the mean);
- the 28-day trend: incidents per local day of the 28 days ending with the week's Sunday;
- hot spots: Getis-Ord Gi* (as GET /api/analytics/hotspots, 500 m hexagons) over the 28 days ending with the
  week against the 28 days before: a cell hot at 95 %+ now and not before is new, hot in both persisting, hot
  before only ended; the hottest cells now with the beat at their centre;
- near-repeat warning zones issued in the week per category (households in them), and in force at its end;
- disputes per colour: reported in the week, open at its end, of those overdue (response or mediation limit
  passed), and resolved ones whose return visit is late (holomap_report_disputes);
- visits: each community officer's and auxiliary's visits in the week and households visited in the month
  up to the week's end against the monthly targets (met, on pace = target × days elapsed / days of month).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import service as analytics
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import LOCAL_TZ, IncidentFilter
from api.auth.service import CurrentUser
from api.config import Settings
from api.disputes.lifecycle import MEDIATION_DAYS, RESPONSE_LIMIT_HOURS
from api.errors import Forbidden, InvalidInput, NotFound
from api.incidents.models import CATEGORIES
from api.reports import queries
from geo import binning
from geo.hotspots import gi_star

TREND_DAYS = 28
PREVIOUS_WEEKS = 4
HOT_CELL, HOT_SIZE_M = "hex", 500.0
HOT_CLASSES = ("hot95", "hot99")
HOT_LIST = 10
GRADES = ("red", "orange", "yellow", "green")
FIRST_WEEK = date(2000, 1, 3)


@dataclass(frozen=True)
class ReportScope:
    """One station, or the bureau (station_id None)."""

    station_id: int | None
    code: str | None
    name: str | None

    @property
    def stations(self) -> list[int] | None:
        return None if self.station_id is None else [self.station_id]


def monday(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def local_today(now: datetime | None = None) -> date:
    return (now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ).date()


def week_of(day: date | None, *, today: date) -> date:
    """The Monday of the asked week (any day of it); default: the last finished week. 422 beyond today's week."""
    start = monday(day) if day is not None else monday(today) - timedelta(days=7)
    if start > monday(today) or start < FIRST_WEEK:
        raise InvalidInput(f"week {start} is outside {FIRST_WEEK} … {monday(today)}; choose a week up to this one",
                           code="report.week_out_of_range",
                           params={"week": start.isoformat(), "first": FIRST_WEEK.isoformat(),
                                   "last": monday(today).isoformat()})
    return start


def scope_of(session: Session, *, user: CurrentUser, station_id: int | None) -> ReportScope:
    """The bureau or one station for leaders; the own station for a chief (403 for another)."""
    if station_id is None and user.can("bureau.read"):
        return ReportScope(station_id=None, code=None, name=None)
    if station_id is None:
        station_id = user.station_id
        if station_id is None:
            raise Forbidden("your account belongs to no station; ask the administrator to assign one",
                            code="account.no_station")
    elif not user.can("bureau.read") and station_id != user.station_id:
        raise Forbidden("you may read the weekly report of your own station only", code="report.other_station",
                        params={"station_id": station_id})
    row = session.execute(text(queries.STATION), {"station_id": station_id}).first()
    if row is None:
        raise NotFound(f"station {station_id} not found", code="report.station_not_found",
                       params={"station_id": station_id})
    return ReportScope(station_id=row.id, code=row.code, name=row.name)


def _at(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ)


def _pct(current: float, base: float) -> float | None:
    return round(100.0 * (current - base) / base, 1) if base else None


def _incidents(session: Session, *, start: date, stations: list[int] | None) -> tuple[dict, list[dict]]:
    """Per category: the week, 同比 and 环比; the 28-day trend."""
    end = start + timedelta(days=7)
    recent_start = start - timedelta(days=7 * PREVIOUS_WEEKS)
    year_start = start - timedelta(weeks=52)
    days: dict[tuple[str, date], int] = {}
    for a, b in ((recent_start, end), (year_start, year_start + timedelta(days=7))):
        for r in session.execute(text(queries.INCIDENT_DAYS), {"start_at": _at(a), "end_at": _at(b),
                                                                "stations": stations}):
            days[(r.category, r.day)] = days.get((r.category, r.day), 0) + r.n

    def total(category: str | None, a: date, n_days: int) -> int:
        span = {a + timedelta(days=k) for k in range(n_days)}
        return sum(n for (c, d), n in days.items() if d in span and (category is None or c == category))

    def row(category: str | None) -> dict:
        week, year = total(category, start, 7), total(category, year_start, 7)
        previous = total(category, recent_start, 7 * PREVIOUS_WEEKS)
        mean = previous / PREVIOUS_WEEKS
        return {"week": week, "last_year": year, "year_change_pct": _pct(week, year), "previous_4w": previous,
                "previous_4w_mean": round(mean, 2), "change_pct": _pct(week, mean)}

    seen = {c for c, _ in days}
    categories = [{"category": c, **row(c)} for c in CATEGORIES if c in seen]
    categories.sort(key=lambda r: (-r["week"], -r["previous_4w"], r["category"]))
    trend_start = end - timedelta(days=TREND_DAYS)
    trend = [{"day": (trend_start + timedelta(days=k)).isoformat(),
              "count": total(None, trend_start + timedelta(days=k), 1)} for k in range(TREND_DAYS)]
    body = {"total": row(None), "categories": categories, "periods": {
        "week": {"start": start.isoformat(), "end": (end - timedelta(days=1)).isoformat()},
        "last_year": {"start": year_start.isoformat(), "end": (year_start + timedelta(days=6)).isoformat()},
        "previous_4w": {"start": recent_start.isoformat(), "end": (start - timedelta(days=1)).isoformat()}}}
    return body, trend


def _hot(session: Session, *, end: date, scope: AnalyticsScope, study: set) -> dict:
    """Gi* over the 28 days ending on `end`: {cell: result} of every cell of the study area."""
    flt = IncidentFilter(start=end - timedelta(days=TREND_DAYS - 1), end=end)
    counts = analytics.cell_counts(session=session, flt=flt, scope=scope, cell=HOT_CELL, size=HOT_SIZE_M)
    cells = sorted(study | set(counts))
    return {r.cell: r for r in gi_star(cells, [counts.get(c, 0) for c in cells], HOT_CELL,
                                       include_zero_neighbours=False)}


def _hotspots(session: Session, *, start: date, stations: list[int] | None) -> dict:
    """New, persisting and ended hot spots (95 %+ Gi*) of the 28 days to the week's end against the 28 before."""
    scope = AnalyticsScope(station_ids=None if stations is None else tuple(stations))
    end = start + timedelta(days=6)
    study = analytics.extent_cells(session=session, scope=scope, cell=HOT_CELL, size=HOT_SIZE_M)
    now = _hot(session, end=end, scope=scope, study=study)
    before = _hot(session, end=end - timedelta(days=TREND_DAYS), scope=scope, study=study)
    hot_now = {c for c, r in now.items() if r.hotspot_class in HOT_CLASSES}
    hot_before = {c for c, r in before.items() if r.hotspot_class in HOT_CLASSES}
    listed = sorted(hot_now, key=lambda c: (-now[c].z, c))[:HOT_LIST]
    cells = []
    if listed:
        ij = np.array(listed, dtype=np.int64)
        x, y = analytics._cell_centres(HOT_CELL, ij, HOT_SIZE_M)
        lon, lat = binning.mercator_to_lonlat(x, y)
        beats = session.execute(text(queries.BEATS_AT), {"lons": lon.tolist(), "lats": lat.tolist()}).all()
        for k, c in enumerate(listed):
            cells.append({"status": "persisting" if c in hot_before else "new", "class": now[c].hotspot_class,
                          "z": round(float(now[c].z), 2), "count": int(now[c].count),
                          "count_before": int(before[c].count) if c in before else 0,
                          "lon": round(float(lon[k]), 5), "lat": round(float(lat[k]), 5),
                          "beat_code": beats[k].code, "beat_name": beats[k].name})
    return {"cell": HOT_CELL, "size_m": HOT_SIZE_M, "days": TREND_DAYS,
            "current": {"start": (end - timedelta(days=TREND_DAYS - 1)).isoformat(), "end": end.isoformat()},
            "new": len(hot_now - hot_before), "persisting": len(hot_now & hot_before),
            "ended": len(hot_before - hot_now), "cells": cells}


def _warnings(session: Session, *, start: date, stations: list[int] | None) -> dict:
    rows = session.execute(text(queries.WARNINGS), {"start_at": _at(start), "end_at": _at(start + timedelta(days=7)),
                                                   "stations": stations}).all()
    groups = [{"category": r.category, "issued": r.issued, "households": r.households,
               "active_at_end": r.active_at_end} for r in rows]
    return {"issued": sum(g["issued"] for g in groups), "households": sum(g["households"] for g in groups),
            "active_at_end": sum(g["active_at_end"] for g in groups), "categories": groups}


def _disputes(session: Session, *, start: date, stations: list[int] | None) -> dict:
    rows = {r.grade: r for r in session.execute(text(queries.DISPUTES), {
        "stations": stations, "start_at": _at(start), "end_at": _at(start + timedelta(days=7)),
        "response_hours": json.dumps(RESPONSE_LIMIT_HOURS), "mediation_days": MEDIATION_DAYS})}
    grades = [{"grade": g, "reported": rows[g].reported if g in rows else 0,
               "open": rows[g].open_at_end if g in rows else 0, "overdue": rows[g].overdue if g in rows else 0,
               "return_visits_late": rows[g].return_visits_late if g in rows else 0} for g in GRADES]
    keys = ("reported", "open", "overdue", "return_visits_late")
    return {"grades": grades, **{k: sum(g[k] for g in grades) for k in keys},
            "limits": {"response_hours": RESPONSE_LIMIT_HOURS, "mediation_days": MEDIATION_DAYS}}


def _visits(session: Session, *, start: date, scope: ReportScope, settings: Settings) -> dict:
    """Officers' and auxiliaries' visits: the week, and the month to the week's end against the targets."""
    last = start + timedelta(days=6)
    month_start = last.replace(day=1)
    days_in_month = (month_start.replace(year=month_start.year + month_start.month // 12,
                                         month=month_start.month % 12 + 1) - month_start).days
    elapsed = last.day
    target, key_target = settings.monthly_visit_target, settings.monthly_key_person_target
    staff = session.execute(text(queries.STAFF), {"stations": scope.stations}).all()
    visits = {r.user_id: r for r in session.execute(text(queries.VISITS), {
        "user_ids": [s.id for s in staff], "start_at": _at(start), "end_at": _at(start + timedelta(days=7)),
        "month_start_at": _at(month_start)})}
    pace = math.ceil(target * elapsed / days_in_month)
    officers = []
    for s in staff:
        v = visits.get(s.id)
        households = v.month_households if v else 0
        officers.append({"name": s.name, "role": s.role, "station_code": s.station_code,
                         "station_name": s.station_name, "beats": list(s.beats),
                         "week_visits": v.week_visits if v else 0, "week_households": v.week_households if v else 0,
                         "month_households": households, "month_key_households": v.month_key_households if v else 0,
                         "met": households >= target, "on_pace": households >= pace,
                         "key_met": (v.month_key_households if v else 0) >= key_target})
    keys = ("week_visits", "week_households", "month_households")
    flags = ("met", "on_pace", "key_met")

    def summed(rows: list[dict]) -> dict:
        return {"officers": len(rows), **{k: sum(r[k] for r in rows) for k in keys},
                **{k: sum(1 for r in rows if r[k]) for k in flags}}

    body = {"month": month_start.strftime("%Y-%m"), "month_start": month_start.isoformat(), "as_of": last.isoformat(),
            "days_elapsed": elapsed, "days_in_month": days_in_month, "target": target, "key_person_target": key_target,
            "pace_target": pace, **summed(officers)}
    if scope.station_id is not None:
        body["rows"] = officers
        body["stations"] = None
    else:  # the bureau: per station, no names
        by_station: dict[str, list[dict]] = {}
        for o in officers:
            by_station.setdefault(o["station_code"], []).append(o)
        body["rows"] = None
        body["stations"] = [{"station_code": code, "station_name": rows[0]["station_name"], **summed(rows)}
                            for code, rows in by_station.items()]
    return body


def build(session: Session, *, start: date, scope: ReportScope, settings: Settings, now: datetime) -> dict:
    """The report of the week starting on Monday `start` for the scope (not stored)."""
    incidents, trend = _incidents(session, start=start, stations=scope.stations)
    finished = now >= _at(start + timedelta(days=7))
    return {
        "week": {"start": start.isoformat(), "end": (start + timedelta(days=6)).isoformat(),
                 "iso": "{}-W{:02d}".format(*start.isocalendar()[:2])},
        "station": None if scope.station_id is None else {"id": scope.station_id, "code": scope.code,
                                                           "name": scope.name},
        "status": "issued" if finished else "provisional",
        "generated_at": now.astimezone(LOCAL_TZ).isoformat(timespec="seconds"),
        "incidents": incidents, "trend": trend,
        "hotspots": _hotspots(session, start=start, stations=scope.stations),
        "warnings": _warnings(session, start=start, stations=scope.stations),
        "disputes": _disputes(session, start=start, stations=scope.stations),
        "visits": _visits(session, start=start, scope=scope, settings=settings),
    }


def stored(session: Session, *, start: date, station_id: int | None) -> str | None:
    """The issued report's JSON text, or None."""
    return session.execute(text(queries.STORED), {"week": start, "station_id": station_id}).scalar()


def issue(session: Session, *, start: date, scope: ReportScope, settings: Settings, user_id: int | None,
          now: datetime | None = None) -> tuple[str, bool]:
    """The week's report as JSON text: the issued one if any; else built now and, when the week is over,
    stored (the first insert wins a race; every caller then answers the stored text). (text, newly issued)."""
    found = stored(session, start=start, station_id=scope.station_id)
    if found is not None:
        return found, False
    now = now or datetime.now(LOCAL_TZ)
    body = build(session, start=start, scope=scope, settings=settings, now=now)
    text_body = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if body["status"] != "issued":
        return text_body, False
    inserted = session.execute(text(queries.STORE), {"week": start, "station_id": scope.station_id,
                                                     "body": text_body, "user_id": user_id}).scalar()
    return stored(session, start=start, station_id=scope.station_id), inserted is not None


def issue_all(session: Session, *, start: date, settings: Settings) -> dict[str, bool]:
    """The scheduled job: the week's report of every station and of the bureau, each issued once.
    {station code or 'bureau': newly issued}; the caller commits."""
    done = {}
    now = datetime.now(LOCAL_TZ)
    if now < _at(start + timedelta(days=7)):
        raise InvalidInput(f"the week of {start} is not over yet: a report is issued once its Sunday has passed "
                           "(China time)", code="report.week_not_finished", params={"week": start.isoformat()})
    scopes = [ReportScope(station_id=r.id, code=r.code, name=r.name)
              for r in session.execute(text(queries.STATIONS), {"stations": None})]
    for scope in [*scopes, ReportScope(station_id=None, code=None, name=None)]:
        _, new = issue(session, start=start, scope=scope, settings=settings, user_id=None, now=now)
        done[scope.code or "bureau"] = new
    return done
