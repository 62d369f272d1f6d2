"""POST/PATCH/GET /api/visits and GET /api/households/{id}/visits."""
from fastapi import APIRouter, Depends, Query, Request

from api import scope
from api.auth.dependencies import current_user
from api.auth.service import CurrentUser
from api.db import DbSession
from api.idempotency.dependencies import idempotency
from api.idempotency.service import Idempotency
from api.visits import service
from api.visits.models import CHECKLIST_ITEMS
from api.visits.schemas import ChecklistItem, VisitCreate, VisitList, VisitOut, VisitUpdate

router = APIRouter(prefix="/api", tags=["visits"])


@router.get("/visits/checklist", response_model=list[ChecklistItem])
def checklist(user: CurrentUser = Depends(current_user)) -> list[ChecklistItem]:
    """The twelve items of 三必核/四必访/五必宣 with their groups and Chinese labels."""
    return [ChecklistItem(key=k, group=g, label=label) for k, (g, label) in CHECKLIST_ITEMS.items()]


@router.post("/visits", response_model=VisitOut, status_code=201)
def record_visit(
    *,
    body: VisitCreate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> VisitOut:
    """Record a household visit; the server measures the distance to the building."""
    scope.ensure_household(session, user, body.household_id)
    far_m = request.app.state.settings.visit_far_m
    visit = service.create(session=session, user=user, visit=body, far_m=far_m)
    scope.audit(request, session, user, action="visit.create", object_type="visit", object_id=visit.id)
    idem.complete(visit)
    session.commit()
    return visit


@router.get("/visits/{visit_id}", response_model=VisitOut)
def read_visit(
    *,
    visit_id: int, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> VisitOut:
    """One visit in the user's beats."""
    scope.require_personal_access(user)
    visit = service.get(session=session, user=user, visit_id=visit_id)
    scope.audit(request, session, user, action="visit.read", object_type="visit", object_id=visit_id)
    session.commit()
    return visit


@router.patch("/visits/{visit_id}", response_model=VisitOut)
def correct_visit(
    *,
    visit_id: int, body: VisitUpdate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> VisitOut:
    """The author corrects own visit within 24 h of recording it."""
    scope.require_personal_access(user)
    visit = service.correct(session=session, user=user, visit_id=visit_id, changes=body,
                            far_m=request.app.state.settings.visit_far_m)
    scope.audit(request, session, user, action="visit.update", object_type="visit", object_id=visit_id)
    idem.complete(visit)
    session.commit()
    return visit


@router.get("/households/{household_id}/visits", response_model=VisitList)
def household_visits(
    *,
    household_id: int, request: Request,
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> VisitList:
    """A household's visit history, newest first."""
    scope.ensure_household(session, user, household_id)
    total, visits = service.for_household(session=session, user=user, household_id=household_id,
                                          limit=limit, offset=offset)
    scope.audit(request, session, user, action="visit.list", object_type="household", object_id=household_id)
    session.commit()
    return VisitList(household_id=household_id, total=total, visits=visits)
