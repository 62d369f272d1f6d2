"""Tests for geo.geometry: GeoJSON input validation, repair and geodesic measures."""

import math

import pytest
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon

from geo.geometry import (
    GeometryInputError,
    geodesic_area_km2,
    geodesic_area_m2,
    geodesic_distance_m,
    geodesic_length_m,
    geodesic_perimeter_m,
    parse_geojson_geometry,
    to_multipolygon,
    validity_problem,
)

A_WGS84 = 6378137.0
E2_WGS84 = 0.00669437999014


def ring(lon, lat, size):
    """Closed counter-clockwise square ring as GeoJSON positions."""
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def polygon_obj(*rings):
    """GeoJSON Polygon dict."""
    return {"type": "Polygon", "coordinates": list(rings)}


def parse_error(obj, **kwargs) -> GeometryInputError:
    """The error raised for ``obj``."""
    with pytest.raises(GeometryInputError) as caught:
        parse_geojson_geometry(obj, **kwargs)
    return caught.value


def ellipsoid_box_area(lat1, lat2, dlon_deg):
    """Exact ellipsoidal area of a box bounded by two parallels and two meridians."""
    e = math.sqrt(E2_WGS84)
    b2 = A_WGS84**2 * (1 - E2_WGS84)

    def q(lat):
        s = math.sin(math.radians(lat))
        return s / (1 - E2_WGS84 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return math.radians(dlon_deg) * b2 / 2 * (q(lat2) - q(lat1))


def test_valid_polygon_is_returned_as_shapely():
    geom = parse_geojson_geometry(polygon_obj(ring(118.0, 37.4, 0.01)))
    assert isinstance(geom, Polygon)
    assert geom.bounds == pytest.approx((118.0, 37.4, 118.01, 37.41))


def test_multipolygon_feature_and_z_values():
    obj = {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [
                [[[p[0], p[1], 5.0] for p in ring(118.0, 37.4, 0.01)]],
                [ring(118.1, 37.4, 0.01)],
            ],
        },
    }
    geom = parse_geojson_geometry(obj)
    assert isinstance(geom, MultiPolygon)
    assert len(geom.geoms) == 2
    assert not geom.has_z


def test_other_types_when_allowed():
    point = parse_geojson_geometry({"type": "Point", "coordinates": [118.0, 37.4]}, allowed=("Point",))
    assert point.equals(Point(118.0, 37.4))
    line = parse_geojson_geometry({"type": "LineString", "coordinates": [[118.0, 37.4], [118.1, 37.5]]},
                                  allowed=("LineString",))
    assert line.length == pytest.approx(math.hypot(0.1, 0.1))


@pytest.mark.parametrize(
    ("obj", "code"),
    [
        ([[118.0, 37.4]], "not_geojson"),
        ("POLYGON((0 0, 1 0, 1 1, 0 0))", "not_geojson"),
        ({"type": "FeatureCollection", "features": []}, "not_geojson"),
        ({"type": "Circle", "coordinates": [118.0, 37.4]}, "unknown_type"),
        ({"type": "LineString", "coordinates": [[118.0, 37.4], [118.1, 37.5]]}, "type_not_allowed"),
        ({"type": "Polygon"}, "malformed"),
        ({"type": "Polygon", "coordinates": ring(118.0, 37.4, 0.01)}, "malformed"),
        ({"type": "Polygon", "coordinates": [[[118.0, "37.4"], [118.1, 37.4], [118.1, 37.5], [118.0, 37.4]]]},
         "malformed"),
        ({"type": "Polygon", "coordinates": [[[118.0], [118.1, 37.4], [118.1, 37.5], [118.0]]]}, "malformed"),
        ({"type": "Polygon", "coordinates": [[[True, 37.4], [118.1, 37.4], [118.1, 37.5], [True, 37.4]]]},
         "malformed"),
    ],
)
def test_structural_errors(obj, code):
    assert parse_error(obj).code == code


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_numbers_are_rejected(bad):
    coordinates = ring(118.0, 37.4, 0.01)
    coordinates[2] = [bad, 37.41]
    error = parse_error(polygon_obj(coordinates))
    assert error.code == "non_finite"
    assert "coordinates[0][2]" in error.message


def test_out_of_range_and_projected_hint():
    error = parse_error(polygon_obj(ring(179.995, 37.4, 0.01)))
    assert error.code == "out_of_range"
    assert "±180" in error.message
    error = parse_error(polygon_obj(ring(13135000.0, 4490000.0, 1000.0)))
    assert "projected metres" in error.message


def test_swapped_lat_lon_is_recognised():
    swapped = [[lat, lon] for lon, lat in ring(118.0, 37.4, 0.01)]
    error = parse_error(polygon_obj(swapped))
    assert error.code == "swapped_coordinates"
    assert "[lon, lat]" in error.message
    assert error.location == (118.0, 37.4)


def test_ring_not_closed():
    error = parse_error(polygon_obj(ring(118.0, 37.4, 0.01)[:-1] + [[118.0, 37.405]]))
    assert error.code == "ring_not_closed"
    assert error.location == (118.0, 37.4)


def test_ring_with_too_few_points():
    error = parse_error(polygon_obj([[118.0, 37.4], [118.01, 37.4], [118.0, 37.4]]))
    assert error.code == "too_few_points"
    assert "at least 4" in error.message


