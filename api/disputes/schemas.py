"""Request and response shapes of disputes, their parties and events."""
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.disputes.lifecycle import PARTY_SIDES, USER_EVENT_KINDS
from api.disputes.models import CATEGORIES, GRADES, STATUSES
from api.visits.schemas import LonLat, not_in_future

Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Grade = Literal[GRADES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Side = Literal[PARTY_SIDES]  # type: ignore[valid-type]
EventKind = Literal[USER_EVENT_KINDS]  # type: ignore[valid-type]


class PartyIn(BaseModel):
    """A party on one side of the dispute: a person or a whole household of the register, or someone from
    outside it by name (and phone)."""

    model_config = ConfigDict(extra="forbid")
    person_id: int | None = Field(None, gt=0)
    household_id: int | None = Field(None, gt=0)
    name: str | None = Field(None, min_length=1, max_length=50, description="an outsider's name")
    phone: str | None = Field(None, pattern=r"^[0-9+\- ]{5,20}$", description="an outsider's phone")
    side: Side = "applicant"

    @model_validator(mode="after")
    def _one_of(self) -> "PartyIn":
        if self.name is not None:
            self.name = self.name.strip()
        given = [self.person_id is not None, self.household_id is not None, bool(self.name)]
        if sum(given) != 1:
            raise ValueError("a party is a person_id, a household_id or a name (exactly one)")
        if self.phone is not None and not self.name:
            raise ValueError("a phone is given only with an outsider's name")
        return self


class DisputeCreate(BaseModel):
    """POST /api/disputes; the beat is derived from the location."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    category: Category
    grade: Grade
    location: LonLat
    summary: str | None = Field(None, max_length=8000)
    reported_at: datetime | None = None
    parties: list[PartyIn] = Field(default_factory=list, max_length=50)

    @field_validator("reported_at")
    @classmethod
    def _reported_at(cls, value: datetime | None) -> datetime | None:
        return not_in_future(value, "reported_at")


class DisputeUpdate(BaseModel):
    """PATCH /api/disputes/{id}: a status transition and/or corrected details."""

    model_config = ConfigDict(extra="forbid")
    status: Status | None = None
    grade: Grade | None = None
    category: Category | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    summary: str | None = Field(None, max_length=8000)
    note: str | None = Field(None, max_length=4000, description="recorded with the status change")


class EventCreate(BaseModel):
    """POST /api/disputes/{id}/events."""

    model_config = ConfigDict(extra="forbid")
    kind: EventKind
    text: str | None = Field(None, max_length=8000)
    at: datetime | None = None

    @field_validator("at")
    @classmethod
    def _at(cls, value: datetime | None) -> datetime | None:
        return not_in_future(value, "at")

    @model_validator(mode="after")
    def _note_has_text(self) -> "EventCreate":
        if self.kind == "note" and not (self.text or "").strip():
            raise ValueError("a note needs text")
        return self


class DisputeOut(BaseModel):
    """A dispute with its deadlines, overdue flags and what may be done next."""

    id: int
    title: str
    category: str
    grade: str
    status: str
    level: str
    lon: float | None = Field(description="where it happened; its household's building when no location was "
                              "recorded (an import); null when neither is known")
    lat: float | None
    beat_id: int | None
    beat_code: str | None
    household_id: int | None
    summary: str | None
    reported_by: int | None
    reported_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    agreement_signed: bool
    next_return_visit: date | None
    response_due_at: datetime
    resolution_due_at: datetime
    overdue_response: bool
    overdue_resolution: bool
    overdue_return_visit: bool
    overdue: bool
    allowed_transitions: list[str]
    allowed_events: list[str]


class PartyOut(BaseModel):
    id: int
    side: str
    outsider: bool = False  # named by the reporter, not in the register
    person_id: int | None
    household_id: int | None
    name: str | None
    id_number_masked: str | None
    phone_masked: str | None
    address: str | None


class EventOut(BaseModel):
    id: int
    at: datetime
    kind: str
    text: str | None
    user_id: int | None
    user_name: str | None


class DisputeDetail(DisputeOut):
    parties: list[PartyOut]
    events: list[EventOut]
    photo_ids: list[int] = Field(default_factory=list, description="its photos (GET /api/photos/{id}), oldest first")


class DisputeList(BaseModel):
    total: int
    disputes: list[DisputeOut]
