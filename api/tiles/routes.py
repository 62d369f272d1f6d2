"""GET /tiles/{layer}/{z}/{x}/{y}.mvt: beats, villages and buildings as Mapbox vector tiles.

The ETag is the layer's data version, so a client revalidates every request (`no-cache`) and gets a
304 until the data changes; an edit shows in the very next request, no restart. Empty tiles are 204.
"""
from fastapi import APIRouter, Depends, Query, Request, Response

from api.auth.dependencies import bearer_claims, oauth2_scheme, session_ended
from api.auth.service import CurrentUser
from api.db import OnLoop, on_connection
from api.tiles import queries, service

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
async def tile(
    layer: str, z: int, x: int, y: int,
    request: Request,
    token: str | None = Depends(oauth2_scheme),
    access_token: str | None = Query(None, description="bearer token, for clients that cannot send headers"),
) -> Response:
    """One vector tile of a layer (non-personal data; any signed-in user).

    One statement checks the user and reads the layer's version (holomap_map_request); a cached or
    unchanged (304) tile needs nothing else, and a new tile one more statement, on the same connection
    (api.db.on_connection).
    """
    claims, user_id, jti, iat = bearer_claims(request, token or access_token)
    # for the audit of a denial (unknown layer or tile): who asked, as the token says
    request.state.user = CurrentUser(id=user_id, username=str(claims.get("name", "")), display_name="",
                                     role=str(claims.get("role", "")), station_id=None)
    if_none_match = request.headers.get("if-none-match")

    async def answer(conn: OnLoop) -> Response:
        # the version and the tile on one connection, version first: on a hot standby the tile is then at
        # least as new as its ETag (never an ETag naming data the standby has not replayed yet)
        row = await conn.one(queries.MAP_REQUEST, {"user_id": user_id, "jti": jti, "iat": iat, "layer": layer})
        if row is None or not row["user_ok"]:
            raise session_ended()
        query = service.tile_query(layer=layer, z=z, x=x, y=y)
        etag = service.layer_etag(layer=layer, version=row["version"], changed_at=row["changed_at"])
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Authorization"}
        if _matches(if_none_match, etag):
            return Response(status_code=304, headers=headers)
        key = (etag, layer, z, x, y)
        data = cache.get(key)
        if data is None:
            data = b""
            if query:
                tile_row = await conn.one(query.sql, query.params)
                mvt = next(iter(tile_row.values())) if tile_row else None
                data = bytes(mvt) if mvt else b""
            cache.put(key, data)
        if not data:
            return Response(status_code=204, headers=headers)
        return Response(data, media_type=MVT, headers=headers)

    # non-personal: on the read pool (a hot standby when HOLOMAP_READ_DATABASE_URL is set)
    return await on_connection(request, answer, read=True)
