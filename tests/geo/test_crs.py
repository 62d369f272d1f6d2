"""Tests for geo.crs (WGS84 / CGCS2000 / GCJ-02 / BD-09)."""

import math

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point, Polygon

from geo import crs

GEOD = Geod(ellps="WGS84")


def metres_between(lon1, lat1, lon2, lat2):
    """Geodesic distance(s) in metres."""
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def china_grid():
    """Points every ~1° over mainland China's bounding box, plus a dense block around Binzhou."""
    lons, lats = np.meshgrid(np.arange(74.0, 135.0, 1.37), np.arange(18.0, 53.5, 1.13))
    local_lons, local_lats = np.meshgrid(np.linspace(117.8, 118.3, 23), np.linspace(37.2, 37.6, 19))
    return (
        np.concatenate([lons.ravel(), local_lons.ravel()]),
        np.concatenate([lats.ravel(), local_lats.ravel()]),
    )


def test_forward_matches_published_reference_values():
    # Values printed by the widely used coordtransform library for the same formulas.
    assert crs.wgs84_to_gcj02(116.404, 39.915) == pytest.approx((116.41024449916938, 39.91640428150164),
                                                               abs=1e-12)
    assert crs.gcj02_to_bd09(116.404, 39.915) == pytest.approx((116.41036949371029, 39.92133699351021),
                                                               abs=1e-12)


def test_iterative_inverse_is_close_to_one_step_approximation():
    # coordtransform's one-step inverses are accurate to a few metres; ours must be near them.
    lon, lat = crs.gcj02_to_wgs84(116.404, 39.915)
    assert metres_between(lon, lat, 116.39775550083061, 39.91359571849836) < 2.0
    lon, lat = crs.bd09_to_gcj02(116.404, 39.915)
    assert metres_between(lon, lat, 116.39762729119315, 39.90865673957631) < 2.0


def test_gcj02_offset_near_binzhou_is_a_few_hundred_metres():
    lon, lat = crs.wgs84_to_gcj02(118.0, 37.4)
    offset = metres_between(118.0, 37.4, lon, lat)
    assert 100.0 < offset < 700.0
    assert lon > 118.0 and lat > 37.4  # GCJ-02 is shifted north-east here
    bd_lon, bd_lat = crs.gcj02_to_bd09(lon, lat)
    assert 500.0 < metres_between(lon, lat, bd_lon, bd_lat) < 1200.0


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84),
        (crs.gcj02_to_bd09, crs.bd09_to_gcj02),
        (crs.wgs84_to_bd09, crs.bd09_to_wgs84),
    ],
)
def test_round_trip_error_is_below_5_cm_everywhere_in_china(forward, inverse):
    lons, lats = china_grid()
    back_lon, back_lat = inverse(*forward(lons, lats))
    errors = metres_between(lons, lats, back_lon, back_lat)
    assert np.max(errors) < 0.05
    # and the other way round: inverse first, then forward
    again_lon, again_lat = forward(*inverse(lons, lats))
    assert np.max(metres_between(lons, lats, again_lon, again_lat)) < 0.05


def test_inverse_meets_its_tolerance_in_degrees():
    lons, lats = china_grid()
    gcj_lon, gcj_lat = crs.wgs84_to_gcj02(lons, lats)
    back_lon, back_lat = crs.gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert np.max(np.abs(back_lon - lons)) < 1e-8
    assert np.max(np.abs(back_lat - lats)) < 1e-8


@pytest.mark.parametrize(("lon", "lat"), [(139.69, 35.69), (-0.13, 51.51), (151.21, -33.87), (100.0, 60.0)])
def test_gcj02_leaves_points_outside_china_unchanged(lon, lat):
    assert crs.wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert crs.gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_scalar_and_array_results():
    lon, lat = crs.wgs84_to_gcj02(118.0, 37.4)
    assert isinstance(lon, float) and isinstance(lat, float)
    lons, lats = crs.gcj02_to_wgs84(np.array([118.0, 118.1]), np.array([37.4, 37.5]))
    assert lons.shape == (2,) and lats.shape == (2,)
    assert lons[0] == pytest.approx(crs.gcj02_to_wgs84(118.0, 37.4)[0], abs=1e-12)


def test_nan_input_terminates():
    lon, lat = crs.gcj02_to_wgs84(float("nan"), 37.4)
    assert math.isnan(lon)


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("EPSG:4326", "WGS84"), ("wgs84", "WGS84"), ("WGS 84", "WGS84"), ("OGC:CRS84", "WGS84"),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", "WGS84"), ("EPSG:4490", "CGCS2000"), ("cgcs2000", "CGCS2000"),
        ("gcj-02", "GCJ02"), ("GCJ02", "GCJ02"), ("bd-09", "BD09"), ("bd09ll", "BD09"),
    ],
)
def test_normalize_crs_name(name, canonical):
    assert crs.normalize_crs_name(name) == canonical


def test_normalize_crs_name_rejects_unknown():
    with pytest.raises(crs.UnknownCrsError, match="EPSG:3857"):
        crs.normalize_crs_name("EPSG:3857")


def test_transform_geometry_converts_every_vertex():
    square = Polygon([(118.0, 37.4), (118.01, 37.4), (118.01, 37.41), (118.0, 37.41)])
    converted = crs.transform_geometry(square, "wgs84", "gcj-02")
    assert converted.geom_type == "Polygon"
    for (lon, lat), (new_lon, new_lat) in zip(square.exterior.coords, converted.exterior.coords, strict=True):
        assert (new_lon, new_lat) == pytest.approx(crs.wgs84_to_gcj02(lon, lat), abs=1e-12)
    back = crs.transform_geometry(converted, "GCJ02", "EPSG:4490")
    assert back.equals_exact(square, tolerance=1e-9)


def test_transform_geometry_between_gcj02_and_bd09_and_keeps_z():
    point = Point(118.0, 37.4, 12.5)
    bd = crs.transform_geometry(point, "GCJ02", "BD09")
    assert bd.has_z and bd.z == 12.5
    assert (bd.x, bd.y) == pytest.approx(crs.gcj02_to_bd09(118.0, 37.4), abs=1e-12)
    wgs = crs.transform_geometry(bd, "BD09", "WGS84")
    assert (wgs.x, wgs.y) == pytest.approx(crs.gcj02_to_wgs84(118.0, 37.4), abs=1e-8)


def test_transform_geometry_wgs84_to_cgcs2000_is_identity():
    point = Point(118.0, 37.4)
    assert crs.transform_geometry(point, "WGS84", "CGCS2000") is point
    assert crs.transform_lonlat(118.0, 37.4, "EPSG:4326", "EPSG:4490") == (118.0, 37.4)
