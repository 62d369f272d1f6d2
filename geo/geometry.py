"""Validation and repair of user-supplied GeoJSON geometries, and geodesic measures for lon/lat shapes.

``parse_geojson_geometry`` turns a GeoJSON dict into a Shapely geometry or raises
``GeometryInputError`` whose message says what is wrong (Chinese and English), where (``location`` as
(lon, lat) when known) and a stable ``code`` the frontend may translate. Checks, in order: structure,
finite numbers, [lon, lat] order (a China point written as [lat, lon] is caught), ranges, ring
closure and size, OGC validity (rejected with the reason and place, or repaired when asked), and an
optional bounding box of the station area. Z values are dropped: stored geometries are 2D.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator

import shapely
from pyproj import Geod
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon, box, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

GEOD = Geod(ellps="WGS84")
POLYGONAL = ("Polygon", "MultiPolygon")
_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}
_RING_TYPES = {"Polygon": 1, "MultiPolygon": 2}  # nesting level at which rings sit
_LINE_TYPES = {"LineString": 0, "MultiLineString": 1}
# China mainland box used to recognise [lat, lon] input: lat 18..54 first, lon 73..135 second.
_SWAPPED_FIRST = (18.0, 54.0)
_SWAPPED_SECOND = (73.0, 135.0)
_REASONS_ZH = {
    "Self-intersection": "边界自相交",
    "Ring Self-intersection": "环自相交",
    "Hole lies outside shell": "内洞位于外环之外",
    "Nested holes": "内洞相互嵌套",
    "Interior is disconnected": "内部不连通",
    "Nested shells": "外环相互嵌套",
    "Too few points": "点数不足",
    "Duplicate Rings": "存在重复的环",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环未闭合",
}
_VALIDITY = re.compile(r"^(?P<reason>[^\[]+?)\s*(?:\[(?P<x>[-+\d.eE]+)\s+(?P<y>[-+\d.eE]+)\])?$")

Location = tuple[float, float]


class GeometryInputError(ValueError):
    """A geometry the user must fix: ``message``, optional ``location`` (lon, lat), ``code``."""

    def __init__(self, message: str, *, location: Location | None = None, code: str = "invalid_input",
                 params: dict | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.code = code
        self.params = params or {}

    def to_dict(self) -> dict:
        """JSON-friendly form for API error bodies."""
        location = list(self.location) if self.location is not None else None
        return {"message": self.message, "location": location, "code": self.code}


def parse_geojson_geometry(
    obj: dict,
    *,
    allowed: Iterable[str] = POLYGONAL,
    repair: bool = False,
    bounds: tuple[float, float, float, float] | None = None,
    max_vertices: int | None = None,
) -> BaseGeometry:
    """Validate a GeoJSON geometry (or Feature) and return it as a 2D Shapely geometry.

    With ``max_vertices``, a geometry with more positions is refused (code ``too_many_vertices``) before
    any per-position work: checking, building and validating a huge shape costs seconds of CPU.
    """
    allowed = tuple(allowed)
    geometry_obj = _unwrap_feature(obj)
    if max_vertices is not None:
        check_vertex_count(geometry_obj, max_vertices)
    kind = geometry_obj.get("type")
    if kind not in _DEPTH and kind != "GeometryCollection":
        raise GeometryInputError(f"未知的几何类型 unknown geometry type {kind!r}", code="unknown_type")
    if kind not in allowed:
        raise GeometryInputError(
            f"不允许的几何类型 geometry type {kind} is not allowed here; expected {' or '.join(allowed)}",
            code="type_not_allowed",
        )
    _check_structure(geometry_obj)
    geom = shapely.force_2d(shape(geometry_obj))
    if geom.is_empty:
        raise GeometryInputError("几何为空 the geometry is empty", code="empty")
    if not geom.is_valid:
        geom = _repaired(geom, allowed) if repair else _raise_invalid(geom)
    if bounds is not None:
        _check_bounds(geom, bounds)
    return geom


def count_vertices(obj: object) -> int:
    """Positions of a GeoJSON geometry dict, counted by list lengths only (malformed parts count 0;
    the structure check reports them)."""
    if not isinstance(obj, dict):
        return 0
    if obj.get("type") == "GeometryCollection":
        members = obj.get("geometries")
        return sum(count_vertices(m) for m in members) if isinstance(members, list) else 0
    depth = _DEPTH.get(obj.get("type"))
    return 0 if depth is None else _count_at(obj.get("coordinates"), depth)


def _count_at(value: object, depth: int) -> int:
    if not isinstance(value, list | tuple):
        return 0
    if depth <= 1:
        return len(value) if depth == 1 else 1
    return sum(_count_at(child, depth - 1) for child in value)


def check_vertex_count(obj: object, max_vertices: int) -> None:
    """Raise ``too_many_vertices`` when the geometry has more than ``max_vertices`` positions."""
    vertices = count_vertices(obj)
    if vertices > max_vertices:
        raise too_many_vertices(vertices, max_vertices)


def too_many_vertices(vertices: int, limit: int) -> GeometryInputError:
    """The error of a geometry with more than ``limit`` vertices."""
    return GeometryInputError(
        f"几何点数过多 the geometry has {vertices} vertices, more than the limit of {limit}; "
        "simplify it (e.g. to 1 m precision) or split it into smaller areas",
        code="too_many_vertices", params={"vertices": vertices, "limit": limit},
    )


def validity_problem(geom: BaseGeometry) -> tuple[str, Location | None] | None:
    """None when valid, else (reason, location) from GEOS's explain_validity."""
    if geom.is_valid:
        return None
    match = _VALIDITY.match(explain_validity(geom))
    if match is None:
        return explain_validity(geom), None
    location = (float(match["x"]), float(match["y"])) if match["x"] is not None else None
    return match["reason"], location


