"""Reading a person's full ID number, and 信息采集: registering and correcting residents and vehicles.

The caller has checked scope and role (api/scope.py); row-level security checks the beat again on
every write (migration 0009), and a trigger keeps the ID number of an existing person unchanged.
"""
from datetime import date

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.clock import china_today
from api.errors import Conflict, DeniedProbe, InvalidInput, NotFound
from api.imports.values import parse_phone, parse_plate
from api.people import queries
from api.people.schemas import (
    BuildingFactsOut,
    BuildingUpdate,
    HouseholdFactsOut,
    HouseholdUpdate,
    PersonCreate,
    PersonMoveOut,
    PersonOut,
    PersonUpdate,
    RevealOut,
    VehicleCreate,
    VehicleOut,
    VehicleUpdate,
)
from geo import idnumber
from geo.masking import mask_phone, mask_plate

DUPLICATE_PERSON = ("this person is already registered in your beats (the ID number exists); correct their "
                    "record instead of registering them again")
DUPLICATE_PLATE = "this plate is already registered to a vehicle in your beats; correct that record instead"
# the record exists outside the user's beats: said (the user can act on it) and audited as a denied probe
ELSEWHERE_PERSON = ("this ID number is already registered in another beat; ask the station to find the "
                    "record, it cannot be registered again")
ELSEWHERE_PLATE = ("this plate is already registered in another beat; ask the station to find the record, "
                   "it cannot be registered again")


def _in_scope_duplicate(*, session: Session, sql: str, params: dict, message: str, code: str) -> None:
    """409 when the value is already registered in the user's beats (visible under row-level security).

    Checked before the write: a unique violation of the write itself then means "in another beat"."""
    if session.execute(text(sql), params).scalar():
        raise Conflict(message, code=code)


def _elsewhere(kind: str) -> DeniedProbe:
    if kind == "person":
        return DeniedProbe(ELSEWHERE_PERSON, code="person.registered_elsewhere")
    return DeniedProbe(ELSEWHERE_PLATE, code="vehicle.registered_elsewhere")


def reveal_id_number(*, session: Session, person_id: int) -> RevealOut:
    """The person's unmasked ID number."""
    row = session.execute(text(queries.PERSON_ID_NUMBER), {"id": person_id}).first()
    if row is None:
        raise NotFound(f"person {person_id} not found",
                       code="person.not_found", params={"person_id": person_id})
    return RevealOut(id=row.id, name=row.name, id_number=row.id_number, household_id=row.household_id)


def person_out(row) -> PersonOut:
    """A person row with identifiers masked."""
    return PersonOut(
        id=row.id, household_id=row.household_id, name=row.name, id_number_masked=idnumber.mask(row.id_number),
        gender=row.gender, birth_date=row.birth_date, age=idnumber.age_on(row.birth_date, china_today()),
        phone_masked=mask_phone(row.phone) if row.phone else None, residency=row.residency,
        relation_to_head=row.relation_to_head, tags=list(row.tags or []), nationality=row.nationality,
        moved_in=row.moved_in, moved_out=row.moved_out, registered_address=row.registered_address,
        permit_no_masked=mask_document(row.permit_no), permit_expires=row.permit_expires,
        document_kind=row.document_kind, document_no_masked=mask_document(row.document_no),
        visa_expires=row.visa_expires,
    )


def mask_document(value: str | None) -> str | None:
    """A permit or passport number with all but its first two and last three characters hidden."""
    if value is None:
        return None
    return value[:2] + "*" * max(len(value) - 5, 1) + value[-3:] if len(value) > 5 else "*" * len(value)


def vehicle_out(row) -> VehicleOut:
    return VehicleOut(id=row.id, household_id=row.household_id, plate_masked=mask_plate(row.plate),
                      kind=row.kind, brand=row.brand, color=row.color, owner_person_id=row.owner_person_id)


def _phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return parse_phone(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"phone: {exc}",
                           code="person.phone_invalid", params={"reason": _lead(exc)}) from None


def _plate(value: str) -> str:
    try:
        return parse_plate(value)
    except ValueError as exc:
        raise InvalidInput(f"plate: {exc}",
                           code="vehicle.plate_invalid", params={"reason": _lead(exc)}) from None


def _lead(exc: Exception) -> str:
    """The Chinese lead of a bilingual message ("校验位错误 bad checksum: …" → "校验位错误")."""
    return str(exc).split(" ", 1)[0]


def _constraint(exc: IntegrityError) -> str | None:
    return getattr(getattr(exc.orig, "diag", None), "constraint_name", None)


