"""实有单位: GET/POST /api/organisations, GET/PATCH /api/organisations/{id}, employees under
/api/organisations/{id}/employees — scoped to the user's beats and audited like persons."""
from fastapi import APIRouter, Depends, Query, Request

from api import scope
from api.auth.dependencies import require_capability
from api.auth.service import CurrentUser
from api.db import DbSession
from api.idempotency.dependencies import idempotency
from api.idempotency.service import Idempotency
from api.organisations import service
from api.organisations.schemas import (
    EmployeeCreate,
    EmployeeList,
    EmployeeOut,
    EmployeeUpdate,
    OrganisationCreate,
    OrganisationList,
    OrganisationOut,
    OrganisationUpdate,
)

router = APIRouter(prefix="/api/organisations", tags=["organisations"])
READ = "organisation.read"
REGISTER = "organisation.register"


@router.get("", response_model=OrganisationList)
def list_organisations(
    *,
    request: Request,
    q: str | None = Query(None, max_length=64, description="name fragment or 统一社会信用代码"),
    building_id: int | None = Query(None, ge=1),
    user: CurrentUser = Depends(require_capability(READ)),
    session: DbSession,
) -> OrganisationList:
    """Organisations in the user's beats, of a building and/or matching q (at most 200)."""
    if building_id is not None:
        scope.ensure_building(session, user, building_id)
    items = service.search(session=session, user=user, q=q, building_id=building_id)
    scope.audit(request, session, user, action="organisation.list", object_type="building",
                object_id=building_id)
    session.commit()
    return OrganisationList(items=items)


@router.post("", response_model=OrganisationOut, status_code=201)
def register_organisation(
    *,
    body: OrganisationCreate, request: Request,
    user: CurrentUser = Depends(require_capability(REGISTER)), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> OrganisationOut:
    """Register an organisation in a building of the user's beats (统一社会信用代码 checked, GB 32100)."""
    scope.ensure_building(session, user, body.building_id)
    organisation_id = service.register(session=session, user=user, body=body)
    scope.audit(request, session, user, action="organisation.register", object_type="organisation",
                object_id=organisation_id)
    out = service.get(session=session, user=user, organisation_id=organisation_id)
    idem.complete(out)
    session.commit()
    return out


@router.get("/{organisation_id}", response_model=OrganisationOut)
def get_organisation(
    *,
    organisation_id: int, request: Request,
    user: CurrentUser = Depends(require_capability(READ)), session: DbSession,
) -> OrganisationOut:
    out = service.get(session=session, user=user, organisation_id=organisation_id)
    scope.audit(request, session, user, action="organisation.read", object_type="organisation",
                object_id=organisation_id)
    session.commit()
    return out


@router.patch("/{organisation_id}", response_model=OrganisationOut)
def correct_organisation(
    *,
    organisation_id: int, body: OrganisationUpdate, request: Request,
    user: CurrentUser = Depends(require_capability(REGISTER)), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> OrganisationOut:
    """Correct an organisation; moving it to another building needs that building in scope too."""
    if body.building_id is not None:
        scope.ensure_building(session, user, body.building_id)
    service.correct(session=session, user=user, organisation_id=organisation_id, changes=body)
    scope.audit(request, session, user, action="organisation.correct", object_type="organisation",
                object_id=organisation_id)
    out = service.get(session=session, user=user, organisation_id=organisation_id)
    idem.complete(out)
    session.commit()
    return out


@router.get("/{organisation_id}/employees", response_model=EmployeeList)
def list_employees(
    *,
    organisation_id: int, request: Request,
    user: CurrentUser = Depends(require_capability(READ)), session: DbSession,
) -> EmployeeList:
    """Employees (current first, then those who left), identities masked."""
    service.get(session=session, user=user, organisation_id=organisation_id)
    items = service.employees(session=session, organisation_id=organisation_id)
    scope.audit(request, session, user, action="organisation.employees", object_type="organisation",
                object_id=organisation_id)
    session.commit()
    return EmployeeList(items=items)


@router.post("/{organisation_id}/employees", response_model=EmployeeOut, status_code=201)
def add_employee(
    *,
    organisation_id: int, body: EmployeeCreate, request: Request,
    user: CurrentUser = Depends(require_capability(REGISTER)), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> EmployeeOut:
    service.get(session=session, user=user, organisation_id=organisation_id)
    out = service.add_employee(session=session, user=user, organisation_id=organisation_id, body=body)
    scope.audit(request, session, user, action="organisation.employee_add", object_type="organisation",
                object_id=organisation_id)
    idem.complete(out)
    session.commit()
    return out


@router.patch("/{organisation_id}/employees/{employee_id}", response_model=EmployeeOut)
def change_employee(
    *,
    organisation_id: int, employee_id: int, body: EmployeeUpdate, request: Request,
    user: CurrentUser = Depends(require_capability(REGISTER)), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> EmployeeOut:
    """Correct an employee's phone, role or dates; `left_on` records that they left."""
    service.get(session=session, user=user, organisation_id=organisation_id)
    out = service.change_employee(session=session, user=user, organisation_id=organisation_id,
                                  employee_id=employee_id, changes=body)
    scope.audit(request, session, user, action="organisation.employee_change", object_type="organisation",
                object_id=organisation_id)
    idem.complete(out)
    session.commit()
    return out
