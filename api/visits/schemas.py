"""Request and response shapes of visits (DESIGN.md: POST /api/visits)."""
from datetime import UTC, datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from api.visits.models import CHECKLIST_ITEMS
from geo.geometry import GeometryInputError, parse_geojson_geometry

FUTURE_TOLERANCE = timedelta(minutes=5)  # device clocks drift; beyond this a time is "in the future"
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))


def check_lonlat(lon: float, lat: float) -> None:
    """Raise ValueError with the reason when (lon, lat) is not a usable WGS84 position."""
    try:
        parse_geojson_geometry({"type": "Point", "coordinates": [lon, lat]}, allowed=("Point",))
    except GeometryInputError as exc:
        raise ValueError(exc.message) from None


def not_in_future(value: datetime | None, field: str) -> datetime | None:
    """Times without an offset are China Standard Time; later than now (+5 min) is refused."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_STANDARD_TIME)
    if value > datetime.now(UTC) + FUTURE_TOLERANCE:
        raise ValueError(f"{field} {value.isoformat()} lies in the future; give the time it happened")
    return value


class LonLat(BaseModel):
    """A WGS84 position: longitude first."""

    model_config = ConfigDict(extra="forbid")
    lon: float
    lat: float

    @model_validator(mode="after")
    def _valid(self) -> "LonLat":
        check_lonlat(self.lon, self.lat)
        return self


class VisitLocation(LonLat):
    """The device's GPS fix at the time of the visit."""

    accuracy_m: float | None = Field(None, ge=0, le=100_000)


def _check_checklist(value: dict[str, bool]) -> dict[str, bool]:
    unknown = sorted(set(value) - set(CHECKLIST_ITEMS))
    if unknown:
        raise ValueError(
            f"unknown checklist item(s): {', '.join(unknown)}; known items: {', '.join(CHECKLIST_ITEMS)}"
        )
    return value


class VisitCreate(BaseModel):
    """POST /api/visits."""

    model_config = ConfigDict(extra="forbid")
    household_id: int = Field(gt=0)
    visited_at: datetime | None = None
    checklist: dict[str, StrictBool] = Field(default_factory=dict)
    notes: str | None = Field(None, max_length=4000)
    follow_up: bool = False
    location: VisitLocation | None = None

    _checklist = field_validator("checklist")(_check_checklist)

    @field_validator("visited_at")
    @classmethod
    def _visited_at(cls, value: datetime | None) -> datetime | None:
        return not_in_future(value, "visited_at")


class VisitUpdate(BaseModel):
    """PATCH /api/visits/{id}: the author's correction within the edit window; only given fields change."""

    model_config = ConfigDict(extra="forbid")
    visited_at: datetime | None = None
    checklist: dict[str, StrictBool] | None = None
    notes: str | None = Field(None, max_length=4000)
    follow_up: bool | None = None
    location: VisitLocation | None = None

    @field_validator("checklist")
    @classmethod
    def _checklist(cls, value: dict[str, bool] | None) -> dict[str, bool] | None:
        return None if value is None else _check_checklist(value)

    @field_validator("visited_at")
    @classmethod
    def _visited_at(cls, value: datetime | None) -> datetime | None:
        return not_in_future(value, "visited_at")


class ChecklistItem(BaseModel):
    key: str
    group: str
    label: str


class VisitOut(BaseModel):
    """A stored visit with the server's distance check."""

    id: int
    household_id: int
    user_id: int
    user_name: str
    visited_at: datetime
    checklist: dict[str, bool]
    checklist_done: int
    notes: str | None
    follow_up: bool
    location: VisitLocation | None
    distance_m: float | None
    flagged_far: bool
    created_at: datetime
    updated_at: datetime
    editable_until: datetime
    editable: bool
    photo_ids: list[int] = Field(default_factory=list, description="its photos (GET /api/photos/{id}), oldest first")


class VisitList(BaseModel):
    household_id: int
    total: int
    visits: list[VisitOut]
