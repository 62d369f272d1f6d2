"""Tests for geo.binning: square and hexagon cells matching PostGIS grids."""

import math

import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from geo import binning
from geo.geometry import geodesic_area_m2

SIZES = (100.0, 250.0, 500.0, 1000.0)


@pytest.fixture(scope="module")
def random_points():
    """5,000 reproducible points within ~20 km of 118.0E 37.4N."""
    rng = np.random.default_rng(20240601)
    return rng.uniform(117.8, 118.2, 5000), rng.uniform(37.2, 37.6, 5000)


def test_mercator_matches_pyproj():
    to_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    lons = np.array([118.0, -73.98, 0.0, 151.2])
    lats = np.array([37.4, 40.75, 0.0, -33.87])
    x, y = binning.lonlat_to_mercator(lons, lats)
    ex, ey = to_3857.transform(lons, lats)
    assert np.allclose(x, ex, atol=1e-6) and np.allclose(y, ey, atol=1e-6)
    back_lon, back_lat = binning.mercator_to_lonlat(x, y)
    assert np.allclose(back_lon, lons, atol=1e-12) and np.allclose(back_lat, lats, atol=1e-12)


# (lon, lat, hex i, hex j, square i, square j) computed by PostGIS 3.3.2 with
# ST_HexagonGrid(500, …) / ST_SquareGrid(500, …) on ST_Transform(point, 3857) and ST_Intersects.
POSTGIS_CELLS_500 = [
    (118.0, 37.4, 17514, 5190, 26271, 8990),
    (118.0312, 37.3651, 17519, 5184, 26278, 8980),
    (117.9377, 37.4488, 17505, 5198, 26257, 9003),
    (118.1234, 37.5678, 17533, 5217, 26298, 9037),
    (-0.001, 0.002, 0, 0, -1, 0),
    (0.0001, -0.0001, 0, 0, 0, -1),
    (-0.0123, -0.0456, -2, -6, -3, -11),
    (116.404, 39.915, 17277, 5604, 25916, 9707),
]


@pytest.mark.parametrize(("lon", "lat", "hex_i", "hex_j", "square_i", "square_j"), POSTGIS_CELLS_500)
def test_cells_match_postgis_grids(lon, lat, hex_i, hex_j, square_i, square_j):
    assert binning.hex_cell(lon, lat, 500.0) == (hex_i, hex_j)
    assert binning.square_cell(lon, lat, 500.0) == (square_i, square_j)


def test_latitude_beyond_mercator_is_rejected():
    with pytest.raises(ValueError, match="Web Mercator"):
        binning.square_cell(0.0, 86.0, 100.0)
    with pytest.raises(ValueError, match="positive"):
        binning.hex_cell(118.0, 37.4, 0.0)


def test_square_cell_known_values():
    assert binning.square_cell(0.0, 0.0, 100.0) == (0, 0)
    assert binning.square_cell(-1e-7, -1e-7, 100.0) == (-1, -1)
    x, y = binning.lonlat_to_mercator(118.0, 37.4)
    assert binning.square_cell(118.0, 37.4, 500.0) == (math.floor(x / 500.0), math.floor(y / 500.0))


def test_hex_polygon_layout_matches_postgis_st_hexagon():
    # ST_Hexagon(10, 1, 0): odd column, shifted up by half a row (height 10·√3)
    h = 10 * math.sqrt(3)
    hexagon = binning.hex_polygon(1, 0, 10.0, projected=True)
    expected = [(5, h / 2), (10, 0), (20, 0), (25, h / 2), (20, h), (10, h), (5, h / 2)]
    assert np.allclose(np.array(hexagon.exterior.coords), expected)
    # ST_Hexagon(10, 2, 2): even column, centre (30, 2h)
    assert hexagon.area == pytest.approx(1.5 * math.sqrt(3) * 100)
    centre = binning.hex_polygon(2, 2, 10.0, projected=True).centroid
    assert (centre.x, centre.y) == pytest.approx((30.0, 2 * h))
    assert binning.hex_polygon(-1, 0, 10.0, projected=True).centroid.y == pytest.approx(h / 2)


def test_square_polygon_matches_st_square():
    square = binning.square_polygon(3, -2, 50.0, projected=True)
    assert square.bounds == (150.0, -100.0, 200.0, -50.0)


