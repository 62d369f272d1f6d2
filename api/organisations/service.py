"""实有单位: register, correct and read organisations and their employees (keyword-only, no commit).

The caller has checked the capability and the building's scope (api/scope.py); row-level security checks
the beat again on every statement (api/auth/sql/policies.sql). Identities are masked in every answer: ID numbers as
geo.idnumber.mask, phones as geo.masking.mask_phone — grid members included.
"""
from datetime import date

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.clock import china_today
from api.errors import Conflict, DeniedProbe, InvalidInput, NotFound
from api.imports.values import parse_phone
from api.organisations import queries
from api.organisations.schemas import (
    EmployeeCreate,
    EmployeeOut,
    EmployeeUpdate,
    OrganisationCreate,
    OrganisationOut,
    OrganisationUpdate,
)
from geo import creditcode, idnumber
from geo.masking import mask_phone

LIST_LIMIT = 200
DUPLICATE_CODE = ("an organisation with this credit code is already registered in your beats; correct that "
                  "record instead of registering it again")
ELSEWHERE_CODE = ("this credit code is already registered in another beat; ask the station to find the record, "
                  "it cannot be registered again")


def not_in_scope(organisation_id: int) -> NotFound:
    return NotFound(f"organisation {organisation_id} not found in your beats", code="organisation.not_in_scope",
                    params={"organisation_id": organisation_id})


def _lead(exc: Exception) -> str:
    return str(exc).split(" ", 1)[0]


def credit_code(value: str | None) -> str | None:
    """The normalised 统一社会信用代码, or 400 organisation.credit_code_invalid with the reason."""
    if value is None or not value.strip():
        return None
    try:
        return creditcode.parse(value).code
    except creditcode.CreditCodeError as exc:
        raise InvalidInput(f"credit_code: {exc}", code="organisation.credit_code_invalid",
                           params={"reason": _lead(exc)}) from None


def phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return parse_phone(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"phone: {exc}", code="organisation.phone_invalid", params={"reason": _lead(exc)}) from None


def _not_future(name: str, value: date | None) -> None:
    if value is not None and value > china_today():
        raise InvalidInput(f"{name}: the date is in the future", code="organisation.date_in_future",
                           params={"field": name})


def _place(*, session: Session, building_id: int, unit: int | None, floor: int | None) -> None:
    """Unit and floor inside the building (a basement floor down to -5)."""
    size = session.execute(text(queries.BUILDING_SIZE), {"id": building_id}).first()
    if size is None:
        raise NotFound(f"building {building_id} not found", code="building.not_found",
                       params={"building_id": building_id})
    if unit is not None and not 1 <= unit <= size.units:
        raise InvalidInput(f"unit: the building has units 1–{size.units}", code="organisation.place_outside_building",
                           params={"field": "unit", "max": size.units})
    if floor is not None and (floor == 0 or not -5 <= floor <= size.floors):
        raise InvalidInput(f"floor: the building has floors 1–{size.floors} (basements -1…-5)",
                           code="organisation.place_outside_building", params={"field": "floor", "max": size.floors})


def organisation_out(row) -> OrganisationOut:
    return OrganisationOut(
        id=row.id, building_id=row.building_id, address=row.address, beat_id=row.beat_id, name=row.name,
        kind=row.kind, small_venue=row.small_venue, key_unit=row.key_unit, credit_code=row.credit_code,
        legal_rep=row.legal_rep, person_in_charge=row.person_in_charge,
        phone_masked=mask_phone(row.phone) if row.phone else None, unit=row.unit, floor=row.floor, room=row.room,
        opened_on=row.opened_on, status=row.status, fire_check_on=row.fire_check_on, notes=row.notes,
        employees=row.employees, lon=round(row.lon, 7), lat=round(row.lat, 7), updated_at=row.updated_at)


def employee_out(row) -> EmployeeOut:
    return EmployeeOut(
        id=row.id, organisation_id=row.organisation_id, person_id=row.person_id, name=row.name,
        id_number_masked=idnumber.mask(row.id_number) if row.id_number else None,
        phone_masked=mask_phone(row.phone) if row.phone else None, role=row.role, since=row.since,
        left_on=row.left_on)


