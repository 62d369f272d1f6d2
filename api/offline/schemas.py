"""Shapes of the offline beat pack (documentation and contract: PostgreSQL builds most of the JSON)."""
from typing import Any

from pydantic import BaseModel, Field

from api.contract import IsoDateTime
from api.places.schemas import BuildingDocOut, LookupHouseholdOut, LookupOrganisationOut
from api.worklist.schemas import Worklist


class PackBeat(BaseModel):
    id: int
    code: str
    name: str
    geometry: dict[str, Any] = Field(description="GeoJSON geometry (WGS84)")


class PackBuilding(BaseModel):
    """A building as the lookup document has it, with its footprint; households and organisations of the
    user's beats only (a building standing in one of the beats is in the pack without households too)."""

    building: BuildingDocOut
    footprint: dict[str, Any] = Field(description="GeoJSON geometry (WGS84)")
    households: list[LookupHouseholdOut]
    organisations: list[LookupOrganisationOut]


class PackCounts(BaseModel):
    buildings: int
    households: int
    residents: int
    vehicles: int
    visits: int


class PackSummary(BaseModel):
    """GET /api/offline/pack/summary: what a download would hold, before downloading it."""

    beats: list[str]
    counts: PackCounts
    estimated_bytes: int = Field(description="about this many bytes of JSON (before compression)")
    expires_hours: int


class PackUser(BaseModel):
    id: int
    username: str


class DisputeRule(BaseModel):
    transitions: list[str] = Field(description="statuses a dispute may move to (PATCH {status})")
    events: list[str] = Field(description="event kinds that may be recorded (POST /api/disputes/{id}/events)")


class OfflinePack(BaseModel):
    """GET /api/offline/pack: the user's beats for offline work. Identity data masked, never revealed."""

    version: int
    generated_at: IsoDateTime
    expires_at: IsoDateTime
    user: PackUser
    beat_codes: list[str]
    beats: list[PackBeat]
    bbox: list[float] | None = Field(description="[west, south, east, north] of the beats")
    buildings: list[PackBuilding]
    worklist: Worklist
    dispute_rules: dict[str, dict[str, DisputeRule]] = Field(
        description="per open status, then mediation level: what this user may do to such a dispute offline "
                    "(the server checks again when the queued write arrives)")
