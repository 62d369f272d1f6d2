"""Tests for geo.partition: beat plan checks, compactness and balance."""

import json
import math

import pytest
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, box

from geo.geometry import geodesic_area_m2
from geo.partition import balance_ratio, check_partition, polsby_popper

JURISDICTION = box(118.0, 37.38, 118.04, 37.42)
MID_LON, MID_LAT = 118.02, 37.40
DEG_PER_M_LON = 1 / (111320 * math.cos(math.radians(37.4)))  # rough, only to size test features
DEG_PER_M_LAT = 1 / 110990


def quadrants(mid_lon=MID_LON, mid_lat=MID_LAT):
    """Four beats tiling the jurisdiction exactly."""
    return {
        "SW": box(118.0, 37.38, mid_lon, mid_lat),
        "SE": box(mid_lon, 37.38, 118.04, mid_lat),
        "NW": box(118.0, mid_lat, mid_lon, 37.42),
        "NE": box(mid_lon, mid_lat, 118.04, 37.42),
    }


def test_exact_tiling_is_ok():
    report = check_partition(quadrants(), JURISDICTION)
    assert report.ok
    assert not report.overlaps and not report.gaps and not report.outside and not report.invalid
    assert not report.non_contiguous
    total = sum(measure.area_m2 for measure in report.beats)
    # split edges follow slightly different geodesics than the whole edge: centimetres² apart
    assert total == pytest.approx(report.jurisdiction_area_m2, abs=1.0)
    assert report.jurisdiction_area_m2 == pytest.approx(geodesic_area_m2(JURISDICTION))
    assert [measure.parts for measure in report.beats] == [1, 1, 1, 1]


def test_overlap_is_measured_and_located():
    beats = quadrants()
    beats["SW"] = box(118.0, 37.38, MID_LON + 0.002, MID_LAT)  # reaches 0.002° into SE
    report = check_partition(beats, JURISDICTION)
    assert not report.ok
    assert len(report.overlaps) == 1
    overlap = report.overlaps[0]
    assert overlap.beats == ("SW", "SE")
    strip = box(MID_LON, 37.38, MID_LON + 0.002, MID_LAT)
    assert overlap.area_m2 == pytest.approx(geodesic_area_m2(strip), rel=1e-6)
    assert strip.contains(Point(overlap.location))
    assert not report.gaps


def test_touching_beats_are_not_overlaps():
    beats = quadrants()
    report = check_partition(beats, JURISDICTION, overlap_tolerance_m2=0.0)
    assert report.overlaps == []


def test_gap_is_measured_and_located():
    beats = quadrants()
    beats["NE"] = box(MID_LON + 0.003, MID_LAT, 118.04, 37.42)
    report = check_partition(beats, JURISDICTION)
    assert len(report.gaps) == 1
    strip = box(MID_LON, MID_LAT, MID_LON + 0.003, 37.42)
    assert report.gaps[0].area_m2 == pytest.approx(geodesic_area_m2(strip), rel=1e-6)
    assert strip.contains(Point(report.gaps[0].location))


def test_slivers_and_tiny_holes_are_ignored():
    beats = quadrants()
    sliver = 0.3 * DEG_PER_M_LON  # a 30 cm wide strip, 2.2 km long: ~670 m² but a sliver
    beats["NE"] = box(MID_LON + sliver, MID_LAT, 118.04, 37.42)
    hole = box(118.005, 37.385, 118.005 + 5 * DEG_PER_M_LON, 37.385 + 5 * DEG_PER_M_LAT)  # ~25 m²
    beats["SW"] = beats["SW"].difference(hole)
    report = check_partition(beats, JURISDICTION)
    assert report.ok
    assert report.ignored_gap_area_m2 == pytest.approx(670 + 25, rel=0.05)
    strict = check_partition(beats, JURISDICTION, gap_tolerance_m2=10.0, sliver_width_m=0.1)
    assert len(strict.gaps) == 2
    assert strict.gaps[0].area_m2 > strict.gaps[1].area_m2  # largest first


