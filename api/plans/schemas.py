"""Request bodies of the plans domain (responses are built by the database and the service)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BeatKind = Literal["urban", "rural"]


class PlanCreate(BaseModel):
    """A new draft: copied from the current plan, or from `based_on`."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    based_on: int | None = None


class BeatUpdate(BaseModel):
    """Changes to one beat of a draft; `geometry` is GeoJSON (Multi)Polygon in lon/lat."""

    model_config = ConfigDict(extra="forbid")
    geometry: dict | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: BeatKind | None = None
    locked: bool | None = None
    repair: bool = False


class BeatCreate(BaseModel):
    """A new beat in a draft."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    kind: BeatKind
    geometry: dict
    repair: bool = False


class AssignRequest(BaseModel):
    """Whole villages and/or buildings to move into one beat."""

    model_config = ConfigDict(extra="forbid")
    beat_id: int
    village_ids: list[int] = Field(default_factory=list, max_length=500)
    building_ids: list[int] = Field(default_factory=list, max_length=5000)


class ProposeRequest(BaseModel):
    """Options of the automatic proposal."""

    model_config = ConfigDict(extra="forbid")
    beats: int | None = Field(None, ge=1, le=500)
    balance_on: Literal["residents", "households", "workload"] = "residents"


class HouseholdDrillDown(BaseModel):
    """Buildings whose households a station chief wants to see in the diff."""

    model_config = ConfigDict(extra="forbid")
    building_ids: list[int] = Field(min_length=1, max_length=200)
