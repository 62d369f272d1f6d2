"""Request and response shapes of 警情 recorded through the API (POST /api/incidents) and of the near-repeat
warnings they may issue (GET /api/warnings, GET /api/analytics/warnings)."""
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from api.analytics.schemas import FiltersEcho
from api.contract import Geometry
from api.visits.schemas import LonLat, not_in_future

MAX_AGE = timedelta(days=366)  # a 警情 is recorded within a year of happening
Category = Literal["theft", "fraud", "fight", "traffic", "dispute", "disturbance", "fire", "missing", "other"]
Source = Literal["110", "walk-in", "patrol"]


class IncidentCreate(BaseModel):
    """A 警情 as the officer records it; the station and the beat follow from the place."""

    model_config = ConfigDict(extra="forbid")
    occurred_at: datetime  # without an offset: China Standard Time; not in the future
    category: Category
    source: Source = "110"
    location: LonLat
    summary: str | None = Field(None, max_length=200)
    # the household it happened to (repeat victims): one of the recorder's beats
    household_id: int | None = Field(None, ge=1, le=2_147_483_647)

    @field_validator("occurred_at")
    @classmethod
    def _past(cls, value: datetime) -> datetime:
        try:
            value = not_in_future(value, "occurred_at")
        except ValueError as exc:  # a type of its own: the form names it in Chinese (errors.fields)
            raise PydanticCustomError("time_in_future", str(exc)) from None
        if value < datetime.now(UTC) - MAX_AGE:
            raise PydanticCustomError(
                "time_too_old", "{time} is more than {days} days ago; old incidents come in through an import",
                {"time": value.isoformat(), "days": MAX_AGE.days})
        return value


class WarningItem(BaseModel):
    """A near-repeat warning zone in force (its place is the incident's: no person)."""

    id: int
    category: Category
    radius_m: float  # the significant distance of the category's pattern …
    days: int  # … and its time band: the zone holds from the incident's time for this many days
    starts_at: str  # China Standard Time, ISO 8601
    expires_at: str
    issued_at: str
    households: int  # households in the zone when it was issued
    action: Literal["visit_reminder"]  # 走访提醒: the web app shows the category's prevention message
    beats: list[str]  # codes of the current beats the zone touches
    my_beats: list[str]  # those of them in the user's scope
    lon: float  # the zone's centre
    lat: float


class WarningFeature(BaseModel):
    type: Literal["Feature"]
    geometry: Geometry
    properties: WarningItem


class WarningsOut(BaseModel):
    """GET /api/warnings: the zones in force touching the user's beats."""

    type: Literal["FeatureCollection"]
    features: list[WarningFeature]


class IncidentOut(BaseModel):
    """POST /api/incidents: the stored incident and the warning zone it issued, if any."""

    id: int
    station_id: int
    beat_code: str
    occurred_at: datetime
    reported_at: datetime
    category: Category
    source: Source
    status: Literal["open", "handled", "closed"]
    summary: str | None
    household_id: int | None
    lon: float
    lat: float
    warning: WarningItem | None
    # why no warning: none_significant (no near-repeat pattern), expired (older than the pattern's days),
    # pattern_pending (the category's pattern is still being computed); null when a warning was issued
    no_warning_reason: Literal["none_significant", "expired", "pattern_pending"] | None


class WarningGroup(BaseModel):
    station_code: str
    station_name: str
    category: Category
    active: int
    issued: int
    households: int


class WarningsSummaryOut(BaseModel):
    """GET /api/analytics/warnings: counts only."""

    active: int  # zones in force now
    issued: int  # zones issued in the period
    households: int  # households in the zones in force
    groups: list[WarningGroup]
    filters: FiltersEcho
