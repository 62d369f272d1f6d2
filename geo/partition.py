"""Checks that the beats of a plan partition a station's jurisdiction, plus compactness and balance.

Geometries are lon/lat (EPSG:4326). Overlay is done in lon/lat like PostGIS ``geometry`` operations;
every area is then measured on the WGS84 ellipsoid (``geodesic_area_m2``), so figures are in m².
Invalid input is reported and then repaired (``make_valid``) so the remaining checks still run.

Tolerances: an overlap counts when its area exceeds ``overlap_tolerance_m2``; a gap (or a part of a
beat outside the jurisdiction) counts when its area is at least ``gap_tolerance_m2`` *and* its mean
width 2·A/P is at least ``sliver_width_m`` — long thin digitising slivers are ignored and summed in
``ignored_gap_area_m2``. ``ok`` means no invalid geometry, overlap, gap or outside part; a beat in
several pieces is reported in ``non_contiguous`` but does not by itself make a plan wrong.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from geo.geometry import (
    geodesic_area_m2,
    geodesic_perimeter_m,
    polygon_parts,
    validity_problem,
)

Location = tuple[float, float]
DEFAULT_GAP_TOLERANCE_M2 = 100.0
DEFAULT_OVERLAP_TOLERANCE_M2 = 1.0
DEFAULT_SLIVER_WIDTH_M = 1.0


@dataclass(frozen=True)
class Overlap:
    """Area claimed by two beats."""

    beats: tuple[str, str]
    area_m2: float
    location: Location


@dataclass(frozen=True)
class Gap:
    """Part of the jurisdiction in no beat."""

    area_m2: float
    location: Location


@dataclass(frozen=True)
class OutsidePart:
    """Area of a beat that lies outside the jurisdiction."""

    beat: str
    area_m2: float
    location: Location


@dataclass(frozen=True)
class InvalidGeometry:
    """An invalid input geometry; ``beat`` None means the jurisdiction itself."""

    beat: str | None
    reason: str
    location: Location | None


@dataclass(frozen=True)
class NonContiguousBeat:
    """A beat made of several separate pieces; ``location`` is on its second-largest piece."""

    beat: str
    parts: int
    part_areas_m2: tuple[float, ...]
    location: Location


@dataclass(frozen=True)
class BeatMeasure:
    """Size and shape figures of one beat."""

    beat: str
    area_m2: float
    perimeter_m: float
    polsby_popper: float
    parts: int


@dataclass
class PartitionReport:
    """Everything ``check_partition`` found."""

    overlaps: list[Overlap] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    outside: list[OutsidePart] = field(default_factory=list)
    invalid: list[InvalidGeometry] = field(default_factory=list)
    non_contiguous: list[NonContiguousBeat] = field(default_factory=list)
    beats: list[BeatMeasure] = field(default_factory=list)
    jurisdiction_area_m2: float = 0.0
    ignored_gap_area_m2: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the beats are valid and cover the jurisdiction without overlaps or gaps."""
        return not (self.overlaps or self.gaps or self.outside or self.invalid)

    def to_dict(self) -> dict:
        """JSON-friendly form (tuples become lists when serialised)."""
        return {"ok": self.ok, **asdict(self)}


