"""Response shapes of /api/analytics (aggregates only: no personal data in any of them).

heat and hotspots are JSON text built vectorised (api/analytics/cellgeojson), the others dicts; the routes
declare these models and tests/contracts checks the real bodies against them.
"""
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from api.contract import Geometry


class FiltersEcho(BaseModel):
    """The filters the figures were computed with (defaults filled in)."""

    start: date
    end: date
    categories: list[str]
    hours: list[int]
    weekdays: list[int]


class Period(BaseModel):
    start: date
    end: date


class HeatCellProperties(BaseModel):
    cell: str  # "i,j" grid index
    count: int


class HotspotCellProperties(HeatCellProperties):
    z: float | None
    p: float | None
    class_: str = Field(alias="class")  # hot99 … ns … cold99
    level: int  # 3 … -3


class HeatCell(BaseModel):
    type: Literal["Feature"]
    geometry: Geometry
    properties: HeatCellProperties


class HotspotCell(BaseModel):
    type: Literal["Feature"]
    geometry: Geometry
    properties: HotspotCellProperties


class CellsMeta(BaseModel):
    type: Literal["FeatureCollection"]
    cell: Literal["hex", "square"]
    size_m: float
    ground_size_m: float | None
    total: int
    filters: FiltersEcho


class HeatOut(CellsMeta):
    """GET /api/analytics/heat: cells with incidents and their counts."""

    features: list[HeatCell]
    max: int


class HotspotClasses(BaseModel):
    hot99: int
    hot95: int
    hot90: int
    cold90: int
    cold95: int
    cold99: int


class HotspotsOut(CellsMeta):
    """GET /api/analytics/hotspots: Getis-Ord Gi* per cell of the study area."""

    features: list[HotspotCell]
    cells_in_extent: int
    classes: HotspotClasses
    neighbourhood: str


class HeatCells(BaseModel):
    """Cells as columns (format=compact): cell (i[k], j[k]) holds count[k]; the polygon follows from cell and
    size_m as in the GeoJSON form (geo/compact.py)."""

    i: list[int]
    j: list[int]
    count: list[int]


class HotspotCells(HeatCells):
    z: list[float | None]
    p: list[float | None]
    class_: list[str] = Field(alias="class")
    level: list[int]


class CompactMeta(BaseModel):
    format: Literal["compact"]
    cell: Literal["hex", "square"]
    size_m: float
    ground_size_m: float | None
    total: int
    filters: FiltersEcho


class HeatCompactOut(CompactMeta):
    """GET /api/analytics/heat?format=compact: the same cells and counts as columns."""

    cells: HeatCells
    max: int


class HotspotsCompactOut(CompactMeta):
    """GET /api/analytics/hotspots?format=compact: the same cells and Gi* figures as columns."""

    cells: HotspotCells
    cells_in_extent: int
    classes: HotspotClasses
    neighbourhood: str


EmergingClass = Literal[
    "new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating", "historical",
    "cold_new", "cold_consecutive", "cold_intensifying", "cold_persistent", "cold_diminishing", "cold_sporadic",
    "cold_oscillating", "cold_historical"]


class EmergingCellProperties(HeatCellProperties):
    class_: EmergingClass = Field(alias="class")
    hot_steps: int  # steps in which the cell was a hot spot (Gi* p < 0.10, z > 0)
    cold_steps: int
    z_last: float  # Gi* z-score of the final step
    trend_z: float  # Mann-Kendall z of the cell's counts over the steps


class EmergingCell(BaseModel):
    type: Literal["Feature"]
    geometry: Geometry
    properties: EmergingCellProperties


class EmergingStep(BaseModel):
    start: str  # first local day
    end: str  # last local day, inclusive


class EmergingOut(BaseModel):
    """GET /api/analytics/emerging: classified cells (no pattern left out), or the progress of the cube."""

    type: Literal["FeatureCollection"]
    features: list[EmergingCell]
    status: Literal["running", "done"]
    progress: float
    cell: Literal["hex", "square"]
    size_m: float
    step: Literal["week", "month"]
    steps: list[EmergingStep]
    ground_size_m: float | None
    total: int
    cells_in_extent: int
    classes: dict[EmergingClass, int]
    seconds: float | None
    filters: FiltersEcho