def test_line_with_one_point():
    error = parse_error({"type": "LineString", "coordinates": [[118.0, 37.4]]}, allowed=("LineString",))
    assert error.code == "too_few_points"


BOWTIE = polygon_obj([[118.0, 37.4], [118.02, 37.42], [118.02, 37.4], [118.0, 37.42], [118.0, 37.4]])


def test_self_intersection_is_rejected_with_location():
    error = parse_error(BOWTIE)
    assert error.code == "invalid_geometry"
    assert "Self-intersection" in error.message and "自相交" in error.message
    assert error.location == pytest.approx((118.01, 37.41))
    assert error.to_dict()["location"] == pytest.approx([118.01, 37.41])


def test_hole_outside_shell_is_rejected():
    error = parse_error(polygon_obj(ring(118.0, 37.4, 0.01), ring(118.1, 37.4, 0.001)))
    assert "Hole lies outside shell" in error.message
    assert error.location == pytest.approx((118.1, 37.4))


def test_repair_splits_bowtie_into_two_polygons():
    geom = parse_geojson_geometry(BOWTIE, repair=True)
    assert isinstance(geom, MultiPolygon) and geom.is_valid
    assert len(geom.geoms) == 2
    assert geom.area == pytest.approx(2 * 0.5 * 0.02 * 0.01)
    assert parse_error(BOWTIE, repair=True, allowed=("Polygon",)).code == "repair_failed"


def test_repair_drops_collapsed_spike():
    spiky = [[118.0, 37.4], [118.01, 37.4], [118.02, 37.4], [118.01, 37.4], [118.01, 37.41], [118.0, 37.41],
             [118.0, 37.4]]
    geom = parse_geojson_geometry(polygon_obj(spiky), repair=True)
    assert isinstance(geom, Polygon) and geom.is_valid
    assert geom.area == pytest.approx(0.0001)


def test_repair_of_fully_collapsed_polygon_fails():
    flat = [[118.0, 37.4], [118.01, 37.4], [118.02, 37.4], [118.0, 37.4]]
    assert parse_error(polygon_obj(flat), repair=True).code == "repair_failed"


def test_bounds_check():
    area = (117.9, 37.3, 118.1, 37.5)
    assert parse_geojson_geometry(polygon_obj(ring(118.0, 37.4, 0.01)), bounds=area).is_valid
    error = parse_error(polygon_obj(ring(118.095, 37.4, 0.01)), bounds=area)
    assert error.code == "outside_area"
    assert "station area" in error.message
    assert error.location[0] > 118.1


def test_validity_problem():
    assert validity_problem(Polygon(ring(118.0, 37.4, 0.01))) is None
    reason, location = validity_problem(Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]))
    assert reason == "Self-intersection"
    assert location == pytest.approx((0.5, 0.5))


def test_to_multipolygon():
    square = Polygon(ring(118.0, 37.4, 0.01))
    assert to_multipolygon(square).equals(MultiPolygon([square]))
    both = MultiPolygon([square, Polygon(ring(118.1, 37.4, 0.01))])
    assert len(to_multipolygon(both).geoms) == 2
    mixed = GeometryCollection([square, LineString([(0, 0), (1, 1)])])
    assert to_multipolygon(mixed).equals(MultiPolygon([square]))
    with pytest.raises(GeometryInputError):
        to_multipolygon(LineString([(0, 0), (1, 1)]))


def test_geodesic_area_matches_closed_form_for_a_small_box():
    square = Polygon(ring(118.0, 37.4, 0.01))
    expected = ellipsoid_box_area(37.4, 37.41, 0.01)
    assert geodesic_area_m2(square) == pytest.approx(expected, rel=1e-4)
    assert geodesic_area_km2(square) == pytest.approx(expected / 1e6, rel=1e-4)
    assert 0.9 < geodesic_area_km2(square) < 1.0  # about 885 m × 1112 m


def test_geodesic_area_ignores_orientation_and_subtracts_holes():
    outer = ring(118.0, 37.4, 0.02)
    clockwise = Polygon(outer[::-1])
    assert geodesic_area_m2(clockwise) == pytest.approx(geodesic_area_m2(Polygon(outer)))
    holed = Polygon(outer, [ring(118.005, 37.405, 0.01)])
    assert geodesic_area_m2(holed) / geodesic_area_m2(Polygon(outer)) == pytest.approx(0.75, rel=1e-3)
    assert geodesic_area_m2(LineString([(118, 37), (118.1, 37.1)])) == 0.0


def test_geodesic_perimeter_and_lengths():
    lat = math.radians(37.405)
    denom = 1 - E2_WGS84 * math.sin(lat) ** 2
    meridian = A_WGS84 * (1 - E2_WGS84) / denom**1.5 * math.radians(0.01)
    parallel = A_WGS84 / math.sqrt(denom) * math.cos(lat) * math.radians(0.01)
    square = Polygon(ring(118.0, 37.4, 0.01))
    assert geodesic_perimeter_m(square) == pytest.approx(2 * (meridian + parallel), rel=1e-4)
    holed = Polygon(ring(118.0, 37.4, 0.01), [ring(118.0025, 37.4025, 0.005)])
    assert geodesic_perimeter_m(holed) == pytest.approx(3 * (meridian + parallel), rel=1e-3)
    assert geodesic_length_m(LineString([(0, 0), (1, 0)])) == pytest.approx(111319.49, abs=0.01)
    assert geodesic_distance_m(0, 0, 1, 0) == pytest.approx(111319.49, abs=0.01)