def _write(*, session: Session, sql: str, params: dict, duplicate: tuple[str, Exception | None],
           refused: NotFound):
    """Run an INSERT/UPDATE … RETURNING; a unique violation on `duplicate[0]` raises `duplicate[1]`, a row
    refused by row-level security → the 404 `refused` (the policies agree with api/scope.py). No
    savepoint: a failure ends the request's transaction, which the error answer rolls back anyway."""
    try:
        return session.execute(text(sql), params).first()
    except ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42501":
            raise refused from None
        raise
    except IntegrityError as exc:
        if duplicate[1] is not None and _constraint(exc) == duplicate[0]:
            raise duplicate[1] from None
        if _constraint(exc) == "person_id_number_fixed":
            raise InvalidInput("the ID number of a registered person cannot be changed",
                               code="person.id_number_fixed") from None
        raise


def _check_moves(moved_in: date | None, moved_out: date | None, birth: date) -> None:
    today = china_today()
    for name, value in (("moved_in", moved_in), ("moved_out", moved_out)):
        if value is not None and value > today:
            raise InvalidInput(f"{name}: the date is in the future",
                               code="person.date_in_future", params={"field": name})
        if value is not None and value < birth:
            raise InvalidInput(f"{name}: the date is before the person's birth ({birth.isoformat()})",
                               code="person.date_before_birth",
                               params={"field": name, "birth_date": birth.isoformat()})
    if moved_in and moved_out and moved_out < moved_in:
        raise InvalidInput("moved_out: earlier than moved_in", code="person.moved_out_before_in")


TRAVEL_DOCUMENTS = ("passport", "hk_macau_permit", "taiwan_permit")
DOCUMENT_FIELDS = ("registered_address", "permit_no", "permit_expires", "document_kind", "document_no",
                   "visa_expires")


def _documents(body, given: set[str], residency: str) -> dict:
    """The document fields of a registration or correction, checked: a passport or permit needs its
    number; a 居住证 is for residents from elsewhere only."""
    values = {name: getattr(body, name) for name in DOCUMENT_FIELDS}
    if "document_kind" in given and values["document_kind"] is None:
        raise InvalidInput("document_kind: a value is required", code="person.field_required",
                           params={"field": "document_kind"})
    if values["document_kind"] in TRAVEL_DOCUMENTS and not values["document_no"] and "document_no" in given:
        raise InvalidInput("document_no: a passport or permit needs its number", code="person.field_required",
                           params={"field": "document_no"})
    if values["permit_no"] and residency == "registered":
        raise InvalidInput("permit_no: a 居住证/暂住 permit is for residents registered elsewhere",
                           code="person.permit_for_registered")
    return values


def register_person(*, session: Session, user: CurrentUser, household_id: int, person: PersonCreate) -> PersonOut:
    """Register a resident; birth date and gender are read from the ID number."""
    try:
        info = idnumber.parse(person.id_number)
    except idnumber.IdNumberError as exc:
        raise InvalidInput(f"id_number: {exc}",
                           code="person.id_number_invalid", params={"reason": _lead(exc)}) from None
    _check_moves(person.moved_in, None, info.birth_date)
    nationality = person.nationality or ("CHN" if person.residency != "foreign" else None)
    _in_scope_duplicate(session=session, sql=queries.PERSON_IN_SCOPE, params={"id_number": info.id_number},
                        message=DUPLICATE_PERSON, code="person.duplicate")
    row = _write(session=session, sql=queries.INSERT_PERSON, params={
        "household_id": household_id, "name": person.name, "id_number": info.id_number,
        "gender": info.gender, "birth_date": info.birth_date, "phone": _phone(person.phone),
        "residency": person.residency, "relation_to_head": person.relation_to_head, "tags": person.tags,
        "nationality": nationality, "moved_in": person.moved_in, "user_id": user.id,
        **_documents(person, person.model_fields_set | {"document_no"}, person.residency),
    }, duplicate=("uq_person_id_number", _elsewhere("person")), refused=NotFound(
        f"household {household_id} not found in your beats",
        code="household.not_in_scope", params={"household_id": household_id}))
    return person_out(row)