class MatrixOut(BaseModel):
    """GET /api/analytics/matrix: counts[weekday - 1][hour]."""

    weekdays: list[int]
    hours: list[int]
    counts: list[list[int]]
    by_hour: list[int]
    by_weekday: list[int]
    total: int
    filters: FiltersEcho


class PeriodTotal(Period):
    total: int


class CategoryChange(BaseModel):
    category: str
    current: int
    previous: int
    change_pct: float | None  # 环比: against the previous period of the same length
    year_ago: int
    year_change_pct: float | None  # 同比: against the same days a year earlier


class MonthCount(BaseModel):
    month: str  # YYYY-MM
    count: int


class CompareOut(BaseModel):
    """GET /api/analytics/compare: this period against the previous one of the same length (环比) and
    against the same days a year earlier (同比)."""

    current: PeriodTotal
    previous: PeriodTotal
    change_pct: float | None
    year_ago: PeriodTotal
    year_change_pct: float | None
    categories: list[CategoryChange]
    monthly: list[MonthCount]
    filters: FiltersEcho


class BeatDisputes(BaseModel):
    green: int
    yellow: int
    orange: int
    red: int
    total: int


class BeatFigures(BaseModel):
    code: str
    beat_name: str
    kind: str
    station: str
    incidents: int
    incidents_previous: int
    change_pct: float | None
    residents: int
    rate_per_1000: float | None
    disputes: BeatDisputes
    disputes_resolved: int
    resolution_rate: float | None


class BeatFeature(BaseModel):
    type: Literal["Feature"]
    geometry: Geometry | None
    properties: BeatFigures


class BeatsOut(BaseModel):
    """GET /api/analytics/beats: the current beats as GeoJSON with their figures."""

    type: Literal["FeatureCollection"]
    features: list[BeatFeature]
    filters: FiltersEcho
    previous: Period


class BeatsCompactOut(BaseModel):
    """GET /api/analytics/beats?format=compact: `rows[k]` holds feature k's properties in the order of
    `columns` (code, beat_name, …: BeatFigures; `disputes` as [green, yellow, orange, red, total] per `objects`),
    `geometries[k]` its geometry as [type, polygons of rings of
    delta-coded millionths of a degree] (geo/compact.py), null when it has none."""

    format: Literal["compact"]
    columns: list[str]
    objects: dict[str, list[str]]  # a column holding an object as the list of its values, in these keys' order
    rows: list[list[str | int | float | list[int] | None]]
    geometries: list[tuple[Literal["Polygon", "MultiPolygon"], list[list[list[int]]]] | None]
    filters: FiltersEcho
    previous: Period


class OfficerMonth(BaseModel):
    month: str  # YYYY-MM
    visits: int
    households_visited: int
    key_persons_visited: int
    visits_met: bool
    key_persons_met: bool
    disputes_mediated: int
    persons_registered: int
    floating_registered: int
    vehicles_registered: int
    records_corrected: int
    information_collected: int


class OfficerTotals(BaseModel):
    """The months of the chosen period summed (visits_met_months: months meeting the visit target)."""

    visits: int
    households_visited: int
    key_persons_visited: int
    disputes_mediated: int
    persons_registered: int
    floating_registered: int
    vehicles_registered: int
    records_corrected: int
    information_collected: int
    visits_met_months: int
    key_persons_met_months: int


class OfficerFigures(BaseModel):
    username: str
    officer_name: str
    role: str
    station: str
    beats: list[str]
    months: list[OfficerMonth]
    totals: OfficerTotals
    households: int
    visited_90d: int
    coverage_90d: float | None


class Targets(BaseModel):
    visits: int
    key_persons: int


class OfficersOut(BaseModel):
    """GET /api/analytics/officers: per officer per month against the targets."""

    officers: list[OfficerFigures]  # one page: `limit` officers from `offset`, of `total`
    total: int
    limit: int
    offset: int
    months: list[str]
    targets: Targets
    filters: FiltersEcho
    definitions: str


class DistanceBand(BaseModel):
    from_m: float
    to_m: float | None  # None: the last row, "more than"
    same_location: bool


class TimeBand(BaseModel):
    from_days: int
    to_days: int | None  # None: the last column, "more than"


class KnoxCell(BaseModel):
    observed: int  # pairs of incidents in this distance band and time band
    expected: float | None  # mean over the simulations (times permuted among the incidents)
    ratio: float | None  # Knox ratio observed / expected
    p: float | None  # one-sided Monte-Carlo p-value: (1 + simulations ≥ observed) / (1 + simulations)
    significant: bool  # p ≤ 0.05 and ratio ≥ 1.2