def to_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Polygon, MultiPolygon or the polygonal parts of a collection as one MultiPolygon."""
    polygons = list(polygon_parts(geom))
    if not polygons and not geom.is_empty:
        raise GeometryInputError(f"需要面状几何 expected a polygonal geometry, got {geom.geom_type}",
                                 code="type_not_allowed")
    return MultiPolygon(polygons)


def polygon_parts(geom: BaseGeometry) -> Iterator[Polygon]:
    """Every non-empty Polygon inside a geometry, in order (lines and points are skipped)."""
    if isinstance(geom, Polygon):
        if not geom.is_empty:
            yield geom
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from polygon_parts(part)


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid in m² of the polygonal parts of a lon/lat geometry."""
    total = 0.0
    for polygon in polygon_parts(geom):
        total += abs(GEOD.polygon_area_perimeter(*polygon.exterior.xy)[0])
        for hole in polygon.interiors:
            total -= abs(GEOD.polygon_area_perimeter(*hole.xy)[0])
    return total


def geodesic_area_km2(geom: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid in km²."""
    return geodesic_area_m2(geom) / 1e6


def geodesic_perimeter_m(geom: BaseGeometry) -> float:
    """Total boundary length (exteriors and holes) of the polygonal parts, in metres."""
    return sum(GEOD.geometry_length(ring) for polygon in polygon_parts(geom)
               for ring in (polygon.exterior, *polygon.interiors))


def geodesic_length_m(geom: BaseGeometry) -> float:
    """Geodesic length in metres of lines (and of polygon boundaries)."""
    return float(GEOD.geometry_length(geom))


def geodesic_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in metres between two lon/lat points."""
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def _unwrap_feature(obj: object) -> dict:
    """The geometry member of a Feature, or the object itself when it is a geometry."""
    if not isinstance(obj, dict):
        raise GeometryInputError("几何必须是 GeoJSON 对象 the geometry must be a GeoJSON object",
                                 code="not_geojson")
    if obj.get("type") == "Feature":
        return _unwrap_feature(obj.get("geometry"))
    if obj.get("type") == "FeatureCollection":
        raise GeometryInputError("需要单个几何 expected one geometry, got a FeatureCollection",
                                 code="not_geojson")
    return obj


def _check_structure(obj: dict) -> None:
    """Validate nesting, numbers, ranges and rings of a geometry dict (recursing into collections)."""
    kind = obj["type"]
    if kind == "GeometryCollection":
        members = obj.get("geometries")
        if not isinstance(members, list):
            raise GeometryInputError("坐标格式错误 a GeometryCollection needs a 'geometries' list",
                                     code="malformed")
        for member in members:
            if not isinstance(member, dict) or member.get("type") not in _DEPTH:
                raise GeometryInputError("未知的几何类型 unknown geometry in collection", code="unknown_type")
            _check_structure(member)
        return
    coordinates = obj.get("coordinates")
    if coordinates is None:
        raise GeometryInputError(f"缺少坐标 {kind} has no 'coordinates'", code="malformed")
    for path, position in _positions(coordinates, _DEPTH[kind], "coordinates"):
        _check_position(path, position)
    if kind in _RING_TYPES:
        for path, ring in _nested(coordinates, _RING_TYPES[kind], "coordinates"):
            _check_ring(path, ring)
    if kind in _LINE_TYPES:
        for path, line in _nested(coordinates, _LINE_TYPES[kind], "coordinates"):
            if len(line) < 2:
                raise GeometryInputError(f"线至少需要2个点 {path} needs at least 2 positions",
                                         location=_lonlat(line[0]) if line else None, code="too_few_points")


def _positions(value: object, depth: int, path: str) -> Iterator[tuple[str, list]]:
    """Yield (path, position) for every position, checking list nesting on the way."""
    if depth == 0:
        yield path, value
        return
    if not isinstance(value, list | tuple):
        raise GeometryInputError(f"坐标格式错误 malformed coordinates: {path} must be a list",
                                 code="malformed")
    for index, child in enumerate(value):
        yield from _positions(child, depth - 1, f"{path}[{index}]")


def _nested(value: list, depth: int, path: str) -> Iterator[tuple[str, list]]:
    """Yield (path, list) for the lists found ``depth`` levels down (structure already checked)."""
    if depth == 0:
        yield path, value
        return
    for index, child in enumerate(value):
        yield from _nested(child, depth - 1, f"{path}[{index}]")


def _check_position(path: str, position: object) -> None:
    """One position: 2 or 3 finite numbers, [lon, lat] order, within range."""
    if (
        not isinstance(position, list | tuple)
        or len(position) not in (2, 3)
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position)
    ):
        raise GeometryInputError(
            f"坐标格式错误 malformed coordinates at {path}: expected [lon, lat] numbers, got {position!r}",
            code="malformed",
        )
    if not all(math.isfinite(v) for v in position):
        raise GeometryInputError(f"坐标不是有限数 non-finite coordinate at {path}: {position!r}",
                                 code="non_finite")
    x, y = float(position[0]), float(position[1])
    if _SWAPPED_FIRST[0] <= x <= _SWAPPED_FIRST[1] and _SWAPPED_SECOND[0] <= y <= _SWAPPED_SECOND[1]:
        raise GeometryInputError(
            f"经纬度顺序颠倒 coordinates at {path} look like [lat, lon] ({x}, {y}); "
            "the order must be [lon, lat] (经度在前)",
            location=(y, x), code="swapped_coordinates",
        )
    if abs(x) > 180 or abs(y) > 90:
        hint = " (these look like projected metres: convert to lon/lat degrees)" if abs(x) > 1000 else ""
        raise GeometryInputError(
            f"坐标超出范围 coordinate out of range at {path}: ({x}, {y}); longitude must be within "
            f"±180 and latitude within ±90{hint}",
            code="out_of_range",
        )


