"""GET /api/analytics/*: heat, hotspots, hour × weekday matrix, period comparison, beats, officers."""
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session

from api.analytics import emerging, gzipped, nearrepeat, repeats, report, schemas, service, staffing
from api.analytics.dependencies import AnalyticsScope, analytics_read_scope, analytics_scope, officer_stats_scope
from api.analytics.filters import IncidentFilter, incident_filter
from api.auth.dependencies import current_user, signed_in_read_session
from api.auth.service import CurrentUser
from api.contract import XLSX_FILE, XLSX_MEDIA_TYPE
from api.db import DbSession
from api.incidents.schemas import WarningsSummaryOut
from api.warnings import service as warnings
from geo.nearrepeat import Bands

router = APIRouter(prefix="/api/analytics", tags=["analytics"])

CellKind = Literal["hex", "square"]
CELL = Query("hex", description="hex (flat-topped, size = edge) or square (size = side)")
SIZE = Query(500.0, ge=100, le=5000, description="cell size in EPSG:3857 metres, 100–5000")
MapFormat = Literal["geojson", "compact"]
FORMAT = Query("geojson", description="geojson (a FeatureCollection) or compact: the same values as columns, "
                                      "a third of the bytes (geo/compact.py; the web app's dashboard)")


@router.get("/heat", response_class=Response,
            responses={200: {"model": schemas.HeatOut | schemas.HeatCompactOut}})
def heat(
    request: Request,
    cell: CellKind = CELL, size_m: float = SIZE, format: MapFormat = FORMAT,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_read_scope),
    session: Session = Depends(signed_in_read_session),
) -> Response:
    """Incidents aggregated into hexagon or square cells: GeoJSON cells with counts (or compact columns)."""
    return gzipped.answer_response(request, service.heat_answer(
        session=session, flt=flt, scope=scope, cell=cell, size=size_m, compact=format == "compact"))


@router.get("/hotspots", response_class=Response,
            responses={200: {"model": schemas.HotspotsOut | schemas.HotspotsCompactOut}})
def hotspots(
    request: Request,
    cell: CellKind = CELL, size_m: float = SIZE, format: MapFormat = FORMAT,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_read_scope),
    session: Session = Depends(signed_in_read_session),
) -> Response:
    """Getis-Ord Gi* z-scores with 90/95/99 % hot and cold classes per cell (or compact columns)."""
    return gzipped.answer_response(request, service.hotspots_answer(
        session=session, flt=flt, scope=scope, cell=cell, size=size_m, compact=format == "compact"))


@router.get("/matrix", response_model=schemas.MatrixOut)
def matrix(
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_read_scope),
    session: Session = Depends(signed_in_read_session),
) -> dict:
    """Incident counts per weekday (1 = Monday) × local hour."""
    return service.hour_weekday(session=session, flt=flt, scope=scope)


@router.get("/compare", response_model=schemas.CompareOut)
def compare(
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_read_scope),
    session: Session = Depends(signed_in_read_session),
) -> dict:
    """Counts per category against the previous period of the same length, and the monthly series."""
    return service.comparison(session=session, flt=flt, scope=scope)


@router.get("/beats", response_class=Response,
            responses={200: {"model": schemas.BeatsOut | schemas.BeatsCompactOut}})
def beats(
    request: Request,
    format: MapFormat = FORMAT,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_read_scope),
    session: Session = Depends(signed_in_read_session),
) -> Response:
    """Per current beat: incidents, change, rate per 1,000 residents, disputes by colour, resolution rate."""
    if format == "compact":  # the geometries' gzip is made once per version of the beats (gzipped.py)
        return gzipped.json_response(request, staffing.beats_compact_pieces(session, flt=flt, scope=scope))
    return Response(content=staffing.beats_json(staffing.beats(session, flt=flt, scope=scope)),
                    media_type="application/json")


@router.get("/officers", response_model=schemas.OfficersOut)
def officers(
    *,
    request: Request,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(officer_stats_scope),
    limit: int = Query(staffing.OFFICERS_PAGE, ge=1, le=500, description="officers per page"),
    offset: int = Query(0, ge=0, description="officers to skip (in the order of the answer)"),
    session: DbSession,
) -> dict:
    """Per officer per month: visits vs targets, disputes mediated, records collected; 90-day coverage.

    One page of officers (`total` says how many there are): the whole bureau is thousands of officers."""
    return staffing.officers(session, flt=flt, scope=scope, settings=request.app.state.settings,
                             limit=limit, offset=offset)