def check_partition(
    beats: Mapping[str, BaseGeometry],
    jurisdiction: BaseGeometry,
    *,
    gap_tolerance_m2: float = DEFAULT_GAP_TOLERANCE_M2,
    overlap_tolerance_m2: float = DEFAULT_OVERLAP_TOLERANCE_M2,
    sliver_width_m: float = DEFAULT_SLIVER_WIDTH_M,
) -> PartitionReport:
    """Report overlaps, gaps, parts outside, invalid and non-contiguous beats of a plan.

    What depends on one beat alone (validity, parts outside, measures, pieces) is remembered per geometry
    (`_beat_facts`): after an edit only the beats it changed are measured again. Pairs of beats are
    intersected only when the beats' areas add up to more than their union's by the overlap tolerance
    (no pair can share more than that excess).
    """
    report = PartitionReport()
    area = _usable(None, jurisdiction, report)
    report.jurisdiction_area_m2 = geodesic_area_m2(area)
    context = (area.wkb, gap_tolerance_m2, sliver_width_m)
    facts = {key: _beat_facts(geom, area, context) for key, geom in beats.items()}
    shapes = {key: f.usable for key, f in facts.items()}
    for key, f in facts.items():
        if f.invalid is not None:
            report.invalid.append(InvalidGeometry(key, *f.invalid))
    covered = shapely.union_all(list(shapes.values())) if shapes else MultiPolygon()
    excess = sum(f.area_m2 for f in facts.values()) - geodesic_area_m2(covered)
    report.overlaps = _overlaps(shapes, overlap_tolerance_m2) if excess > overlap_tolerance_m2 / 2 else []
    for part in polygon_parts(area.difference(covered)):
        part_area = geodesic_area_m2(part)
        if _counts(part, part_area, gap_tolerance_m2, sliver_width_m):
            report.gaps.append(Gap(part_area, _point_on(part)))
        else:
            report.ignored_gap_area_m2 += part_area
    for key, f in facts.items():
        if f.outside is not None:
            report.outside.append(OutsidePart(key, *f.outside))
        report.beats.append(BeatMeasure(key, *f.measure))
        if f.pieces is not None:
            report.non_contiguous.append(NonContiguousBeat(key, *f.pieces))
    report.gaps.sort(key=lambda gap: -gap.area_m2)
    return report


@dataclass(frozen=True)
class _BeatFacts:
    """What the partition check finds about one beat geometry alone (without its code)."""

    invalid: tuple[str, Location | None] | None
    usable: BaseGeometry
    area_m2: float
    outside: tuple[float, Location] | None
    measure: tuple[float, float, float, int]
    pieces: tuple[int, tuple[float, ...], Location] | None


_FACTS: OrderedDict[bytes, _BeatFacts] = OrderedDict()
_FACTS_LOCK = threading.Lock()
_FACTS_KEPT = 2048  # beat geometries remembered (a 50-beat station's plans use a few hundred)


def _beat_facts(geom: BaseGeometry, area: BaseGeometry, context: tuple) -> _BeatFacts:
    """The per-beat findings, remembered by the geometry's WKB and the jurisdiction and tolerances."""
    digest = hashlib.blake2b(repr(context).encode() + (geom.wkb if geom is not None else b""),
                             digest_size=20).digest()
    with _FACTS_LOCK:  # requests run in a thread pool
        found = _FACTS.get(digest)
        if found is not None:
            _FACTS.move_to_end(digest)
            return found
    found = _measure_beat(geom, area, context[1], context[2])
    with _FACTS_LOCK:
        _FACTS[digest] = found
        if len(_FACTS) > _FACTS_KEPT:
            _FACTS.popitem(last=False)
    return found


def _measure_beat(geom: BaseGeometry, area: BaseGeometry, gap_tolerance_m2: float,
                  sliver_width_m: float) -> _BeatFacts:
    scratch = PartitionReport()
    shape = _usable(None, geom, scratch)
    invalid = (scratch.invalid[0].reason, scratch.invalid[0].location) if scratch.invalid else None
    pieces = [p for p in polygon_parts(shape.difference(area))
              if _counts(p, geodesic_area_m2(p), gap_tolerance_m2, sliver_width_m)]
    outside = None
    if pieces:
        largest = max(pieces, key=geodesic_area_m2)
        outside = (sum(map(geodesic_area_m2, pieces)), _point_on(largest))
    m = _measure("", shape)
    parts = sorted(_pieces(shape), key=geodesic_area_m2, reverse=True)
    separate = None
    if len(parts) > 1:
        separate = (len(parts), tuple(geodesic_area_m2(p) for p in parts), _point_on(parts[1]))
    return _BeatFacts(invalid, shape, m.area_m2, outside, (m.area_m2, m.perimeter_m, m.polsby_popper, m.parts),
                      separate)


TOUCH_DEG = 1e-9  # polygons of one beat nearer than this (~0.1 mm) touch: floating-point noise of a cut


