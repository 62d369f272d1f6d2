"""Shapes of the worklist (each item with a point to fly to) and the officer's month."""
from datetime import date, datetime

from pydantic import BaseModel

from api.disputes.schemas import DisputeOut
from api.incidents.schemas import WarningItem
from api.quality.schemas import QualityTasks


class HouseholdDue(BaseModel):
    household_id: int
    building_id: int
    address: str
    unit: int
    floor: int
    room: str
    kind: str
    beat_code: str
    last_visited_at: datetime | None
    lon: float
    lat: float


class KeyPersonDue(BaseModel):
    person_id: int
    name: str
    tags: list[str]
    reason_tags: list[str]  # the tags that count as key person (the setting) this resident has
    household_id: int
    building_id: int
    address: str
    unit: int
    floor: int
    room: str
    beat_code: str
    last_visited_at: datetime | None
    lon: float
    lat: float


class HouseholdSection(BaseModel):
    total: int
    days: int
    items: list[HouseholdDue]


class KeyPersonSection(BaseModel):
    total: int
    month_start: date
    key_tags: list[str]  # the tags that count (GET /api/settings/key-person-tags)
    items: list[KeyPersonDue]


class DisputeSection(BaseModel):
    total: int
    items: list[DisputeOut]


class WarningSection(BaseModel):
    total: int
    items: list[WarningItem]  # 近重复预警 zones in force touching the beats: 走访提醒 for their households


class Worklist(BaseModel):
    """GET /api/worklist: sections present unless `section` asked for one."""

    beats: list[str]
    households_due: HouseholdSection | None = None
    key_persons_due: KeyPersonSection | None = None
    disputes_due: DisputeSection | None = None
    disputes_red_orange: DisputeSection | None = None
    quality: QualityTasks | None = None  # 数据质量 items to fix (issue 17)
    warnings: WarningSection | None = None  # near-repeat warning zones in force (issue 21)


class Target(BaseModel):
    count: int
    target: int
    met: bool


class OfficerMonth(BaseModel):
    """The user's month against the seed documents' targets."""

    user_id: int
    username: str
    month: str
    households_visited: Target
    key_persons_visited: Target
    visits: int
    visits_flagged_far: int
    visits_follow_up: int
    disputes_mediated: int
    disputes_reported: int
    information_collected: int
    floating_registered: int
    vehicles_registered: int
