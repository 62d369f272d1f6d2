"""OGC API – Features at /ogc for the non-personal layers (stations, beats, villages, buildings).

Read by QGIS and GDAL (`ogrinfo OAPIF:http://host/ogc`). Signed-in users only: a bearer header, or
`?access_token=` for clients that cannot send headers (kept in the links so paging keeps working).
"""
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.contract import GeoJSONResponse
from api.errors import InvalidInput
from api.ogc import schemas, service
from api.tiles.dependencies import map_read_session

router = APIRouter(prefix="/ogc", tags=["ogc"])
GEOJSON = "application/geo+json"
JSON = "application/json"


def _href(request: Request, name: str, **path) -> str:
    url = request.url_for(name, **path)
    token = request.query_params.get("access_token")
    return str(url.include_query_params(access_token=token) if token else url)


def _link(href: str, rel: str, media: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": media, "title": title}


def _check_format(f: str | None) -> None:
    if f not in (None, "json", "geojson"):
        raise InvalidInput(f"format f={f!r} is not offered; use f=json",
                           code="ogc.format_not_offered", params={"f": f})


def _collection_doc(request: Request, collection: str, bbox: list[float] | None) -> dict:
    title, description = service.COLLECTIONS[collection]
    doc = {
        "id": collection, "title": title, "description": description, "itemType": "feature",
        "crs": [service.CRS84],
        "links": [
            _link(_href(request, "ogc_collection", collection_id=collection), "self", JSON, title),
            _link(_href(request, "ogc_items", collection_id=collection), "items", GEOJSON, f"{title} items"),
        ],
    }
    if bbox:
        doc["extent"] = {"spatial": {"bbox": [bbox], "crs": service.CRS84}}
    return doc


@router.get("", name="ogc_landing", response_class=JSONResponse, responses={200: {"model": schemas.Landing}})
def landing(request: Request, f: str | None = None, _: Session = Depends(map_read_session)) -> JSONResponse:
    """Landing page with links to the conformance classes and the collections."""
    _check_format(f)
    return JSONResponse({
        "title": "Holomap 社区警务全息图 — OGC API Features",
        "description": "Non-personal map layers: stations, beats of the current plans, villages, buildings",
        "links": [
            _link(_href(request, "ogc_landing"), "self", JSON, "this document"),
            _link(_href(request, "ogc_conformance"), "conformance", JSON, "conformance classes"),
            _link(_href(request, "ogc_collections"), "data", JSON, "collections"),
        ],
    })


@router.get("/conformance", name="ogc_conformance", response_class=JSONResponse,
            responses={200: {"model": schemas.Conformance}})
def conformance(f: str | None = None, _: Session = Depends(map_read_session)) -> JSONResponse:
    """The conformance classes implemented."""
    _check_format(f)
    return JSONResponse({"conformsTo": service.CONFORMANCE})


@router.get("/collections", name="ogc_collections", response_class=JSONResponse,
            responses={200: {"model": schemas.Collections}})
def collections(
    request: Request, f: str | None = None,
    session: Session = Depends(map_read_session),
) -> JSONResponse:
    """Every collection with its extent."""
    _check_format(f)
    docs = [_collection_doc(request, c, service.extent(session=session, collection=c))
            for c in service.COLLECTIONS]
    return JSONResponse({"links": [_link(_href(request, "ogc_collections"), "self", JSON, "collections")],
                         "collections": docs})


@router.get("/collections/{collection_id}", name="ogc_collection", response_class=JSONResponse,
            responses={200: {"model": schemas.Collection}})
def collection(
    collection_id: str, request: Request, f: str | None = None,
    session: Session = Depends(map_read_session),
) -> JSONResponse:
    """One collection's description."""
    _check_format(f)
    service.ensure_collection(collection_id)
    return JSONResponse(_collection_doc(request, collection_id,
                                        service.extent(session=session, collection=collection_id)))


@router.get("/collections/{collection_id}/items", name="ogc_items", response_class=GeoJSONResponse,
            responses={200: {"model": schemas.OgcItems}})
def items(
    collection_id: str,
    request: Request,
    bbox: str | None = Query(None, description="minLon,minLat,maxLon,maxLat (CRS84)"),
    limit: int = Query(service.DEFAULT_LIMIT, ge=1, le=service.MAX_LIMIT),
    offset: int = Query(0, ge=0),
    f: str | None = None,
    session: Session = Depends(map_read_session),
) -> Response:
    """A page of features, optionally in a bbox, with next/prev links."""
    _check_format(f)
    service.ensure_collection(collection_id)
    box = service.parse_bbox(bbox)
    page = service.items(session=session, collection=collection_id, bbox=box, limit=limit, offset=offset)
    links = [_link(str(request.url), "self", GEOJSON, "this page"),
             _link(_href(request, "ogc_collection", collection_id=collection_id), "collection", JSON,
                   "the collection")]
    if offset + page.returned < page.matched:
        nxt = request.url.include_query_params(offset=offset + limit, limit=limit)
        links.append(_link(str(nxt), "next", GEOJSON, "next page"))
    if offset > 0:
        prev = request.url.include_query_params(offset=max(0, offset - limit), limit=limit)
        links.append(_link(str(prev), "prev", GEOJSON, "previous page"))
    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Response(service.feature_collection(page, links=links, timestamp=stamp), media_type=GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}", name="ogc_item", response_class=GeoJSONResponse,
            responses={200: {"model": schemas.OgcItem}})
def item(
    collection_id: str, feature_id: int, request: Request, f: str | None = None,
    session: Session = Depends(map_read_session),
) -> Response:
    """One feature."""
    _check_format(f)
    service.ensure_collection(collection_id)
    links = [_link(str(request.url), "self", GEOJSON, "this feature"),
             _link(_href(request, "ogc_collection", collection_id=collection_id), "collection", JSON,
                   "the collection")]
    body = service.item(session=session, collection=collection_id, feature_id=feature_id, links=links)
    return Response(body, media_type=GEOJSON)