def _check_ring(path: str, ring: list) -> None:
    """A linear ring: at least 4 positions, first equal to last."""
    if len(ring) < 4:
        raise GeometryInputError(
            f"多边形环点数不足 {path} has {len(ring)} positions; a closed ring needs at least 4",
            location=_lonlat(ring[0]) if ring else None, code="too_few_points",
        )
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise GeometryInputError(
            f"多边形环未闭合 {path} is not closed: the first and last positions must be equal",
            location=_lonlat(ring[0]), code="ring_not_closed",
        )


def _lonlat(position: list) -> Location:
    """(lon, lat) of a checked position."""
    return float(position[0]), float(position[1])


def _raise_invalid(geom: BaseGeometry) -> BaseGeometry:
    """Raise the validity problem of ``geom`` with its reason and place."""
    reason, location = validity_problem(geom) or ("invalid", None)
    where = f" at {location[0]:.6f}, {location[1]:.6f}" if location else ""
    raise GeometryInputError(
        f"几何无效（{_REASONS_ZH.get(reason, reason)}）invalid geometry: {reason}{where}; "
        "fix the shape or ask for automatic repair",
        location=location, code="invalid_geometry", params={"reason": reason},
    )


def _repaired(geom: BaseGeometry, allowed: tuple[str, ...]) -> BaseGeometry:
    """``make_valid`` keeping only parts of the allowed types (polygons for polygon input)."""
    fixed = shapely.make_valid(geom)
    if set(allowed) & set(POLYGONAL):
        polygons = list(polygon_parts(fixed))
        if not polygons:
            raise GeometryInputError("修复后没有面 repair left no polygon: the shape has no area",
                                     code="repair_failed")
        if len(polygons) == 1 and "Polygon" in allowed:
            return polygons[0]
        if "MultiPolygon" in allowed:
            return MultiPolygon(polygons)
        raise GeometryInputError(
            f"修复后分裂为{len(polygons)}块 repair split the polygon into {len(polygons)} parts; "
            "draw it as separate polygons",
            location=_point_of(polygons[1]), code="repair_failed",
        )
    parts = [part for part in getattr(fixed, "geoms", [fixed]) if part.geom_type in allowed]
    if not parts:
        raise GeometryInputError("修复失败 repair produced no geometry of an allowed type",
                                 code="repair_failed")
    return parts[0] if len(parts) == 1 else GeometryCollection(parts)


def _check_bounds(geom: BaseGeometry, bounds: tuple[float, float, float, float]) -> None:
    """Reject geometries reaching outside the station area's bounding box."""
    area = box(*bounds)
    if not area.covers(geom):
        raise GeometryInputError(
            "超出辖区范围 the geometry lies (partly) outside the station area",
            location=_point_of(geom.difference(area)), code="outside_area",
        )


def _point_of(geom: BaseGeometry) -> Location | None:
    """A point guaranteed to lie on ``geom`` as (lon, lat)."""
    if geom.is_empty:
        return None
    point = geom.representative_point()
    return point.x, point.y
