"""Response shapes of lookup, floorplan and search (documentation: PostgreSQL builds the JSON)."""
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


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


class BuildingDocOut(BuildingOut):
    """The building of the lookup and the 楼盘表 (api/places/sql/fragments.sql): also its use and owner."""

    use: str | None
    owner_name: str | None
    owner_phone_masked: str | None
    photo_ids: list[int] = Field(description="the building's photos (门头照), oldest first; GET /api/photos/{id}")


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


class LookupResidentOut(ResidentOut):
    """A resident of the lookup: also the documents the 数据质量 checks look at."""

    registered_address: str | None
    permit_expires: date | None
    document_kind: str
    nationality: str | None
    visa_expires: date | None


class LookupHouseholdOut(HouseholdOut):
    """A household of the lookup: also its landlord and lease (出租屋管理)."""

    landlord_name: str | None
    landlord_phone_masked: str | None
    lease_start: date | None
    lease_end: date | None
    residents: list[LookupResidentOut]


class IncidentOut(BaseModel):
    id: int
    occurred_at: datetime
    category: str
    source: str
    status: str
    summary: str | None
    distance_m: int


class EmployeeOut(BaseModel):
    """An employee of an organisation, identity masked (as residents are)."""

    id: int
    name: str
    id_number_masked: str | None
    role: str | None
    since: date | None
    person_id: int | None
    phone_masked: str | None


class LookupOrganisationOut(BaseModel):
    """实有单位 in the building (api/organisations), with its current employees."""

    id: int
    name: str
    kind: str
    small_venue: bool
    key_unit: bool
    credit_code: str | None
    status: str
    unit: int | None
    floor: int | None
    room: str | None
    person_in_charge: str | None
    phone_masked: str | None
    opened_on: date | None
    fire_check_on: date | None
    employees: list[EmployeeOut]


class LookupOut(BaseModel):
    """The first screen of a building: `households` is the first page (unit, floor, room order) of
    `households_total`; GET /api/buildings/{id}/households pages the rest. `incidents_nearby`: the newest 20 of
    `incidents_nearby_total`."""

    building: BuildingDocOut
    households: list[LookupHouseholdOut]
    households_total: int
    residents_total: int
    organisations: list[LookupOrganisationOut]
    incidents_nearby: list[IncidentOut]
    incidents_nearby_total: int


class HouseholdPageOut(BaseModel):
    """A page of a building's households in the user's beats, in the lookup's order."""

    building_id: int
    offset: int
    limit: int
    total: int
    households: list[LookupHouseholdOut]


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


class FloorplanOrganisation(BaseModel):
    """An organisation in its unit/floor/room of the 楼盘表 (unit, floor, room null: the whole building)."""

    organisation_id: int
    name: str
    kind: str
    small_venue: bool
    key_unit: bool
    status: str
    unit: int | None
    floor: int | None
    room: str | None
    employees: int


class FloorplanOut(BaseModel):
    """Rooms sorted by unit, floor (top first), room; `building.units` × `building.floors` is the grid."""

    building: BuildingDocOut
    rooms: list[FloorplanRoom]
    organisations: list[FloorplanOrganisation]


class SearchHit(BaseModel):
    type: Literal["person", "household", "vehicle", "building", "organisation"]
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
