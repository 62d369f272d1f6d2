"""Response shapes of lookup, floorplan and search (documentation: PostgreSQL builds the JSON)."""
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel


class VillageRef(BaseModel):
    id: int
    code: str
    name: str
    kind: str


class BeatRef(BaseModel):
    id: int
    code: str
    name: str


class BuildingOut(BaseModel):
    id: int
    address: str
    std_address_code: str | None
    kind: str
    floors: int
    units: int
    built_year: int | None
    lon: float
    lat: float
    village: VillageRef | None
    beats: list[BeatRef]


class ResidentOut(BaseModel):
    id: int
    name: str
    id_number_masked: str
    age: int
    gender: str
    residency: str
    relation_to_head: str | None
    tags: list[str]
    phone_masked: str | None


class VehicleOut(BaseModel):
    id: int
    plate_masked: str
    kind: str
    brand: str | None
    color: str | None
    owner_person_id: int | None


class VisitOut(BaseModel):
    id: int
    visited_at: datetime
    by: str | None
    follow_up: bool
    flagged_far: bool
    notes: str | None
    distance_m: int | None  # metres from the visit's position to the building; null without a position


class DisputeOut(BaseModel):
    id: int
    title: str
    category: str
    grade: str
    status: str
    level: str
    reported_at: datetime
    next_return_visit: date | None


class HouseholdOut(BaseModel):
    id: int
    unit: int
    floor: int
    room: str
    kind: str
    hukou_no: str | None
    phone_masked: str | None
    residents: list[ResidentOut]
    vehicles: list[VehicleOut]
    visits: list[VisitOut]
    open_disputes: list[DisputeOut]


class IncidentOut(BaseModel):
    id: int
    occurred_at: datetime
    category: str
    source: str
    status: str
    summary: str | None
    distance_m: int


class LookupOut(BaseModel):
    building: BuildingOut
    households: list[HouseholdOut]
    incidents_nearby: list[IncidentOut]


class FloorplanRoom(BaseModel):
    household_id: int
    unit: int
    floor: int
    room: str
    kind: str
    residents: int
    flags: list[str]
    last_visit_at: datetime | None
    days_since_visit: int | None
    dispute_colour: str | None


class FloorplanOut(BaseModel):
    """Rooms sorted by unit, floor (top first), room; `building.units` × `building.floors` is the grid."""

    building: BuildingOut
    rooms: list[FloorplanRoom]


class SearchHit(BaseModel):
    type: Literal["person", "household", "vehicle", "building"]
    id: int
    label: str
    detail: str | None
    household_id: int | None
    building_id: int
    rank: int  # 0 exact, 1 prefix or trailing digits, 2 contains
    lon: float
    lat: float


class SearchOut(BaseModel):
    q: str
    results: list[SearchHit]
