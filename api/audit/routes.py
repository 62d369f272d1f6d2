"""GET /api/audit: the audit log for administrators, newest first."""
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from api.audit import service
from api.audit.schemas import AuditPage
from api.auth.dependencies import require_capability
from api.auth.service import CurrentUser
from api.db import get_session
from api.scope import audit

router = APIRouter(prefix="/api", tags=["audit"])


@router.get("/audit", response_model=AuditPage)
def read_audit_log(
    request: Request,
    user_filter: str | None = Query(None, alias="user", max_length=64, description="username or user id"),
    object_type: str | None = Query(None, max_length=32),
    object_id: str | None = Query(None, max_length=200),
    action: str | None = Query(None, max_length=48),
    since: datetime | None = Query(None, description="ISO 8601 time; rows at or after it"),
    limit: int = Query(200, ge=1, le=5000),
    user: CurrentUser = Depends(require_capability("audit.read")),
    session: Session = Depends(get_session),
) -> AuditPage:
    """Audit rows filtered by user, object, action and time, newest first (the read is audited too)."""
    rows = service.listing(session, user=user_filter, object_type=object_type, object_id=object_id,
                           action=action, since=since, limit=limit)
    audit(request, session, user, action="audit.read", object_type="audit_log",
          reason=f"{len(rows)} rows; filters " + ", ".join(
              f"{k}={v}" for k, v in (("user", user_filter), ("object_type", object_type),
                                      ("object_id", object_id), ("action", action), ("since", since))
              if v is not None))
    session.commit()
    return AuditPage(rows=rows)
