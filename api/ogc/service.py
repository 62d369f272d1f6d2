"""OGC API – Features documents: landing page, conformance, collections, items and single features."""
import json
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.errors import InvalidInput, NotFound
from api.ogc import queries

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

COLLECTIONS = {
    "stations": ("派出所 Police stations", "Stations and their jurisdictions"),
    "beats": ("警务区 Beats", "Beats of each station's current (published) plan"),
    "villages": ("村/社区 Villages and communities", "Village and community boundaries"),
    "buildings": ("实有房屋 Buildings", "Building footprints with address, kind, floors and units"),
}


@dataclass(frozen=True)
class Page:
    """One page of features as GeoJSON text, with the number matched by the filter."""

    matched: int
    returned: int
    features: str


def ensure_collection(collection: str) -> None:
    """404 naming the collections when the id is unknown."""
    if collection not in COLLECTIONS:
        raise NotFound(f"no collection {collection!r}; the collections are {', '.join(COLLECTIONS)}",
                       code="ogc.collection_not_found",
                       params={"collection": collection, "collections": list(COLLECTIONS)})


def parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    """bbox=minLon,minLat,maxLon,maxLat (CRS84; 6 numbers with heights are accepted) → 4 floats."""
    if bbox is None:
        return None
    try:
        values = [float(v) for v in bbox.split(",")]
    except ValueError:
        raise InvalidInput("bbox must be 4 numbers: minLon,minLat,maxLon,maxLat",
                           code="ogc.bbox_invalid") from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4:
        raise InvalidInput("bbox must be 4 numbers: minLon,minLat,maxLon,maxLat", code="ogc.bbox_invalid")
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput("bbox is out of range or inverted: need -180 ≤ minLon ≤ maxLon ≤ 180"
                           " and -90 ≤ minLat ≤ maxLat ≤ 90", code="ogc.bbox_out_of_range")
    return minx, miny, maxx, maxy


def extent(*, session: Session, collection: str) -> list[float] | None:
    """[minLon, minLat, maxLon, maxLat] of a collection (None when empty)."""
    row = session.execute(text(queries.extent_sql(collection))).first()
    return None if row is None or row[0] is None else [round(v, 7) for v in row]


def items(*, session: Session, collection: str, bbox: tuple | None, limit: int, offset: int) -> Page:
    """A page of a collection's features (ordered by id)."""
    params: dict = {"limit": limit, "offset": offset}
    if bbox:
        params.update(zip(("minx", "miny", "maxx", "maxy"), bbox, strict=True))
    row = session.execute(text(queries.items_sql(collection, bbox=bbox is not None)), params).one()
    returned = max(0, min(limit, row.matched - offset))
    return Page(matched=row.matched, returned=returned, features=row.features)


def item(*, session: Session, collection: str, feature_id: int, links: list[dict]) -> str:
    """One feature with its links as GeoJSON text; 404 when absent."""
    row = session.execute(text(queries.item_sql(collection)), {"id": feature_id}).first()
    if row is None:
        raise NotFound(f"no feature {feature_id} in collection {collection!r}", code="ogc.feature_not_found",
                       params={"collection": collection, "feature_id": feature_id})
    return json_object(id=json.dumps(row.id), type=json.dumps("Feature"), geometry=row.geometry,
                       properties=row.properties, links=json.dumps(links, ensure_ascii=False))


def feature_collection(page: Page, *, links: list[dict], timestamp: str) -> str:
    """The items response, assembled around the features PostgreSQL already serialised."""
    return json_object(type=json.dumps("FeatureCollection"), numberMatched=json.dumps(page.matched),
                       numberReturned=json.dumps(page.returned), timeStamp=json.dumps(timestamp),
                       links=json.dumps(links, ensure_ascii=False), features=page.features)


def json_object(**members: str) -> str:
    """A JSON object from its members' JSON texts (some serialised by PostgreSQL), in the order given."""
    return "{" + ", ".join(f"{json.dumps(name)}: {value}" for name, value in members.items()) + "}"