class NearRepeatZone(BaseModel):
    distance_m: float  # the significant pattern reaches this far …
    days: int  # … and this long after an incident
    ratio: float | None  # the Knox ratio of the nearest band in the first days


class KnoxResult(BaseModel):
    events: int
    pairs: int
    close_pairs: int
    permutations: int
    distance_bands: list[DistanceBand]  # rows: same location, the bands, more than
    time_bands: list[TimeBand]  # columns: the bands, more than
    cells: list[list[KnoxCell]]  # cells[row][column]
    zone: NearRepeatZone | None
    seconds: float


class NearRepeatOut(BaseModel):
    """GET /api/analytics/near-repeat: the Knox table, or the progress of its computation."""

    category: str
    status: Literal["running", "done"]
    progress: float  # 0…1: simulations done
    events: int
    # None while running and never answered before: ask again. While a recompute for newer data runs, the
    # previous answer of the same question, with `stale` true (正在更新) and its own version and time.
    result: KnoxResult | None
    stale: bool
    data_version: str  # digest of the incidents' data version the result (or the computation) is of
    computed_at: str | None  # China time the result was computed; None while running without a result
    filters: FiltersEcho


class RepeatCount(BaseModel):
    incidents: int  # buildings with exactly this many incidents …
    buildings: int
    or_more: bool  # … or at least this many (the last row)


class Concentration(BaseModel):
    top_pct: int  # the busiest top_pct % of all buildings in scope …
    buildings: int
    incidents: int  # … hold this many incidents
    share_pct: float | None


class RepeatIncident(BaseModel):
    id: int
    occurred_at: str  # China time, ISO 8601
    category: str
    summary: str | None


class RepeatLocation(BaseModel):
    building_id: int
    address: str | None
    beat: str  # the beat of its latest incident
    count: int  # incidents of the user's beats at the building
    # newest first: in the list the latest LATEST (3) only; GET …/repeat-locations/{building_id} has them all
    incidents: list[RepeatIncident]


class RepeatLocationOut(RepeatLocation):
    """GET /api/analytics/repeat-locations/{building_id}: one repeat building of the user's beats with all its
    incidents of the filter, newest first (officers, auxiliaries, chiefs; 403 for aggregate-only roles)."""

    filters: FiltersEcho


class VictimCount(BaseModel):
    incidents: int  # households with exactly this many incidents …
    households: int
    or_more: bool  # … or at least this many (the last row)


class VictimConcentration(BaseModel):
    top_pct: int  # the busiest top_pct % of the victim households …
    households: int
    incidents: int  # … suffered this many of the linked incidents
    share_pct: float | None


class RepeatVictim(BaseModel):
    household_id: int
    address: str | None
    unit: int
    floor: int
    room: str
    beat: str
    count: int
    incidents: list[RepeatIncident]


class RepeatVictims(BaseModel):
    """Households named by incidents (the victim) and those named twice or more in the period."""

    linked_incidents: int  # incidents of the filter that name a household
    victim_households: int  # households named by at least one
    repeat_households: int  # … by two or more (repeat victims)
    repeat_households_pct: float | None  # of the victim households
    repeat_incidents: int  # incidents of the repeat victims
    repeat_share_pct: float | None  # of the linked incidents
    distribution: list[VictimCount]
    concentration: list[VictimConcentration]
    households: list[RepeatVictim] | None  # officers: their beats' repeat victims; None for aggregate roles


class RepeatLocationsOut(BaseModel):
    """GET /api/analytics/repeat-locations: repeat buildings, distribution and concentration."""

    radius_m: float  # an incident is at the nearest building centroid within this distance
    incidents: int
    at_buildings: int
    buildings: int
    buildings_with_incidents: int
    repeat_buildings: int  # buildings with two or more incidents
    repeat_incidents: int
    repeat_share_pct: float | None
    distribution: list[RepeatCount]
    concentration: list[Concentration]
    # officers: one page of their beats' repeat buildings, busiest first (then by building id), each with its
    # latest incidents; None for aggregate roles
    locations: list[RepeatLocation] | None
    locations_total: int | None  # repeat buildings of the user's beats (all pages); None for aggregate roles
    offset: int  # the page: `locations` are the repeat buildings offset … offset + limit − 1
    limit: int
    victims: RepeatVictims
    filters: FiltersEcho
