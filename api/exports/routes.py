"""GET /api/export/…: layers as GeoJSON/CSV, residents as CSV, and the offline HTML map of a beat."""
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.auth.dependencies import current_user
from api.auth.service import CurrentUser
from api.clock import china_today
from api.contract import CSV_FILE, FeatureCollection, GeoJSONResponse
from api.db import DbSession, allow_long_statements
from api.errors import InvalidInput
from api.exports import service
from api.exports.offline_map import document_csp
from api.scope import audit

router = APIRouter(prefix="/api/export", tags=["export"])
# files, not JSON documents: declared by media type (tests/contracts allowlists them with this reason)
LayerExport = FeatureCollection[dict[str, Any]]


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/residents.csv", response_class=Response, responses=CSV_FILE)
def export_residents(
    *,
    request: Request,
    beat_id: int | None = Query(None, description="one of your beats (default: all of them)"),
    reveal: bool = Query(False, description="full ID numbers and phones; needs a reason"),
    reason: str | None = Query(None, max_length=500),
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> Response:
    """Residents of your beats as CSV: ID numbers and phones masked unless revealed with a reason; audited."""
    if reveal and not (reason and reason.strip()):
        raise InvalidInput("give a reason to export unmasked ID numbers (reason=…); it is audited",
                           code="export.reason_required")
    allow_long_statements(session, request.app.state.settings.export_statement_timeout_ms)
    body, rows = service.residents_csv(session=session, user=user, beat_id=beat_id, reveal=reveal)
    audit(request, session, user, action="export_residents_revealed" if reveal else "export_residents",
          object_type="beat", object_id=beat_id if beat_id is not None else "all",
          reason=reason.strip() if reveal else None, reason_code="export.rows", reason_params={"rows": rows})
    session.commit()
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers=_attachment(f"residents-{china_today().isoformat()}.csv"))


@router.get("/{layer}.geojson", response_class=GeoJSONResponse, responses={200: {"model": LayerExport}})
def export_geojson(
    *,
    layer: str, request: Request, user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> JSONResponse:
    """A non-personal layer (stations, villages, beats, buildings) as GeoJSON."""
    allow_long_statements(session, request.app.state.settings.export_statement_timeout_ms)
    collection = service.layer_geojson(session=session, user=user, layer=layer)
    audit(request, session, user, action="export_layer", object_type=layer, object_id="geojson")
    session.commit()
    return JSONResponse(collection, media_type="application/geo+json",
                        headers=_attachment(f"{layer}-{china_today().isoformat()}.geojson"))


@router.get("/{layer}.csv", response_class=Response, responses=CSV_FILE)
def export_csv(
    *,
    layer: str, request: Request, user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> Response:
    """A non-personal layer as CSV (attributes, a point inside it, WKT), or residents (personal roles)."""
    allow_long_statements(session, request.app.state.settings.export_statement_timeout_ms)
    body = service.layer_csv(session=session, user=user, layer=layer)
    audit(request, session, user, action="export_layer", object_type=layer, object_id="csv")
    session.commit()
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers=_attachment(f"{layer}-{china_today().isoformat()}.csv"))


@router.get("/beat/{beat_id}/map.html", response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                             "description": "a standalone HTML document"}})
def export_beat_map(
    *,
    beat_id: int, request: Request, download: bool = Query(True),
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> HTMLResponse:
    """A standalone offline HTML map of the beat (outline, villages, buildings, open disputes)."""
    allow_long_statements(session, request.app.state.settings.export_statement_timeout_ms)
    document, beat = service.beat_map(session=session, user=user, beat_id=beat_id)
    audit(request, session, user, action="export_beat_map", object_type="beat", object_id=beat_id)
    session.commit()
    # a document of its own: its inline scripts (Leaflet, folium's) may run by hash, nothing else
    headers = {"Content-Security-Policy": document_csp(document)}
    if download:
        headers.update(_attachment(f"beat-{beat['code']}-{china_today().isoformat()}.html"))
    return HTMLResponse(document, headers=headers)