def get(*, session: Session, user: CurrentUser, organisation_id: int) -> OrganisationOut:
    row = session.execute(text(queries.ORGANISATION), {"id": organisation_id, "beats": list(user.beat_ids)}).first()
    if row is None:
        raise not_in_scope(organisation_id)
    return organisation_out(row)


def search(*, session: Session, user: CurrentUser, q: str | None, building_id: int | None) -> list[OrganisationOut]:
    """Organisations in the user's beats: of a building, and/or by name fragment or exact credit code."""
    q = q.strip() if q else None
    esc = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") if q else None
    rows = session.execute(text(queries.ORGANISATIONS), {
        "beats": list(user.beat_ids), "building_id": building_id, "q": q,
        "contains": f"%{esc}%" if esc else None, "upper": creditcode.normalize(q) if q else None,
        "limit": LIST_LIMIT}).all()
    return [organisation_out(r) for r in rows]


def _refused(exc: ProgrammingError, error: Exception) -> Exception:
    if getattr(exc.orig, "sqlstate", None) == "42501":
        return error
    return exc


def _constraint(exc: IntegrityError) -> str | None:
    return getattr(getattr(exc.orig, "diag", None), "constraint_name", None)


def _unique_code(*, session: Session, code: str | None, organisation_id: int | None) -> None:
    if code and session.execute(text(queries.CREDIT_CODE_IN_SCOPE), {"code": code, "id": organisation_id}).first():
        raise Conflict(DUPLICATE_CODE, code="organisation.duplicate", params={"credit_code": code})


def _write(*, session: Session, sql: str, params: dict, refused: Exception):
    try:
        return session.execute(text(sql), params).first()
    except ProgrammingError as exc:
        raise _refused(exc, refused) from None
    except IntegrityError as exc:
        if _constraint(exc) == "uq_organisation_credit_code":
            raise DeniedProbe(ELSEWHERE_CODE, code="organisation.registered_elsewhere") from None
        raise


def register(*, session: Session, user: CurrentUser, body: OrganisationCreate) -> int:
    code = credit_code(body.credit_code)
    _place(session=session, building_id=body.building_id, unit=body.unit, floor=body.floor)
    _not_future("opened_on", body.opened_on)
    _not_future("fire_check_on", body.fire_check_on)
    _unique_code(session=session, code=code, organisation_id=None)
    row = _write(session=session, sql=queries.INSERT, params={
        "building_id": body.building_id, "name": body.name, "kind": body.kind,
        "small_venue": bool(body.small_venue), "key_unit": bool(body.key_unit), "credit_code": code,
        "legal_rep": body.legal_rep, "person_in_charge": body.person_in_charge, "phone": phone(body.phone),
        "unit": body.unit, "floor": body.floor, "room": body.room, "opened_on": body.opened_on,
        "status": body.status or "open", "fire_check_on": body.fire_check_on, "notes": body.notes,
        "user_id": user.id,
    }, refused=NotFound(f"building {body.building_id} not found in your beats", code="building.not_in_scope",
                params={"building_id": body.building_id}))
    return row.id


def correct(*, session: Session, user: CurrentUser, organisation_id: int, changes: OrganisationUpdate) -> None:
    current = session.execute(text(queries.CURRENT), {"id": organisation_id, "beats": list(user.beat_ids)}).first()
    if current is None:
        raise not_in_scope(organisation_id)
    given = changes.model_fields_set
    for name in ("name", "kind", "status", "building_id", "small_venue", "key_unit"):
        if name in given and getattr(changes, name) is None:
            raise InvalidInput(f"{name}: a value is required", code="organisation.field_required",
                               params={"field": name})
    values = {k: getattr(current, k) for k in (
        "building_id", "name", "kind", "small_venue", "key_unit", "credit_code", "legal_rep", "person_in_charge",
        "phone", "unit", "floor", "room", "opened_on", "status", "fire_check_on", "notes")}
    for name in given:
        values[name] = getattr(changes, name)
    if "credit_code" in given:
        values["credit_code"] = credit_code(changes.credit_code)
        _unique_code(session=session, code=values["credit_code"], organisation_id=organisation_id)
    if "phone" in given:
        values["phone"] = phone(changes.phone)
    _place(session=session, building_id=values["building_id"], unit=values["unit"], floor=values["floor"])
    for name in ("opened_on", "fire_check_on"):
        if name in given:
            _not_future(name, values[name])
    row = _write(session=session, sql=queries.UPDATE, params={**values, "id": organisation_id, "user_id": user.id},
                 refused=NotFound(f"building {values['building_id']} not found in your beats",
                                  code="building.not_in_scope",
                          params={"building_id": values["building_id"]}))
    if row is None:
        raise not_in_scope(organisation_id)


