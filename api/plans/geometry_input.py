"""User geometry for plans and stats: GeoJSON → valid lon/lat Shapely, or a 422 saying what and where."""

from shapely import to_wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

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
    obj: object, *, repair: bool = False, bounds: tuple[float, float, float, float] | None = None
) -> BaseGeometry:
    """A valid (Multi)Polygon in EPSG:4326 from GeoJSON; 422 with reason, code and location otherwise."""
    _reject_foreign_crs(obj)
    try:
        geom = parse_geojson_geometry(obj, repair=repair, bounds=bounds)
        return to_multipolygon(geom)
    except GeometryInputError as exc:
        raise InvalidInput(
            exc.message, code=f"geometry.{exc.code}", extra={"location": exc.to_dict()["location"]}
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
