"""User geometry for plans and stats: GeoJSON → valid lon/lat Shapely, or a 422 saying what and where."""
import json
import re

from fastapi import FastAPI
from shapely import to_wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.config import get_settings
from api.errors import InvalidInput
from geo.geometry import GeometryInputError, parse_geojson_geometry, to_multipolygon

WGS84_NAMES = {
    "EPSG:4326",
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "CRS84",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
}
# how far (degrees, ≈ 2 km) a drawn shape may reach beyond the station's box before it is surely wrong
BOUNDS_MARGIN = 0.02
STATION_BOX = """
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Envelope(jurisdiction) AS e FROM station WHERE id = :station_id) s
"""


def station_bounds(session: Session, station_id: int | None) -> tuple[float, float, float, float] | None:
    """The station's bounding box widened by BOUNDS_MARGIN, or None without a station."""
    if station_id is None:
        return None
    row = session.execute(text(STATION_BOX), {"station_id": station_id}).first()
    if row is None:
        return None
    return (row[0] - BOUNDS_MARGIN, row[1] - BOUNDS_MARGIN, row[2] + BOUNDS_MARGIN, row[3] + BOUNDS_MARGIN)


def parse_area(
    obj: object, *, repair: bool = False, bounds: tuple[float, float, float, float] | None = None,
    max_vertices: int | None = None,
) -> BaseGeometry:
    """A valid (Multi)Polygon in EPSG:4326 from GeoJSON; 422 with reason, code and location otherwise.

    At most `max_vertices` positions (default HOLOMAP_MAX_GEOMETRY_VERTICES): 422
    geometry.too_many_vertices with params {vertices, limit} before any other work.
    """
    _reject_foreign_crs(obj)
    if max_vertices is None:
        max_vertices = get_settings().max_geometry_vertices
    try:
        geom = parse_geojson_geometry(obj, repair=repair, bounds=bounds, max_vertices=max_vertices)
        return to_multipolygon(geom)
    except GeometryInputError as exc:
        raise InvalidInput(
            exc.message, code=f"geometry.{exc.code}", params=exc.params,
            extra={"location": exc.to_dict()["location"]},
        ) from None


def wkb(geom: BaseGeometry) -> bytes:
    """WKB bytes for ST_GeomFromWKB(:wkb, 4326)."""
    return to_wkb(geom)


def _reject_foreign_crs(obj: object) -> None:
    """GeoJSON (RFC 7946) is lon/lat WGS84; an old-style `crs` member naming anything else is refused."""
    if not isinstance(obj, dict) or "crs" not in obj:
        return
    name = ((obj.get("crs") or {}).get("properties") or {}).get("name")
    if name not in WGS84_NAMES:
        raise InvalidInput(
            f"坐标系错误 the geometry is in {name or 'an unknown CRS'}; send WGS84 lon/lat (EPSG:4326) "
            "— convert CGCS2000/GCJ-02/BD-09 or projected coordinates first",
            code="geometry.wrong_crs", params={"crs": str(name)}, extra={"location": None},
        )


# Routes whose JSON body is a drawn geometry: their body is parsed on the event loop before the route runs,
# so its size is bounded before that (a 19 MB polygon took ~1 s of json.loads, stalling every request)
GEOMETRY_BODIES = re.compile(r"^/api/(beats/stats|plans/[^/]+/beats(/[^/]+)?)$")


class GeometryBodyLimit:
    """413 geometry.body_too_large for a geometry route's body over HOLOMAP_MAX_GEOMETRY_BYTES (by its
    Content-Length, as the app-wide body limit does), before it is read or parsed."""

    def __init__(self, app, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT") and GEOMETRY_BODIES.match(scope["path"]):
            length = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
            if length.isdigit() and int(length) > self.max_bytes:
                body = json.dumps({
                    "detail": f"the geometry is too large: {int(length)} bytes, the limit is {self.max_bytes} "
                              "bytes; simplify it or split it into smaller areas",
                    "code": "geometry.body_too_large",
                    "params": {"bytes": int(length), "limit": self.max_bytes}}).encode()
                await send({"type": "http.response.start", "status": 413, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def install_geometry_body_limit(app: FastAPI) -> None:
    app.add_middleware(GeometryBodyLimit, max_bytes=app.state.settings.max_geometry_bytes)