def correct_person(*, session: Session, user: CurrentUser, person_id: int, changes: PersonUpdate) -> PersonOut:
    """Correct phone, residency, relation, tags or move dates of a resident (never the ID number)."""
    current = session.execute(text(queries.PERSON), {"id": person_id}).first()
    if current is None:
        raise NotFound(f"person {person_id} not found in your beats",
                       code="person.not_in_scope", params={"person_id": person_id})
    given = changes.model_fields_set
    if "residency" in given and changes.residency is None:
        raise InvalidInput("residency: a value is required", code="person.residency_required")
    moved_in = changes.moved_in if "moved_in" in given else current.moved_in
    moved_out = changes.moved_out if "moved_out" in given else current.moved_out
    _check_moves(moved_in, moved_out, current.birth_date)
    row = _write(session=session, sql=queries.UPDATE_PERSON, params={
        "id": person_id, "user_id": user.id,
        "set_phone": "phone" in given, "phone": _phone(changes.phone),
        "residency": changes.residency,
        "set_relation": "relation_to_head" in given, "relation_to_head": changes.relation_to_head,
        "tags": changes.tags,
        "set_moved_in": "moved_in" in given, "moved_in": changes.moved_in,
        "set_moved_out": "moved_out" in given, "moved_out": changes.moved_out,
        "set_nationality": "nationality" in given, "nationality": changes.nationality,
        **{f"set_{name}": name in given for name in DOCUMENT_FIELDS if name != "document_kind"},
        **_documents(changes, given, changes.residency or current.residency),
    }, duplicate=("", None), refused=NotFound(
        f"person {person_id} not found in your beats",
        code="person.not_in_scope", params={"person_id": person_id}))
    if row is None:  # row-level security: not a writer of this beat
        raise NotFound(f"person {person_id} not found in your beats",
                       code="person.not_in_scope", params={"person_id": person_id})
    return person_out(row)


def _check_owner(*, session: Session, owner_person_id: int | None, household_id: int | None) -> None:
    if owner_person_id is None:
        return
    home = session.execute(text(queries.HOUSEHOLD_OF_PERSON), {"id": owner_person_id}).scalar()
    if home is None or (household_id is not None and home != household_id):
        raise InvalidInput(f"owner_person_id: person {owner_person_id} does not live in this household",
                           code="vehicle.owner_not_in_household",
                           params={"person_id": owner_person_id})


def register_vehicle(*, session: Session, user: CurrentUser, household_id: int,
                     vehicle: VehicleCreate) -> VehicleOut:
    """Register a vehicle of a household."""
    plate = _plate(vehicle.plate)
    _check_owner(session=session, owner_person_id=vehicle.owner_person_id, household_id=household_id)
    _in_scope_duplicate(session=session, sql=queries.PLATE_IN_SCOPE, params={"plate": plate}, message=DUPLICATE_PLATE,
                        code="vehicle.duplicate")
    row = _write(session=session, sql=queries.INSERT_VEHICLE, params={
        "plate": plate, "kind": vehicle.kind, "brand": vehicle.brand, "color": vehicle.color,
        "owner_person_id": vehicle.owner_person_id, "household_id": household_id, "user_id": user.id,
    }, duplicate=("uq_vehicle_plate", _elsewhere("vehicle")), refused=NotFound(
        f"household {household_id} not found in your beats",
        code="household.not_in_scope", params={"household_id": household_id}))
    return vehicle_out(row)


def correct_vehicle(*, session: Session, user: CurrentUser, vehicle_id: int, changes: VehicleUpdate) -> VehicleOut:
    """Correct plate, kind, brand, colour or owner of a vehicle."""
    current = session.execute(text(queries.VEHICLE), {"id": vehicle_id}).first()
    if current is None:
        raise NotFound(f"vehicle {vehicle_id} not found in your beats",
                       code="vehicle.not_in_scope", params={"vehicle_id": vehicle_id})
    given = changes.model_fields_set
    for name in ("plate", "kind"):
        if name in given and getattr(changes, name) is None:
            raise InvalidInput(f"{name}: a value is required",
                               code="vehicle.field_required", params={"field": name})
    if "owner_person_id" in given:
        _check_owner(session=session, owner_person_id=changes.owner_person_id, household_id=current.household_id)
    plate = _plate(changes.plate) if changes.plate else None
    if plate is not None and plate != current.plate:
        _in_scope_duplicate(session=session, sql=queries.PLATE_IN_SCOPE, params={"plate": plate},
                            message=DUPLICATE_PLATE, code="vehicle.duplicate")
    row = _write(session=session, sql=queries.UPDATE_VEHICLE, params={
        "id": vehicle_id, "user_id": user.id,
        "plate": plate, "kind": changes.kind,
        "set_brand": "brand" in given, "brand": changes.brand,
        "set_color": "color" in given, "color": changes.color,
        "set_owner": "owner_person_id" in given, "owner_person_id": changes.owner_person_id,
    }, duplicate=("uq_vehicle_plate", _elsewhere("vehicle")), refused=NotFound(
        f"vehicle {vehicle_id} not found in your beats",
        code="vehicle.not_in_scope", params={"vehicle_id": vehicle_id}))
    if row is None:
        raise NotFound(f"vehicle {vehicle_id} not found in your beats",
                       code="vehicle.not_in_scope", params={"vehicle_id": vehicle_id})
    return vehicle_out(row)


