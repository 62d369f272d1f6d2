"""Request bodies and response shapes of the plans domain (the service builds dicts of these shapes)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.contract import Feature, FeatureCollection, IsoDateTime

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
    # min_change: keep the beats, move the fewest households (whole villages) to meet target_ratio per kind
    # (an integer program); regrow: rebuild the unlocked beats from villages (always with `beats`)
    objective: Literal["min_change", "regrow"] = "min_change"
    target_ratio: float = Field(2.0, ge=1.05, le=20.0)


class PlanRename(BaseModel):
    """A draft's new name."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class ReviewNote(BaseModel):
    """The planner's note when submitting, the chief's comment when approving or returning."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=2000)


class HouseholdDrillDown(BaseModel):
    """Buildings whose households a station chief wants to see in the diff."""

    model_config = ConfigDict(extra="forbid")
    building_ids: list[int] = Field(min_length=1, max_length=200)


# ---- responses --------------------------------------------------------------------------------------

PlanStatus = Literal["draft", "published", "archived"]


class DisputeColours(BaseModel):
    green: int
    yellow: int
    orange: int
    red: int


class AreaStats(BaseModel):
    """Aggregates of an area (POST /api/beats/stats) and of each beat of a plan."""

    households: int
    residents: int
    floating: int
    key_persons: int
    incidents_12m: int
    disputes_open: DisputeColours
    buildings: int
    villages: int
    area_km2: float


class PlanMember(BaseModel):
    username: str
    display_name: str
    duty: str


class PlanBeatProperties(BaseModel):
    id: int
    code: str
    name: str
    kind: BeatKind
    version: int
    locked: bool
    members: list[PlanMember]
    stats: AreaStats | None
    label: list[float] | None = Field(None, description="[lon, lat] of the pole of inaccessibility")


class PlanFields(BaseModel):
    id: int
    station_id: int
    name: str
    status: PlanStatus
    created_at: IsoDateTime
    based_on: int | None
    published_at: IsoDateTime | None
    archived_at: IsoDateTime | None
    created_by: str | None
    approved_by: str | None
    review_state: Literal["submitted", "returned"] | None = None


class PlanSummary(PlanFields):
    """A row of GET /api/plans: `beats` is the number of beats."""

    beats: int


class PlanOut(PlanFields):
    """A plan with its beats as a FeatureCollection (each beat's id and version in its properties)."""

    beats: FeatureCollection[PlanBeatProperties]


PlanBeatFeature = Feature[PlanBeatProperties]  # a beat of a draft (POST/PUT …/beats)


class Problem(BaseModel):
    """One finding of the rule checks; the keys after `location` appear only for the kinds that have them."""

    kind: str
    severity: Literal["error", "warning"]
    message: str
    location: list[float] | None
    params: dict[str, Any] = Field(description="the values of the finding's sentence (the web app words it by kind)")
    beats: list[str] | None = None
    area_m2: float | None = None
    parts: int | None = None
    polsby_popper: float | None = None
    count: int | None = None
    building_ids: list[int] | None = None
    village_id: int | None = None
    beat_kind: str | None = None


class CheckedBeat(BaseModel):
    id: int
    code: str
    kind: BeatKind
    households: int
    residents: int
    villages: int
    area_km2: float
    polsby_popper: float | None = None  # absent for a beat without area
    parts: int | None = None


class Balance(BaseModel):
    beats: int
    households_ratio: float | None
    residents_ratio: float | None


class CheckOut(BaseModel):
    """GET /api/plans/{id}/check: errors block publishing, warnings inform."""

    plan_id: int
    ok: bool
    errors: int
    warnings: int
    problems: list[Problem]
    beats: list[CheckedBeat]
    balance: dict[str, Balance]  # "all", "urban", "rural" (kinds present)
    # the sizing rules (Settings) the beats are measured against, per kind, for the target bars
    targets: dict[str, dict[str, int]]


class MoveCounts(BaseModel):
    households: int
    residents: int
    buildings: int


class DiffTotals(MoveCounts):
    villages: int


class BeatMove(MoveCounts):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
    from_: str | None = Field(alias="from")
    to: str | None


class VillageMove(MoveCounts):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
    village_id: int | None
    village: str | None
    from_: list[str | None] = Field(alias="from")
    to: list[str | None]


class BuildingMove(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
    building_id: int
    address: str
    village: str | None
    from_: str | None = Field(alias="from")
    to: str | None
    households: int
    residents: int
    location: list[float]


class HouseholdMove(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
    household_id: int
    building_id: int
    address: str
    unit: int
    floor: int
    room: str
    from_: str | None = Field(alias="from")
    to: str | None


class OfficerChange(BaseModel):
    username: str
    display_name: str
    duty: str
    beat: str
    gains_households: int
    loses_households: int


class DiffOut(BaseModel):
    """GET /api/plans/{id}/diff: buildings, villages and counts; `households` only on a chief's drill-down."""

    plan_id: int
    # land changing beat, drawn on the map: Features with from, to, area_m2, households (of that move)
    areas: dict[str, Any]
    totals: DiffTotals
    moves: list[BeatMove]
    villages: list[VillageMove]
    buildings: list[BuildingMove]
    buildings_truncated: bool
    officers: list[OfficerChange]
    households: list[HouseholdMove] | None = None


class SplitVillage(BaseModel):
    kind: Literal["split_village"]
    village: str
    village_id: int
    beats: list[str]
    location: list[float]
    message: str


class ChangedBeat(BaseModel):
    id: int
    code: str
    version: int
    stats: AreaStats


class AssignOut(BaseModel):
    changed_beats: list[str]
    warnings: list[SplitVillage]
    beats: list[ChangedBeat] = Field(description="the beats the edit changed, with their new version and figures "
                                                 "(the live numbers; the others did not change)")


class PublishOut(BaseModel):
    plan_id: int
    status: Literal["published"]
    published_at: IsoDateTime
    archived_plan_id: int | None
    households: int
    incidents: int
    disputes: int
    warnings: int


class ProposedBeat(BaseModel):
    code: str | None = None
    kind: BeatKind
    villages: int
    load: float
    households: int
    residents: int


class RuleUnmet(BaseModel):
    """A beat of the proposal that breaks its kind's sizing rule (Settings), worded in Chinese by `code`."""

    code: Literal["plan.rule_unmet.rural", "plan.rule_unmet.urban"]
    beat: str
    message: str
    params: dict[str, Any]


class ProposeSearch(BaseModel):
    """What 自动均衡 searched: the units it moved, how many and how many moves it weighed, whether proven."""

    units: Literal["villages", "village_parts"]  # whole villages; or parts of the villages of a kind missing a rule
    entities: int
    candidate_moves: int
    villages_in_parts: int
    hops: Literal[1, 2]  # 1: only moves next to the target beat were searched; 2: chains of two as well
    proven: bool
    seconds: float
    villages_model_proven: bool | None = None  # with parts: the kinds kept from the village model were proven


class ProposeOut(BaseModel):
    balance_on: Literal["residents", "households", "workload"]
    beats: list[ProposedBeat]
    balance_ratio: float | None
    balance_ratio_by_kind: dict[str, float | None]
    objective: Literal["min_change", "regrow"] = "regrow"
    target_ratio: float | None = None
    # min_change: every kind's max/min is within target_ratio and every beat meets its sizing rule
    target_met: bool | None = None
    rules_unmet: list[RuleUnmet] | None = None  # min_change: the sizing rules no arrangement met
    households_moved: int | None = None
    villages_moved: int | None = None
    villages_split: int | None = None  # min_change: villages cut into parts between beats
    buildings_moved: int | None = None  # min_change: buildings of the parts that moved
    # min_change: CBC proved the proposal optimal for the whole model named in `search` (every candidate move
    # at once) — never for a part of it; false: the best found in the time, with what was searched
    optimal: bool | None = None
    search: ProposeSearch | None = None
    seconds: float | None = None
    plan: PlanOut


class PlanStep(BaseModel):
    seq: int
    kind: str
    label: str
    undone: bool
    by: str | None
    at: str


class HistoryOut(BaseModel):
    """A draft's undo/redo history (oldest first)."""

    plan_id: int
    steps: list[PlanStep]
    can_undo: bool
    can_redo: bool


class UndoOut(HistoryOut):
    """What undo/redo replayed, and the history after it."""

    step: PlanStep | None = None


class ReviewEvent(BaseModel):
    action: Literal["submit", "return", "approve", "publish"]
    note: str
    by: str | None
    at: str


class ReviewOut(BaseModel):
    """A plan's review state and its submit / return / approve history."""

    plan_id: int
    status: PlanStatus
    review_state: Literal["submitted", "returned"] | None
    events: list[ReviewEvent]
