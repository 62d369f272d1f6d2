"""geo.geometry: the vertex limit (HOLOMAP_MAX_GEOMETRY_VERTICES) counts before any per-position work."""
import math
import time

import pytest

from geo.geometry import GeometryInputError, count_vertices, parse_geojson_geometry


def circle(n: int, lon: float = 118.0, lat: float = 37.5, r: float = 0.01) -> dict:
    """A GeoJSON Polygon ring of n distinct positions (+ the closing one)."""
    ring = [[lon + r * math.cos(2 * math.pi * i / n), lat + r * math.sin(2 * math.pi * i / n)] for i in range(n)]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def test_counts_positions_of_every_geometry_kind():
    assert count_vertices(circle(10)) == 11
    multi = {"type": "MultiPolygon", "coordinates": [circle(10)["coordinates"], circle(4)["coordinates"]]}
    assert count_vertices(multi) == 16
    assert count_vertices({"type": "Point", "coordinates": [1, 2]}) == 1
    assert count_vertices({"type": "LineString", "coordinates": [[1, 2], [3, 4]]}) == 2
    collection = {"type": "GeometryCollection", "geometries": [circle(10), {"type": "Point", "coordinates": [0, 0]}]}
    assert count_vertices(collection) == 12
    assert count_vertices({"type": "Polygon", "coordinates": "junk"}) == 0  # the structure check reports it


def test_a_geometry_over_the_limit_is_refused_with_its_count_and_the_limit():
    with pytest.raises(GeometryInputError) as caught:
        parse_geojson_geometry({"type": "Feature", "geometry": circle(100)}, max_vertices=100)
    error = caught.value
    assert error.code == "too_many_vertices"
    assert error.params == {"vertices": 101, "limit": 100}
    assert "101" in error.message and "100" in error.message
    assert parse_geojson_geometry(circle(99), max_vertices=100).is_valid  # 100 positions: at the limit, fine


def test_refusing_a_huge_polygon_costs_milliseconds():
    """800,000 vertices (the security report's 19 MB body): refused by counting, not after validating."""
    huge = circle(800_000)
    started = time.perf_counter()
    with pytest.raises(GeometryInputError):
        parse_geojson_geometry(huge, max_vertices=50_000)
    assert time.perf_counter() - started < 0.2