def test_part_outside_jurisdiction():
    beats = quadrants()
    beats["SE"] = box(MID_LON, 37.38, 118.045, MID_LAT)
    report = check_partition(beats, JURISDICTION)
    assert [part.beat for part in report.outside] == ["SE"]
    outside_strip = box(118.04, 37.38, 118.045, MID_LAT)
    assert report.outside[0].area_m2 == pytest.approx(geodesic_area_m2(outside_strip), rel=1e-6)
    assert outside_strip.contains(Point(report.outside[0].location))
    assert not report.ok


def test_invalid_beat_is_reported_and_remaining_checks_run():
    beats = quadrants()
    beats["NW"] = Polygon([(118.0, MID_LAT), (MID_LON, 37.42), (MID_LON, MID_LAT), (118.0, 37.42)])  # bowtie
    report = check_partition(beats, JURISDICTION)
    assert len(report.invalid) == 1
    invalid = report.invalid[0]
    assert invalid.beat == "NW" and invalid.reason == "Self-intersection"
    assert invalid.location == pytest.approx((118.01, 37.41))
    assert len(report.gaps) == 2  # the two triangles the bowtie leaves uncovered
    assert not report.ok


def test_invalid_and_empty_inputs():
    broken = Polygon([(118.0, 37.38), (118.04, 37.42), (118.04, 37.38), (118.0, 37.42)])
    report = check_partition(quadrants(), broken)
    assert report.invalid[0].beat is None
    report = check_partition({"A": Polygon()}, JURISDICTION)
    assert report.invalid[0].reason == "empty geometry"


def test_no_beats_means_one_big_gap():
    report = check_partition({}, JURISDICTION)
    assert len(report.gaps) == 1
    assert report.gaps[0].area_m2 == pytest.approx(report.jurisdiction_area_m2)


def test_non_contiguous_beat():
    beats = quadrants()
    exclave = box(118.001, 37.381, 118.002, 37.382)
    beats["SW"] = beats["SW"].difference(exclave)
    beats["NE"] = MultiPolygon([beats["NE"], exclave])
    report = check_partition(beats, JURISDICTION)
    assert report.ok  # still a partition
    assert len(report.non_contiguous) == 1
    piece = report.non_contiguous[0]
    assert piece.beat == "NE" and piece.parts == 2
    assert piece.part_areas_m2[1] == pytest.approx(geodesic_area_m2(exclave))
    assert exclave.contains(Point(piece.location))


def test_report_serialises_to_json():
    beats = quadrants()
    beats["SW"] = box(118.0, 37.38, MID_LON + 0.002, MID_LAT)
    data = json.loads(json.dumps(check_partition(beats, JURISDICTION).to_dict()))
    assert data["ok"] is False
    assert data["overlaps"][0]["beats"] == ["SW", "SE"]
    assert set(data["beats"][0]) == {"beat", "area_m2", "perimeter_m", "polsby_popper", "parts"}


def geodesic_circle(lon, lat, radius_m, vertices=256):
    """Polygon of points at ``radius_m`` from the centre."""
    geod = Geod(ellps="WGS84")
    points = [geod.fwd(lon, lat, 360.0 * k / vertices, radius_m)[:2] for k in range(vertices)]
    return Polygon(points)


def test_polsby_popper_of_known_shapes():
    assert polsby_popper(geodesic_circle(118.0, 37.4, 1000)) == pytest.approx(1.0, abs=1e-3)
    # a box whose sides are equal in metres is a square: π/4
    square = box(118.0, 37.4, 118.0 + 1000 * DEG_PER_M_LON, 37.4 + 1000 * DEG_PER_M_LAT)
    assert polsby_popper(square) == pytest.approx(math.pi / 4, rel=2e-3)
    # a 10:1 rectangle: π·ab/(a+b)² = 10π/121
    strip = box(118.0, 37.4, 118.0 + 10000 * DEG_PER_M_LON, 37.4 + 1000 * DEG_PER_M_LAT)
    assert polsby_popper(strip) == pytest.approx(10 * math.pi / 121, rel=5e-3)
    assert polsby_popper(Polygon()) == 0.0


def test_polsby_popper_penalises_holes_and_pieces():
    square = box(118.0, 37.4, 118.01, 37.41)
    holed = square.difference(box(118.004, 37.404, 118.006, 37.406))
    assert polsby_popper(holed) < polsby_popper(square)
    pair = MultiPolygon([square, box(118.02, 37.4, 118.03, 37.41)])
    assert polsby_popper(pair) == pytest.approx(polsby_popper(square) / 2, rel=1e-3)