# ---- 出租屋管理 and 房屋 (migration 0006) -----------------------------------------------------------------

def _linked_person(*, session: Session, person_id: int | None, field: str) -> None:
    """A landlord or owner given as a person must be a person the user can see (row-level security)."""
    if person_id is not None and not session.execute(text(queries.PERSON_VISIBLE), {"id": person_id}).scalar():
        raise InvalidInput(f"{field}: person {person_id} not found in your beats", code="person.link_not_in_scope",
                           params={"field": field, "person_id": person_id})


def household_out(row) -> HouseholdFactsOut:
    return HouseholdFactsOut(
        id=row.id, building_id=row.building_id, unit=row.unit, floor=row.floor, room=row.room, kind=row.kind,
        landlord_person_id=row.landlord_person_id, landlord_name=row.landlord_name,
        landlord_phone_masked=mask_phone(row.landlord_phone) if row.landlord_phone else None,
        lease_start=row.lease_start, lease_end=row.lease_end)


def correct_household(*, session: Session, user: CurrentUser, household_id: int,
                      changes: HouseholdUpdate) -> HouseholdFactsOut:
    """Correct a household's kind (出租 / 自住 / 集体户 / 空置) and its landlord and lease."""
    current = session.execute(text(queries.HOUSEHOLD), {"id": household_id}).first()
    refused = NotFound(f"household {household_id} not found in your beats", code="household.not_in_scope",
                       params={"household_id": household_id})
    if current is None:
        raise refused
    given = changes.model_fields_set
    if "kind" in given and changes.kind is None:
        raise InvalidInput("kind: a value is required", code="household.field_required", params={"field": "kind"})
    _linked_person(session=session, person_id=changes.landlord_person_id, field="landlord_person_id")
    start = changes.lease_start if "lease_start" in given else current.lease_start
    end = changes.lease_end if "lease_end" in given else current.lease_end
    if start and end and end < start:
        raise InvalidInput("lease_end: earlier than lease_start", code="household.lease_end_before_start")
    params = {"id": household_id, "user_id": user.id, "kind": changes.kind,
              "landlord_phone": _phone(changes.landlord_phone)}
    for name in ("landlord_person_id", "landlord_name", "landlord_phone", "lease_start", "lease_end"):
        params[f"set_{name}"] = name in given
        params.setdefault(name, getattr(changes, name))
    row = _write(session=session, sql=queries.UPDATE_HOUSEHOLD, params=params, duplicate=("", None), refused=refused)
    if row is None:  # row-level security: not a writer of this beat
        raise refused
    return household_out(row)


def building_out(row) -> BuildingFactsOut:
    return BuildingFactsOut(id=row.id, address=row.address, kind=row.kind, use=row.use,
                            owner_person_id=row.owner_person_id, owner_name=row.owner_name,
                            owner_phone_masked=mask_phone(row.owner_phone) if row.owner_phone else None)


def correct_building(*, session: Session, building_id: int, changes: BuildingUpdate) -> BuildingFactsOut:
    """Correct a building's owner and use (the caller has checked scope: api/scope.ensure_building)."""
    given = changes.model_fields_set
    _linked_person(session=session, person_id=changes.owner_person_id, field="owner_person_id")
    params = {"id": building_id, "owner_phone": _phone(changes.owner_phone)}
    for name in ("use", "owner_person_id", "owner_name", "owner_phone"):
        params[f"set_{name}"] = name in given
        params.setdefault(name, getattr(changes, name))
    row = session.execute(text(queries.UPDATE_BUILDING), params).first()
    if row is None:
        raise NotFound(f"building {building_id} not found in your beats", code="building.not_in_scope",
                       params={"building_id": building_id})
    return building_out(row)


def moves(*, session: Session, person_id: int) -> list[PersonMoveOut]:
    """The resident's 迁入/迁出, newest first."""
    return [PersonMoveOut(**r) for r in session.execute(text(queries.MOVES), {"id": person_id}).mappings()]
