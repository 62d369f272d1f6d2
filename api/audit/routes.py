"""GET /api/audit: the audit log for administrators, newest first, paged; GET /api/audit.csv exports it."""
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.audit import service
from api.audit.schemas import AuditPage
from api.audit.service import AuditFilter
from api.auth.dependencies import require_capability
from api.auth.service import CurrentUser
from api.clock import china_now
from api.contract import CSV_FILE
from api.db import DbSession
from api.scope import audit

router = APIRouter(prefix="/api", tags=["audit"])

# an export is one statement's worth of rows; narrow the filters for more
CSV_MAX_ROWS = 50_000


def audit_filter(
    user_filter: str | None = Query(None, alias="user", max_length=64, description="username or user id"),
    object_type: str | None = Query(None, max_length=32),
    object_id: str | None = Query(None, max_length=200),
    action: str | None = Query(None, max_length=48, description="action code, e.g. lookup"),
    outcome: str | None = Query(None, max_length=16, description="ok, denied, failed, …"),
    since: datetime | None = Query(None, description="ISO 8601 time; rows at or after it"),
    until: datetime | None = Query(None, description="ISO 8601 time; rows before it"),
) -> AuditFilter:
    """The filters shared by the page and the export (empty strings mean no filter)."""
    return AuditFilter(user=user_filter or None, object_type=object_type or None, object_id=object_id or None,
                       action=action or None, outcome=outcome or None, since=since, until=until)


@router.get("/audit", response_model=AuditPage)
def read_audit_log(
    *,
    request: Request,
    filters: AuditFilter = Depends(audit_filter),
    limit: int = Query(200, ge=1, le=5000),
    offset: int = Query(0, ge=0, le=10_000_000),
    user: CurrentUser = Depends(require_capability("audit.read")),
    session: DbSession,
) -> AuditPage:
    """Audit rows filtered by user, object, action, outcome and time, newest first, one page (audited too)."""
    rows = service.listing(session=session, filters=filters, limit=limit, offset=offset)
    total = service.count(session=session, filters=filters)
    audit(request, session, user, action="audit.read", object_type="audit_log",
          reason_code="audit.page", reason_params={"rows": len(rows), "offset": offset, "filters": filters.describe()})
    session.commit()
    following = offset + len(rows)
    return AuditPage(rows=rows, total=total, offset=offset, next_offset=following if following < total else None)


@router.get("/audit.csv", response_class=Response, responses=CSV_FILE)
def export_audit_log(
    *,
    request: Request,
    filters: AuditFilter = Depends(audit_filter),
    user: CurrentUser = Depends(require_capability("audit.read")),
    session: DbSession,
) -> Response:
    """The matching audit rows as CSV (at most 50,000, newest first); the export is audited."""
    body, rows = service.listing_csv(session=session, filters=filters, limit=CSV_MAX_ROWS)
    audit(request, session, user, action="audit.export", object_type="audit_log",
          reason_code="audit.export", reason_params={"rows": rows, "filters": filters.describe()})
    session.commit()
    name = f"audit-{china_now().strftime('%Y%m%d-%H%M')}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