def _pieces(shape: BaseGeometry) -> list[BaseGeometry]:
    """The separate pieces of a beat: its polygons, those within TOUCH_DEG of each other merged. A unit cut
    along a line puts a computed vertex on a shared border a hair off the neighbour's edge; the union of the
    two then keeps a hairline between them although the land is one piece."""
    polygons = list(polygon_parts(shape))
    if len(polygons) < 2:
        return polygons
    group = list(range(len(polygons)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, a in enumerate(polygons):
        for j in range(i + 1, len(polygons)):
            if a.distance(polygons[j]) <= TOUCH_DEG:
                group[root(i)] = root(j)
    merged: dict[int, list[BaseGeometry]] = {}
    for i, p in enumerate(polygons):
        merged.setdefault(root(i), []).append(p)
    return [ps[0] if len(ps) == 1 else MultiPolygon(ps) for ps in merged.values()]


def polsby_popper(geom: BaseGeometry) -> float:
    """Compactness 4πA/P² from geodesic area and perimeter: 1 for a circle, → 0 for slivers."""
    perimeter = geodesic_perimeter_m(geom)
    if perimeter == 0.0:
        return 0.0
    return 4.0 * math.pi * geodesic_area_m2(geom) / perimeter**2


def balance_ratio(values: Iterable[float]) -> float:
    """max/min of beat loads: 1 is perfectly balanced, inf when some beat has 0 (1.0 if all are 0)."""
    loads = [float(value) for value in values]
    if any(load < 0 for load in loads):
        raise ValueError("beat loads must not be negative")
    if not loads or max(loads) == 0.0:
        return 1.0
    smallest = min(loads)
    return math.inf if smallest == 0.0 else max(loads) / smallest


def _usable(key: str | None, geom: BaseGeometry, report: PartitionReport) -> BaseGeometry:
    """Polygonal, valid version of ``geom``, recording why it was not valid."""
    if geom is None or geom.is_empty:
        report.invalid.append(InvalidGeometry(key, "empty geometry", None))
        return MultiPolygon()
    problem = validity_problem(geom)
    if problem is not None:
        report.invalid.append(InvalidGeometry(key, *problem))
        geom = shapely.make_valid(geom)
    return MultiPolygon(list(polygon_parts(geom)))


def _overlaps(shapes: Mapping[str, BaseGeometry], tolerance_m2: float) -> list[Overlap]:
    """Pairs of beats sharing more than ``tolerance_m2`` of area."""
    keys = list(shapes)
    geoms = [shapes[key] for key in keys]
    if len(geoms) < 2:
        return []
    tree = STRtree(geoms)
    found = []
    for first, second in zip(*tree.query(geoms, predicate="intersects"), strict=True):
        if first >= second:
            continue
        shared = list(polygon_parts(geoms[first].intersection(geoms[second])))
        area = sum(map(geodesic_area_m2, shared))
        if area > tolerance_m2:
            largest = max(shared, key=geodesic_area_m2)
            found.append(Overlap((keys[first], keys[second]), area, _point_on(largest)))
    return sorted(found, key=lambda overlap: -overlap.area_m2)


def _counts(part: BaseGeometry, area_m2: float, tolerance_m2: float, sliver_width_m: float) -> bool:
    """True when a gap/outside piece is large and wide enough to report."""
    if area_m2 < tolerance_m2 or area_m2 == 0.0:
        return False
    return 2.0 * area_m2 / geodesic_perimeter_m(part) >= sliver_width_m


def _measure(key: str, shape: BaseGeometry) -> BeatMeasure:
    """Area, perimeter, compactness and piece count of one beat."""
    return BeatMeasure(
        beat=key,
        area_m2=geodesic_area_m2(shape),
        perimeter_m=geodesic_perimeter_m(shape),
        polsby_popper=polsby_popper(shape),
        parts=len(list(polygon_parts(shape))),
    )


def _point_on(geom: BaseGeometry) -> Location:
    """(lon, lat) of a point inside ``geom``."""
    point = geom.representative_point()
    return point.x, point.y