@router.get("/near-repeat", response_model=schemas.NearRepeatOut)
def near_repeat(
    *,
    distance_band_m: float = Query(100.0, ge=10, le=1000, description="width of a distance band, metres"),
    distance_bands: int = Query(5, ge=1, le=20, description="distance bands before 'more than'"),
    time_band_days: int = Query(7, ge=1, le=90, description="width of a time band, days"),
    time_bands: int = Query(4, ge=1, le=12, description="time bands before 'more than'"),
    permutations: int = Query(99, ge=19, le=999, description="Monte-Carlo simulations"),
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    session: DbSession,
) -> dict:
    """Knox near-repeat table of one category: pairs of incidents per distance band × time band, observed
    against the mean of simulations with the times permuted, Knox ratios and p-values (as Ratcliffe's Near
    Repeat Calculator). `status: running` with `progress` while computing: ask again."""
    bands = Bands(distance_band_m=distance_band_m, distance_bands=distance_bands,
                  time_band_days=time_band_days, time_bands=time_bands)
    return nearrepeat.near_repeat(session, flt=flt, scope=scope, bands=bands, permutations=permutations)


@router.get("/emerging", response_class=Response, responses={200: {"model": schemas.EmergingOut}})
def emerging_hot_spots(
    *,
    cell: CellKind = CELL, size_m: float = SIZE,
    step: Literal["week", "month"] = Query("week", description="time step of the cube: week (7 days counted "
                                                               "back from end) or month (whole months)"),
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    session: DbSession,
) -> Response:
    """Emerging hot spots: the heat map's cells × weeks or months, Gi* per step and a Mann-Kendall trend,
    each cell classified (new, consecutive, intensifying, persistent, diminishing, sporadic, oscillating,
    historical, their cold mirrors; cells with no pattern are left out). `status: running` with `progress`
    while the cube is computed: ask again."""
    body = emerging.emerging_hot_spots(session, flt=flt, scope=scope, cell=cell, size=size_m, step=step)
    return Response(content=body, media_type="application/json")


@router.get("/warnings", response_model=WarningsSummaryOut)
def warnings_summary(
    *,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    session: DbSession,
) -> dict:
    """Near-repeat warning zones as counts: in force now and issued in the period, per station and category,
    with the households they cover. No zone, place or person."""
    return warnings.summary(session, flt=flt, scope=scope)


@router.get("/repeat-locations", response_model=schemas.RepeatLocationsOut)
def repeat_locations(
    *,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    offset: int = Query(0, ge=0, le=1_000_000, description="repeat buildings of the list to skip"),
    limit: int = Query(repeats.PAGE, ge=1, le=repeats.MAX_PAGE, description="repeat buildings per page"),
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> dict:
    """Buildings with repeated incidents: distribution and concentration (the top 1/5/10 % of buildings hold
    what share of incidents) for everyone; for users with beats in scope one page of their beats' repeat
    buildings (`locations`, busiest first, each with its latest 3 incidents; `locations_total` of them in
    all), null for aggregate-only roles."""
    return repeats.repeat_locations(session, flt=flt, scope=scope, user=user, offset=offset, limit=limit)


@router.get("/repeat-locations/{building_id}", response_model=schemas.RepeatLocationOut)
def repeat_location(
    *,
    building_id: int = Path(ge=1, le=2_147_483_647, description="a building of the list"),
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> dict:
    """One repeat building of the user's beats with all its incidents of the filter, newest first; 404 when it
    is not one of the user's beats' repeat buildings, 403 for aggregate-only roles (leaders, planners)."""
    return repeats.repeat_location(session, flt=flt, scope=scope, user=user, building_id=building_id)


@router.get("/report.xlsx", response_class=Response, responses=XLSX_FILE)
def report_xlsx(
    *,
    request: Request,
    flt: IncidentFilter = Depends(incident_filter), scope: AnalyticsScope = Depends(analytics_scope),
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> Response:
    """The dashboard's current view as an .xlsx: comparison (环比/同比 with dates), categories, months,
    hour × weekday, beats and (with `analytics.officers`) the officer table over the period."""
    officer_scope = scope if user.can("analytics.officers") else None
    body = report.workbook(report.sheets(session, flt=flt, scope=scope, officer_scope=officer_scope,
                                         settings=request.app.state.settings))
    name = f"holomap-analytics-{flt.start.isoformat()}-{flt.end.isoformat()}.xlsx"
    return Response(content=body, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