def employees(*, session: Session, organisation_id: int) -> list[EmployeeOut]:
    rows = session.execute(text(queries.EMPLOYEES), {"organisation_id": organisation_id}).all()
    return [employee_out(r) for r in rows]


def add_employee(*, session: Session, user: CurrentUser, organisation_id: int, body: EmployeeCreate) -> EmployeeOut:
    """An employee by person link (name, ID number, phone from the record) or by name and ID number."""
    name, id_number, tel = body.name, None, phone(body.phone)
    if body.person_id is not None:
        person = session.execute(text(queries.PERSON), {"id": body.person_id}).first()
        if person is None:  # out of scope or moved out: not said which
            raise NotFound(f"person {body.person_id} not found in your beats", code="person.not_in_scope",
                           params={"person_id": body.person_id})
        name, id_number, tel = person.name, person.id_number, tel or person.phone
    else:
        if not name:
            raise InvalidInput("name: a name (or person_id) is required", code="organisation.field_required",
                               params={"field": "name"})
        if body.id_number:
            try:
                id_number = idnumber.parse(body.id_number).id_number
            except idnumber.IdNumberError as exc:
                raise InvalidInput(f"id_number: {exc}", code="organisation.employee_id_number_invalid",
                                   params={"reason": _lead(exc)}) from None
    _not_future("since", body.since)
    if session.execute(text(queries.EMPLOYEE_DUPLICATE), {
            "organisation_id": organisation_id, "id_number": id_number, "person_id": body.person_id}).first():
        raise Conflict("this person is already an employee of the organisation", code="organisation.employee_duplicate")
    try:
        row = session.execute(text(queries.INSERT_EMPLOYEE), {
            "organisation_id": organisation_id, "person_id": body.person_id, "name": name, "id_number": id_number,
            "phone": tel, "role": body.role, "since": body.since, "user_id": user.id}).first()
    except ProgrammingError as exc:
        raise _refused(exc, not_in_scope(organisation_id)) from None
    except IntegrityError as exc:
        if _constraint(exc) == "uq_organisation_employee_id_number":
            raise Conflict("this person is already an employee of the organisation",
                           code="organisation.employee_duplicate") from None
        raise
    session.execute(text(queries.TOUCH), {"id": organisation_id, "user_id": user.id})
    return employee_out(row)


def change_employee(*, session: Session, user: CurrentUser, organisation_id: int, employee_id: int,
                    changes: EmployeeUpdate) -> EmployeeOut:
    current = session.execute(text(queries.EMPLOYEE), {"id": employee_id, "organisation_id": organisation_id}).first()
    if current is None:
        raise NotFound(f"employee {employee_id} not found", code="organisation.employee_not_found",
                       params={"employee_id": employee_id})
    given = changes.model_fields_set
    values = {"phone": current.phone, "role": current.role, "since": current.since, "left_on": current.left_on}
    for name in given:
        values[name] = getattr(changes, name)
    if "phone" in given:
        values["phone"] = phone(changes.phone)
    for name in ("since", "left_on"):
        if name in given:
            _not_future(name, values[name])
    if values["since"] and values["left_on"] and values["left_on"] < values["since"]:
        raise InvalidInput("left_on: earlier than since", code="organisation.employee_left_before_since")
    try:
        row = session.execute(text(queries.UPDATE_EMPLOYEE),
                              {**values, "id": employee_id, "organisation_id": organisation_id}).first()
    except ProgrammingError as exc:
        raise _refused(exc, not_in_scope(organisation_id)) from None
    if row is None:
        raise not_in_scope(organisation_id)
    session.execute(text(queries.TOUCH), {"id": organisation_id, "user_id": user.id})
    return employee_out(row)
