"""GET /api/analytics/*: heat, hotspots, hour × weekday matrix, period comparison, beats, officers."""
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from api.analytics import report, schemas, service, staffing
from api.analytics.dependencies import AnalyticsScope, analytics_scope, officer_stats_scope
from api.analytics.filters import IncidentFilter, incident_filter
from api.auth.dependencies import current_user
from api.auth.service import CurrentUser
from api.contract import XLSX_FILE, XLSX_MEDIA_TYPE
from api.db import get_session

router = APIRouter(prefix="/api/analytics", tags=["analytics"])

CellKind = Literal["hex", "square"]
CELL = Query("hex", description="hex (flat-topped, size = edge) or square (size = side)")
SIZE = Query(500.0, ge=100, le=5000, description="cell size in EPSG:3857 metres, 100–5000")


@router.get("/heat", response_class=Response, responses={200: {"model": schemas.HeatOut}})
def heat(
    cell: CellKind = CELL, size_m: float = SIZE,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    session: Session = Depends(get_session),
) -> Response:
    """Incidents aggregated into hexagon or square cells: GeoJSON cells with counts."""
    body = service.heat(session, flt=flt, scope=scope, cell=cell, size=size_m)
    return Response(content=body, media_type="application/json")


@router.get("/hotspots", response_class=Response, responses={200: {"model": schemas.HotspotsOut}})
def hotspots(
    cell: CellKind = CELL, size_m: float = SIZE,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    session: Session = Depends(get_session),
) -> Response:
    """Getis-Ord Gi* z-scores with 90/95/99 % hot and cold classes per cell."""
    body = service.hotspots(session, flt=flt, scope=scope, cell=cell, size=size_m)
    return Response(content=body, media_type="application/json")


@router.get("/matrix", response_model=schemas.MatrixOut)
def matrix(
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    session: Session = Depends(get_session),
) -> dict:
    """Incident counts per weekday (1 = Monday) × local hour."""
    return service.hour_weekday(session, flt=flt, scope=scope)


@router.get("/compare", response_model=schemas.CompareOut)
def compare(
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    session: Session = Depends(get_session),
) -> dict:
    """Counts per category against the previous period of the same length, and the monthly series."""
    return service.comparison(session, flt=flt, scope=scope)


@router.get("/beats", response_class=Response, responses={200: {"model": schemas.BeatsOut}})
def beats(
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    session: Session = Depends(get_session),
) -> Response:
    """Per current beat: incidents, change, rate per 1,000 residents, disputes by colour, resolution rate."""
    return Response(content=staffing.beats_json(staffing.beats(session, flt=flt, scope=scope)),
                    media_type="application/json")


@router.get("/officers", response_model=schemas.OfficersOut)
def officers(
    request: Request,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(officer_stats_scope),
    limit: int = Query(staffing.OFFICERS_PAGE, ge=1, le=500, description="officers per page"),
    offset: int = Query(0, ge=0, description="officers to skip (in the order of the answer)"),
    session: Session = Depends(get_session),
) -> dict:
    """Per officer per month: visits vs targets, disputes mediated, records collected; 90-day coverage.

    One page of officers (`total` says how many there are): the whole bureau is thousands of officers."""
    return staffing.officers(session, flt=flt, scope=scope, settings=request.app.state.settings,
                             limit=limit, offset=offset)


@router.get("/report.xlsx", response_class=Response, responses=XLSX_FILE)
def report_xlsx(
    request: Request,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    user: CurrentUser = Depends(current_user), session: Session = Depends(get_session),
) -> Response:
    """The dashboard's current view as an .xlsx: comparison (环比/同比 with dates), categories, months,
    hour × weekday, beats and (with `analytics.officers`) the officer table over the period."""
    officer_scope = scope if user.can("analytics.officers") else None
    body = report.workbook(report.sheets(session, flt=flt, scope=scope, officer_scope=officer_scope,
                                         settings=request.app.state.settings))
    name = f"holomap-analytics-{flt.start.isoformat()}-{flt.end.isoformat()}.xlsx"
    return Response(content=body, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
