"""GET /api/lookup, /api/buildings/{id}/floorplan and /api/search: scoped, audited, JSON from SQL."""

from fastapi import APIRouter, Depends, Query, Request, Response

from api import scope
from api.audit.service import search_term
from api.auth.dependencies import bearer_claims, current_user, oauth2_scheme, session_ended
from api.auth.service import CurrentUser
from api.clientaddr import client_address
from api.db import DbSession, one_row
from api.errors import InvalidInput
from api.places import queries, schemas, service

router = APIRouter(prefix="/api", tags=["places"])


def _json(doc: str) -> Response:
    return Response(doc, media_type="application/json")


@router.get("/lookup", response_class=Response, responses={200: {"model": schemas.LookupOut}})
async def lookup(
    request: Request,
    lon: float = Query(ge=-180, le=180, description="longitude (WGS84)"),
    lat: float = Query(ge=-85, le=85, description="latitude (WGS84)"),
    token: str | None = Depends(oauth2_scheme),
) -> Response:
    """The building at (or within 30 m of) the point, with its households, residents and more.

    The first page of households (settings.lookup_households_page) with `households_total`; the rest comes
    from GET /api/buildings/{id}/households. One statement (holomap_lookup, api/places/sql/lookup.sql) checks
    the user, finds the building, applies the scope of scope.ensure_building, builds the document and audits
    the read (api.db.one_row).
    """
    _, user_id, jti, iat = bearer_claims(request, token)
    radius = request.app.state.settings.lookup_radius_m
    row = await one_row(request, queries.LOOKUP_CALL, service.lookup_params(
        user_id=user_id, jti=jti, iat=iat, lon=lon, lat=lat, radius_m=radius,
        households=request.app.state.settings.lookup_households_page,
        client_addr=client_address(request), request_id=getattr(request.state, "request_id", None)))
    if row is None or row["status"] == 401:
        raise session_ended()
    user = request.state.user = service.row_user(row)
    scope.require_personal_access(user)  # status 403: the role sees aggregates only
    if row["status"] != 200:
        owner = None
        if row["building_id"] is not None:  # only on this error path: whom to ask about the building
            owner = await one_row(request, queries.BUILDING_OWNER, {"building_id": row["building_id"]})
        raise service.lookup_not_found(row, lon=lon, lat=lat, radius_m=radius, owner=owner)
    return _json(row["body"])


@router.get("/buildings/{building_id}/floorplan", response_class=Response,
            responses={200: {"model": schemas.FloorplanOut}})
def floorplan(
    *,
    building_id: int,
    request: Request,
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> Response:
    """The 楼盘表: units × floors × rooms with occupancy, flags, visit age and dispute colour."""
    scope.ensure_building(session, user, building_id)
    doc = service.floorplan(session=session, building_id=building_id, beats=scope.beat_ids(user))
    scope.audit(request, session, user, action="floorplan", object_type="building", object_id=building_id)
    service.commit_read_audit(session=session)
    return _json(doc)


@router.get("/buildings/{building_id}/households", response_class=Response,
            responses={200: {"model": schemas.HouseholdPageOut}})
def building_households(
    *,
    building_id: int,
    request: Request,
    offset: int = Query(0, ge=0, le=100_000, description="households to skip, in the lookup's order"),
    limit: int = Query(service.HOUSEHOLDS_PAGE_MAX, ge=1, le=service.HOUSEHOLDS_PAGE_MAX),
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> Response:
    """The next households of the lookup's building (unit, floor, room order), as the lookup shows them."""
    scope.ensure_building(session, user, building_id)
    doc = service.building_households(session=session, building_id=building_id, beats=scope.beat_ids(user),
                                      offset=offset, limit=limit)
    scope.audit(request, session, user, action="lookup.households", object_type="building", object_id=building_id)
    service.commit_read_audit(session=session)
    return _json(doc)


@router.get("/search", response_class=Response, responses={200: {"model": schemas.SearchOut}})
async def search(
    request: Request,
    q: str = Query(max_length=64, description="name, ID number or its last digits, phone, plate, address"),
    token: str | None = Depends(oauth2_scheme),
) -> Response:
    """People, households, vehicles and buildings in the user's beats matching q, best first.

    One statement (holomap_search_request, api/places/sql/search.sql) checks the user, searches in scope
    (the query's kind, decided here by service.search_params, says which branches run), builds the document
    and audits the read (api.db.one_row), as the lookup.
    """
    _, user_id, jti, iat = bearer_claims(request, token)
    q = service.normalize_query(q)
    refused: InvalidInput | None = None
    search_params = None
    try:
        if len(q) < 2:
            raise InvalidInput("type at least 2 characters to search", code="search.too_short", params={"min": 2})
        search_params = service.search_params(q)
    except InvalidInput as exc:
        refused = exc
    row = await one_row(request, queries.SEARCH_CALL, service.search_call_params(
        q=q, search=search_params, term=search_term(q, request.app.state.settings.secret), user_id=user_id,
        jti=jti, iat=iat, client_addr=client_address(request),
        request_id=getattr(request.state, "request_id", None)))
    if row is None or row["status"] == 401:
        raise session_ended()
    user = request.state.user = service.row_user(row)
    scope.require_personal_access(user)  # status 403: the role sees aggregates only
    if refused is not None:
        raise refused
    return _json(row["body"])
