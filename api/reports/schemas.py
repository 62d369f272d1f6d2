"""Response shape of GET /api/reports/weekly (aggregates only; staff are named in a station's report)."""
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class Period(BaseModel):
    start: date
    end: date


class Week(Period):
    iso: str  # 2026-W48


class StationRef(BaseModel):
    id: int
    code: str
    name: str


class IncidentFigures(BaseModel):
    week: int
    last_year: int  # 同比: the Monday–Sunday 52 weeks before
    year_change_pct: float | None
    previous_4w: int  # 环比: the 4 weeks before, summed
    previous_4w_mean: float
    change_pct: float | None  # against the 4 weeks' weekly mean


class CategoryFigures(IncidentFigures):
    category: str


class IncidentPeriods(BaseModel):
    week: Period
    last_year: Period
    previous_4w: Period


class Incidents(BaseModel):
    total: IncidentFigures
    categories: list[CategoryFigures]
    periods: IncidentPeriods


class TrendDay(BaseModel):
    day: date
    count: int


class HotCell(BaseModel):
    status: Literal["new", "persisting"]
    class_: str = Field(alias="class")  # hot95 / hot99
    z: float
    count: int  # incidents in the cell in the 28 days
    count_before: int  # in the 28 days before
    lon: float  # the cell's centre
    lat: float
    beat_code: str | None
    beat_name: str | None


class Hotspots(BaseModel):
    cell: str
    size_m: float
    days: int
    current: Period
    new: int
    persisting: int
    ended: int
    cells: list[HotCell]


class WarningCategory(BaseModel):
    category: str
    issued: int
    households: int
    active_at_end: int


class Warnings(BaseModel):
    issued: int
    households: int
    active_at_end: int
    categories: list[WarningCategory]


class DisputeGrade(BaseModel):
    grade: Literal["red", "orange", "yellow", "green"]
    reported: int  # in the week
    open: int  # at the week's end
    overdue: int  # open, past the response or mediation limit
    return_visits_late: int  # resolved, the return visit due and not done


class Disputes(BaseModel):
    grades: list[DisputeGrade]
    reported: int
    open: int
    overdue: int
    return_visits_late: int
    limits: dict


class VisitFigures(BaseModel):
    officers: int
    week_visits: int
    week_households: int
    month_households: int
    met: int
    on_pace: int
    key_met: int


class OfficerVisits(BaseModel):
    name: str
    role: str
    station_code: str
    station_name: str
    beats: list[str]
    week_visits: int
    week_households: int
    month_households: int
    month_key_households: int
    met: bool
    on_pace: bool
    key_met: bool


class StationVisits(VisitFigures):
    station_code: str
    station_name: str


class Visits(VisitFigures):
    month: str
    month_start: date
    as_of: date
    days_elapsed: int
    days_in_month: int
    target: int
    key_person_target: int
    pace_target: int
    rows: list[OfficerVisits] | None  # a station's report
    stations: list[StationVisits] | None  # the bureau's report


class WeeklyReportOut(BaseModel):
    """GET /api/reports/weekly: the 研判周报 of a China-time week, issued (stored, unchanged) or provisional."""

    week: Week
    station: StationRef | None  # None: the bureau
    status: Literal["issued", "provisional"]
    generated_at: str
    incidents: Incidents
    trend: list[TrendDay]
    hotspots: Hotspots
    warnings: Warnings
    disputes: Disputes
    visits: Visits
