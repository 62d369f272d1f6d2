"""POST /api/persons/{id}/reveal: the full ID number, for a stated reason, audited; 信息采集: register and
correct residents (POST /api/households/{id}/persons, PATCH /api/persons/{id}) and vehicles."""
from fastapi import APIRouter, Depends, Request

from api import scope
from api.auth.dependencies import current_user
from api.auth.service import CurrentUser
from api.db import DbSession
from api.errors import Forbidden
from api.idempotency.dependencies import idempotency
from api.idempotency.service import Idempotency
from api.people import service
from api.people.schemas import (
    BuildingFactsOut,
    BuildingUpdate,
    HouseholdFactsOut,
    HouseholdUpdate,
    PersonCreate,
    PersonMoveOut,
    PersonOut,
    PersonUpdate,
    RevealIn,
    RevealOut,
    VehicleCreate,
    VehicleOut,
    VehicleUpdate,
)

router = APIRouter(prefix="/api", tags=["people"])


@router.post("/persons/{person_id}/reveal", response_model=RevealOut)
def reveal(
    *,
    person_id: int,
    body: RevealIn,
    request: Request,
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> RevealOut:
    """The unmasked ID number of a person in the user's beats; the reason goes to the audit log."""
    scope.require_personal_access(user)
    if scope.masks_id_numbers(user):
        scope.audit(request, session, user, action="reveal_id_number", object_type="person",
                    object_id=person_id, outcome="denied", reason=body.reason)
        session.commit()
        raise Forbidden("grid members always see masked ID numbers; ask the beat's officer",
                        code="person.reveal_masked_role")
    scope.ensure_person(session, user, person_id)
    person = service.reveal_id_number(session=session, person_id=person_id)
    scope.audit(request, session, user, action="reveal_id_number", object_type="person",
                object_id=person_id, reason=body.reason)
    session.commit()
    return person


# ---- 信息采集 ------------------------------------------------------------------------------------------

@router.post("/households/{household_id}/persons", response_model=PersonOut, status_code=201)
def register_person(
    *,
    household_id: int, body: PersonCreate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> PersonOut:
    """Register a resident of a household in the user's beats (birth date and gender from the ID number)."""
    scope.ensure_household(session, user, household_id)
    scope.require_collector(user, residency=body.residency)
    person = service.register_person(session=session, user=user, household_id=household_id, person=body)
    scope.audit(request, session, user, action="person.register", object_type="person", object_id=person.id)
    idem.complete(person)
    session.commit()
    return person


@router.patch("/persons/{person_id}", response_model=PersonOut)
def correct_person(
    *,
    person_id: int, body: PersonUpdate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> PersonOut:
    """Correct phone, residency, relation, tags or move dates of a resident; never the ID number."""
    scope.ensure_person(session, user, person_id)
    scope.require_collector(user)
    person = service.correct_person(session=session, user=user, person_id=person_id, changes=body)
    scope.audit(request, session, user, action="person.correct", object_type="person", object_id=person_id)
    idem.complete(person)
    session.commit()
    return person


@router.post("/households/{household_id}/vehicles", response_model=VehicleOut, status_code=201)
def register_vehicle(
    *,
    household_id: int, body: VehicleCreate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> VehicleOut:
    """Register a vehicle of a household in the user's beats."""
    scope.ensure_household(session, user, household_id)
    scope.require_collector(user)
    vehicle = service.register_vehicle(session=session, user=user, household_id=household_id, vehicle=body)
    scope.audit(request, session, user, action="vehicle.register", object_type="vehicle", object_id=vehicle.id)
    idem.complete(vehicle)
    session.commit()
    return vehicle


@router.patch("/vehicles/{vehicle_id}", response_model=VehicleOut)
def correct_vehicle(
    *,
    vehicle_id: int, body: VehicleUpdate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> VehicleOut:
    """Correct plate, kind, brand, colour or owner of a vehicle in the user's beats."""
    scope.ensure_vehicle(session, user, vehicle_id)
    scope.require_collector(user)
    vehicle = service.correct_vehicle(session=session, user=user, vehicle_id=vehicle_id, changes=body)
    scope.audit(request, session, user, action="vehicle.correct", object_type="vehicle", object_id=vehicle_id)
    idem.complete(vehicle)
    session.commit()
    return vehicle


@router.get("/persons/{person_id}/moves", response_model=list[PersonMoveOut])
def person_moves(
    *,
    person_id: int, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> list[PersonMoveOut]:
    """The 迁入/迁出 history of a resident in the user's beats (audited: it is where a person lived)."""
    scope.ensure_person(session, user, person_id)
    out = service.moves(session=session, person_id=person_id)
    scope.audit(request, session, user, action="person.moves", object_type="person", object_id=person_id)
    session.commit()
    return out


# ---- 出租屋管理 and 房屋: a household's landlord and lease, a building's owner and use --------------------

@router.patch("/households/{household_id}", response_model=HouseholdFactsOut)
def correct_household(
    *,
    household_id: int, body: HouseholdUpdate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> HouseholdFactsOut:
    """Correct a household's kind (a rental: 出租屋) and its landlord and lease dates."""
    scope.ensure_household(session, user, household_id)
    scope.require_collector(user)
    out = service.correct_household(session=session, user=user, household_id=household_id, changes=body)
    scope.audit(request, session, user, action="household.correct", object_type="household",
                object_id=household_id)
    idem.complete(out)
    session.commit()
    return out


@router.patch("/buildings/{building_id}", response_model=BuildingFactsOut)
def correct_building(
    *,
    building_id: int, body: BuildingUpdate, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> BuildingFactsOut:
    """Correct a building's owner or landlord (a registered person, or a name and phone) and its use."""
    scope.ensure_building(session, user, building_id)
    scope.require_collector(user)
    out = service.correct_building(session=session, building_id=building_id, changes=body)
    scope.audit(request, session, user, action="building.correct", object_type="building", object_id=building_id)
    idem.complete(out)
    session.commit()
    return out
