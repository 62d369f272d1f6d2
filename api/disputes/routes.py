"""POST/GET/PATCH /api/disputes and POST /api/disputes/{id}/events."""
from fastapi import APIRouter, Depends, Query, Request

from api import scope
from api.auth.dependencies import current_user, require_capability
from api.auth.service import CurrentUser
from api.db import DbSession
from api.disputes import service
from api.disputes.models import GRADES, STATUSES
from api.disputes.schemas import DisputeCreate, DisputeDetail, DisputeList, DisputeUpdate, EventCreate, PartyIn
from api.errors import InvalidInput
from api.idempotency.dependencies import idempotency
from api.idempotency.service import Idempotency

router = APIRouter(prefix="/api/disputes", tags=["disputes"])


def _choices(value: str | None, allowed: tuple[str, ...], name: str) -> list[str] | None:
    """A comma-separated filter, each value checked."""
    if not value:
        return None
    values = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidInput(f"unknown {name}: {', '.join(unknown)}; use {', '.join(allowed)}",
                           code="dispute.unknown_filter_value",
                           params={"name": name, "unknown": unknown, "allowed": list(allowed)})
    return values


@router.get("", response_model=DisputeList)
def list_disputes(
    *,
    request: Request,
    status: str | None = Query(None, description="comma-separated statuses"),
    grade: str | None = Query(None, description="comma-separated grades"),
    overdue: bool | None = None,
    limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0),
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> DisputeList:
    """Disputes in the user's beats with deadlines, overdue flags and a point each."""
    scope.require_personal_access(user)
    total, disputes = service.listing(
        session=session, user=user, statuses=_choices(status, STATUSES, "status"),
        grades=_choices(grade, GRADES, "grade"), overdue=overdue, limit=limit, offset=offset,
    )
    scope.audit(request, session, user, action="dispute.list", object_type="dispute")
    session.commit()
    return DisputeList(total=total, disputes=disputes)


@router.post("", response_model=DisputeDetail, status_code=201)
def report_dispute(
    *,
    body: DisputeCreate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> DisputeDetail:
    """Report a dispute at a location inside the user's beats."""
    scope.require_personal_access(user)
    dispute = service.create(session=session, user=user, dispute=body)
    scope.audit(request, session, user, action="dispute.create", object_type="dispute", object_id=dispute.id)
    idem.complete(dispute)
    session.commit()
    return dispute


@router.get("/{dispute_id}", response_model=DisputeDetail)
def read_dispute(
    *,
    dispute_id: int, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> DisputeDetail:
    """One dispute with its parties (identifiers masked) and timeline."""
    scope.require_personal_access(user)
    dispute = service.detail(session=session, user=user, dispute_id=dispute_id)
    scope.audit(request, session, user, action="dispute.read", object_type="dispute", object_id=dispute_id)
    session.commit()
    return dispute


@router.patch("/{dispute_id}", response_model=DisputeDetail)
def change_dispute(
    *,
    dispute_id: int, body: DisputeUpdate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> DisputeDetail:
    """Move the dispute through its lifecycle (409 naming the allowed moves) or correct details."""
    scope.require_personal_access(user)
    dispute = service.change(session=session, user=user, dispute_id=dispute_id, changes=body)
    action = f"dispute.status.{body.status}" if body.status else "dispute.update"
    scope.audit(request, session, user, action=action, object_type="dispute", object_id=dispute_id)
    idem.complete(dispute)
    session.commit()
    return dispute


@router.post("/{dispute_id}/parties", response_model=DisputeDetail, status_code=201)
def add_party(
    *,
    dispute_id: int, body: PartyIn, request: Request,
    user: CurrentUser = Depends(require_capability("dispute.report")), session: DbSession,
) -> DisputeDetail:
    """Add an applicant, respondent or third party: a person or household of your beats (from search), or
    someone from outside the register by name and phone."""
    scope.require_personal_access(user)
    dispute = service.add_party(session=session, user=user, dispute_id=dispute_id, party=body)
    scope.audit(request, session, user, action="dispute.party", object_type="dispute", object_id=dispute_id)
    session.commit()
    return dispute


@router.post("/{dispute_id}/events", response_model=DisputeDetail, status_code=201)
def record_event(
    *,
    dispute_id: int, body: EventCreate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> DisputeDetail:
    """Record a mediation, agreement (调解协议书), return visit (回访), escalation or note."""
    scope.require_personal_access(user)
    dispute = service.add_event(session=session, user=user, dispute_id=dispute_id, event=body)
    scope.audit(request, session, user, action=f"dispute.event.{body.kind}", object_type="dispute",
                object_id=dispute_id)
    idem.complete(dispute)
    session.commit()
    return dispute