@pytest.mark.parametrize(
    ("values", "ratio"),
    [([100, 200, 150], 2.0), ([5, 5], 1.0), ([3, 0, 2], math.inf), ([], 1.0), ([0, 0], 1.0), ([7], 1.0)],
)
def test_balance_ratio(values, ratio):
    assert balance_ratio(values) == ratio


def test_balance_ratio_rejects_negative():
    with pytest.raises(ValueError):
        balance_ratio([1, -1])


def _reference(beats, jurisdiction):
    """The report computed from nothing: no remembered beat, every pair of beats intersected."""
    import geo.partition as gp

    gp._FACTS.clear()
    report = check_partition(beats, jurisdiction)
    shapes = {k: gp._usable(k, g, gp.PartitionReport()) for k, g in beats.items()}
    assert report.overlaps == gp._overlaps(shapes, gp.DEFAULT_OVERLAP_TOLERANCE_M2)
    return report


@pytest.mark.parametrize("seed", range(8))
def test_remembered_beats_give_the_report_of_a_fresh_check_over_random_edits(seed):
    """Property: a check that reuses what it measured of unchanged beats (and skips pairwise intersections
    when the areas leave no room for an overlap) reports exactly what a fresh check does, after every edit:
    shared-vertex moves (both neighbours change), one-sided moves (overlaps or gaps), splits into pieces,
    shapes outside the jurisdiction."""
    import random

    rng = random.Random(seed)
    xs = [118.0, 118.01, 118.02, 118.03, 118.04]
    ys = [37.38, 37.39, 37.40, 37.41, 37.42]
    cell = {(i, j): box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(4) for j in range(4)}
    owner = {(i, j): f"B{i // 2}{j // 2}" for i, j in cell}
    cuts = {}  # a vertex shared by two beats, moved for both
    for _ in range(12):
        beats = {}
        for key, code in owner.items():
            beats.setdefault(code, []).append(cell[key])
        shapes = {code: MultiPolygon([p for g in parts for p in getattr(g, "geoms", [g])]).buffer(0)
                  for code, parts in beats.items()}
        for (a, b), dx in cuts.items():  # shift the shared boundary between a and b together
            shift = box(118.02, 37.38, 118.02 + dx, 37.42) if dx > 0 else box(118.02 + dx, 37.38, 118.02, 37.42)
            if a in shapes and b in shapes:
                shapes[a] = shapes[a].union(shift.intersection(shapes[b]))
                shapes[b] = shapes[b].difference(shift)
        roll = rng.random()
        if roll < 0.4:  # a unit changes beat (the partition holds)
            owner[rng.choice(list(cell))] = rng.choice(sorted(set(owner.values())))
        elif roll < 0.6:
            cuts[("B00", "B10")] = rng.choice([-0.004, 0.003, 0.001])
        elif roll < 0.8:  # one beat grows alone: an overlap
            code = rng.choice(sorted(shapes))
            shapes[code] = shapes[code].union(shapes[code].buffer(rng.choice([0.0005, 0.002])))
        else:  # one beat shrinks alone: a gap, or reaches outside
            code = rng.choice(sorted(shapes))
            shapes[code] = shapes[code].buffer(rng.choice([-0.001, 0.003]))
        got = check_partition(shapes, JURISDICTION)
        again = check_partition(shapes, JURISDICTION)
        fresh = _reference(shapes, JURISDICTION)
        assert got == fresh == again


def test_pieces_a_hair_apart_are_one_piece():
    """A cut puts a computed vertex on a shared border a hair (~1e-17°) off the neighbour's edge; the union
    then keeps two polygons. Nearer than ~0.1 mm they are one piece; 1 m apart they are two."""
    beats = quadrants()
    west = box(118.0, 37.38, 118.01, 37.40)
    for gap, pieces in ((1e-12, None), (1e-5, 2)):
        beats["SW"] = MultiPolygon([west, box(118.01 + gap, 37.38, 118.02, 37.40)])
        found = check_partition(beats, JURISDICTION).non_contiguous
        assert (found[0].parts if found else None) == pieces