@pytest.mark.parametrize("kind", ["square", "hex"])
@pytest.mark.parametrize("size", SIZES)
def test_every_point_lies_in_its_own_cell(random_points, kind, size):
    lons, lats = random_points
    cell_i, cell_j = binning.cells(kind, lons, lats, size)
    xs, ys = binning.lonlat_to_mercator(lons, lats)
    polygons = {}
    for lon, lat, x, y, i, j in zip(lons, lats, xs, ys, cell_i, cell_j, strict=True):
        key = (int(i), int(j))
        if key not in polygons:
            polygons[key] = (binning.cell_polygon(kind, *key, size),
                             binning.cell_polygon(kind, *key, size, projected=True))
        lonlat_cell, projected_cell = polygons[key]
        # exact in the projected plane; lon/lat edges of hexagons bow by < 1e-8° (sub-cm)
        assert projected_cell.buffer(1e-6).contains(Point(x, y))
        point = Point(lon, lat)
        assert lonlat_cell.contains(point) or lonlat_cell.distance(point) < 1e-8


@pytest.mark.parametrize("size", SIZES)
def test_hex_cell_is_the_nearest_centre(random_points, size):
    lons, lats = random_points
    xs, ys = binning.lonlat_to_mercator(lons[:500], lats[:500])
    for lon, lat, x, y in zip(lons[:500], lats[:500], xs, ys, strict=True):
        i, j = binning.hex_cell(lon, lat, size)
        own = binning.hex_polygon(i, j, size, projected=True).centroid.distance(Point(x, y))
        for other in binning.neighbours("hex", i, j):
            centre = binning.hex_polygon(*other, size, projected=True).centroid
            assert own <= centre.distance(Point(x, y)) + 1e-9


def test_vectorised_equals_scalar(random_points):
    lons, lats = random_points
    for kind, single in (("square", binning.square_cell), ("hex", binning.hex_cell)):
        cell_i, cell_j = binning.cells(kind, lons[:300], lats[:300], 333.0)
        assert cell_i.dtype == np.int64
        scalar = [single(lon, lat, 333.0) for lon, lat in zip(lons[:300], lats[:300], strict=True)]
        assert list(zip(cell_i.tolist(), cell_j.tolist(), strict=True)) == scalar


@pytest.mark.parametrize("kind", ["square", "hex"])
@pytest.mark.parametrize("centre", [(13135, 4496), (13136, 4497), (-7, -3), (0, 0), (-1, 1)])
def test_neighbours_are_exactly_the_touching_cells(kind, centre):
    size = 500.0
    own = binning.cell_polygon(kind, *centre, size, projected=True)
    touching = set()
    for di in range(-3, 4):
        for dj in range(-3, 4):
            other = (centre[0] + di, centre[1] + dj)
            polygon = binning.cell_polygon(kind, *other, size, projected=True)
            if other != centre and own.distance(polygon) < 1e-6:
                touching.add(other)
    found = binning.neighbours(kind, *centre)
    assert len(found) == len(set(found)) == (8 if kind == "square" else 6)
    assert set(found) == touching
    for other in found:
        assert centre in binning.neighbours(kind, *other)


def test_hex_neighbours_share_an_edge():
    size = 250.0
    own = binning.hex_polygon(4, 7, size, projected=True)
    for other in binning.neighbours("hex", 4, 7):
        shared = own.buffer(1e-6).intersection(binning.hex_polygon(*other, size, projected=True).exterior)
        assert shared.length == pytest.approx(size, rel=1e-6)


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_cells_in_bounds_cover_the_points_like_postgis_grids(random_points, kind):
    lons, lats = random_points
    bounds = (117.8, 37.2, 118.2, 37.6)
    listed = binning.cells_in_bounds(kind, *bounds, 1000.0)
    assert len(listed) == len(set(listed))
    cell_i, cell_j = binning.cells(kind, lons, lats, 1000.0)
    assert set(zip(cell_i.tolist(), cell_j.tolist(), strict=True)) <= set(listed)
    xmin, ymin = binning.lonlat_to_mercator(bounds[0], bounds[1])
    xmax, ymax = binning.lonlat_to_mercator(bounds[2], bounds[3])
    frame = box(float(xmin), float(ymin), float(xmax), float(ymax))
    for cell in listed:
        assert binning.cell_polygon(kind, *cell, 1000.0, projected=True).intersects(frame)


def test_ground_to_mercator_size():
    size = binning.ground_to_mercator_size(500.0, 37.4)
    assert size == pytest.approx(500.0 / math.cos(math.radians(37.4)))
    cell = binning.square_polygon(*binning.square_cell(118.0, 37.4, size), size)
    assert geodesic_area_m2(cell) == pytest.approx(500.0**2, rel=0.01)


def test_kind_names():
    assert binning.normalize_kind("Hexagon") == "hex"
    with pytest.raises(ValueError):
        binning.neighbours("triangle", 0, 0)
