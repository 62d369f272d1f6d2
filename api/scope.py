"""The one place that decides whose personal data a user may see (beats in scope), and audits reads.

Officers, auxiliaries and grid members see their own beats; a station chief sees every beat of the
current plan of the station; planners, leaders and admins see no personal data (aggregates only).
Which role may do what is api/auth/capabilities.py (`person.read`, `person.reveal`, `person.register`…).
Out-of-scope objects answer 404 so that their existence does not leak.
"""
from collections.abc import Sequence

from fastapi import Request
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.audit.service import record
from api.auth.service import CurrentUser
from api.clientaddr import client_address
from api.errors import Forbidden, NotFound

HOUSEHOLD_BEAT = "SELECT beat_id FROM household WHERE id = :id"
PERSON_BEAT = "SELECT h.beat_id FROM person p JOIN household h ON h.id = p.household_id WHERE p.id = :id"
VEHICLE_BEAT = """
SELECT h.beat_id FROM vehicle v
LEFT JOIN person o ON o.id = v.owner_person_id
JOIN household h ON h.id = coalesce(v.household_id, o.household_id)
WHERE v.id = :id
"""
# a building's beats: those of its households, and the published beats covering it (a building without
# households — a shop, a school, a factory — is in the scope of the beat it stands in; holomap_lookup too)
BUILDING_BEATS = """
SELECT h.beat_id FROM household h WHERE h.building_id = :id
UNION
SELECT bt.id FROM building b JOIN beat bt ON ST_Covers(bt.geom, b.centroid)
JOIN beat_plan p ON p.id = bt.plan_id AND p.status = 'published'
WHERE b.id = :id
"""


def require_personal_access(user: CurrentUser) -> None:
    """403 for roles that only ever see aggregates."""
    if not user.sees_personal_data:
        raise Forbidden("your role sees aggregates only, not residents' personal data",
                        code="personal_data.aggregates_only")


def beat_ids(user: CurrentUser) -> list[int]:
    """Beat ids whose personal data the user may read (empty for aggregate-only roles)."""
    return list(user.beat_ids) if user.sees_personal_data else []


def masks_id_numbers(user: CurrentUser) -> bool:
    """Users without `person.reveal` (grid members) always see masked ID numbers, even through reveal."""
    return not user.can("person.reveal")


def _in_scope(beat: int | None, user: CurrentUser) -> bool:
    return beat is not None and beat in user.beat_ids


def ensure_household(session: Session, user: CurrentUser, household_id: int) -> None:
    """404 unless the household exists and lies in one of the user's beats."""
    require_personal_access(user)
    beat = session.execute(text(HOUSEHOLD_BEAT), {"id": household_id}).scalar()
    if not _in_scope(beat, user):
        raise NotFound(f"household {household_id} not found in your beats", code="household.not_in_scope",
                       params={"household_id": household_id})


def ensure_person(session: Session, user: CurrentUser, person_id: int) -> None:
    """404 unless the person lives in one of the user's beats."""
    require_personal_access(user)
    beat = session.execute(text(PERSON_BEAT), {"id": person_id}).scalar()
    if not _in_scope(beat, user):
        raise NotFound(f"person {person_id} not found in your beats",
                       code="person.not_in_scope", params={"person_id": person_id})


def ensure_vehicle(session: Session, user: CurrentUser, vehicle_id: int) -> None:
    """404 unless the vehicle belongs to a household (or an owner living) in one of the user's beats."""
    require_personal_access(user)
    beat = session.execute(text(VEHICLE_BEAT), {"id": vehicle_id}).scalar()
    if not _in_scope(beat, user):
        raise NotFound(f"vehicle {vehicle_id} not found in your beats",
                       code="vehicle.not_in_scope", params={"vehicle_id": vehicle_id})


def require_collector(user: CurrentUser, *, residency: str | None = None) -> None:
    """信息采集: officers, auxiliaries and the station chief register and correct persons and vehicles;
    grid members register floating residents only (migration 0009 enforces the same in SQL)."""
    require_personal_access(user)
    if user.can("person.register"):
        return
    if residency == "floating" and user.can("person.register_floating"):
        return
    raise Forbidden("grid members register floating residents only (流动人口登记); "
                    "ask the beat's officer to register or correct other records",
                    code="person.grid_floating_only")


def ensure_building(session: Session, user: CurrentUser, building_id: int) -> None:
    """404 unless the building has a household in one of the user's beats or stands in one of them."""
    require_personal_access(user)
    beats: Sequence[int] = session.execute(text(BUILDING_BEATS), {"id": building_id}).scalars().all()
    if not any(_in_scope(b, user) for b in beats):
        raise NotFound(f"building {building_id} not found in your beats", code="building.not_in_scope",
                       params={"building_id": building_id})


def audit(
    request: Request,
    session: Session,
    user: CurrentUser | None,
    *,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    outcome: str = "ok",
    reason: str | None = None,
    reason_code: str | None = None,
    reason_params: dict | None = None,
) -> None:
    """Append an audit row for this request (same transaction as the action).

    `reason`: only text a person typed; the server's own account is `reason_code` + `reason_params`
    (rendered in Chinese by the web app's catalog, admin.audit_reasons).
    """
    if outcome == "denied":
        request.state.denial_audited = True
    record(
        session=session, action=action, user_id=user.id if user else None, username=user.username if user else None,
        object_type=object_type, object_id=object_id, outcome=outcome, reason=reason,
        reason_code=reason_code, reason_params=reason_params,
        client_addr=client_address(request),
        request_id=getattr(request.state, "request_id", None),
    )
