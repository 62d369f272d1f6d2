"""GET /api/reports/weekly(.xlsx): the weekly 研判 report of a station or the bureau (leaders, station chiefs)."""
import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from api.auth.dependencies import require_capability
from api.auth.service import CurrentUser
from api.contract import XLSX_FILE, XLSX_MEDIA_TYPE
from api.db import DbSession
from api.reports import service, xlsx
from api.reports.schemas import WeeklyReportOut

router = APIRouter(prefix="/api/reports", tags=["reports"])

StationId = Annotated[int | None, Query(ge=1, le=2_147_483_647,
                                        description="station id (leaders: default the bureau; chiefs: their own)")]
Week = Annotated[date | None, Query(description="any day of the week (China time, Monday–Sunday); "
                                                "default: the last finished week")]
Reader = Annotated[CurrentUser, Depends(require_capability("report.weekly"))]


def _report(request: Request, session: Session, user: CurrentUser, station_id: int | None, week: date | None) -> str:
    """The report's JSON text (issued, or built now); commits when this request issued it."""
    scope = service.scope_of(session, user=user, station_id=station_id)
    start = service.week_of(week, today=service.local_today())
    body, issued = service.issue(session, start=start, scope=scope, settings=request.app.state.settings,
                                 user_id=user.id)
    if issued:
        session.commit()
    return body


@router.get("/weekly", response_class=Response, responses={200: {"model": WeeklyReportOut}})
def weekly(*, request: Request, station_id: StationId = None, week: Week = None, user: Reader,
           session: DbSession) -> Response:
    """The week's report: incidents per category against the same week last year (同比) and the 4 weeks before
    (环比), the 28-day trend, new and persisting hot spots, near-repeat warnings issued, disputes by colour and
    overdue, visits against the monthly targets. A finished week answers as issued (stored, unchanged)."""
    return Response(content=_report(request, session, user, station_id, week).encode(),
                    media_type="application/json")


@router.get("/weekly.xlsx", response_class=Response, responses=XLSX_FILE)
def weekly_xlsx(*, request: Request, station_id: StationId = None, week: Week = None, user: Reader,
                session: DbSession) -> Response:
    """The same report as XLSX tables (概况, 警情同比环比, 28天趋势, 热点, 近重复预警, 矛盾纠纷, 走访)."""
    body = json.loads(_report(request, session, user, station_id, week))
    scope = body["station"]["code"] if body["station"] else "bureau"
    name = f"holomap-weekly-{scope}-{body['week']['iso']}.xlsx"
    return Response(content=xlsx.report_xlsx(body), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})



