"""GET /tiles/{layer}/{z}/{x}/{y}.mvt: beats, villages and buildings as Mapbox vector tiles.

The ETag is the layer's data version, so a client revalidates every request (`no-cache`) and gets a
304 until the data changes; an edit shows in the very next request, no restart. Empty tiles are 204.
"""
from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.db import get_session
from api.tiles import service
from api.tiles.dependencies import map_user

router = APIRouter(prefix="/tiles", tags=["tiles"])
MVT = "application/vnd.mapbox-vector-tile"
CACHE_CONTROL = "private, no-cache"
cache = service.TileCache()


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


@router.get("/{layer}/{z}/{x}/{y}.mvt", response_class=Response,
            responses={200: {"content": {MVT: {}}}, 204: {"description": "no feature in this tile"},
                       304: {"description": "unchanged since the ETag sent in If-None-Match"}})
def tile(
    layer: str, z: int, x: int, y: int,
    request: Request,
    user: CurrentUser = Depends(map_user),
    session: Session = Depends(get_session),
) -> Response:
    """One vector tile of a layer (non-personal data; any signed-in user)."""
    query = service.tile_query(layer=layer, z=z, x=x, y=y)
    etag = service.layer_etag(session=session, layer=layer)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Authorization"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    key = (etag, layer, z, x, y)
    data = cache.get(key)
    if data is None:
        data = service.render_tile(session=session, query=query) if query else b""
        cache.put(key, data)
    if not data:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type=MVT, headers=headers)
