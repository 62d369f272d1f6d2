"""矛盾纠纷: report, move through the lifecycle, record events, list with deadlines."""
import json

from sqlalchemy import func, insert, text, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

import api.models  # noqa: F401  (the whole metadata, so foreign keys of the tables written here resolve)
from api import scope
from api.auth.service import CurrentUser
from api.disputes import lifecycle, queries
from api.disputes.models import Dispute, DisputeParty
from api.disputes.schemas import (
    DisputeCreate,
    DisputeDetail,
    DisputeOut,
    DisputeUpdate,
    EventCreate,
    EventOut,
    PartyIn,
    PartyOut,
)
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from geo.idnumber import mask
from geo.masking import mask_phone


def limit_params() -> dict:
    """Bound parameters of the deadline/overdue SQL."""
    return {
        "response_hours": json.dumps(lifecycle.RESPONSE_LIMIT_HOURS),
        "mediation_days": lifecycle.MEDIATION_DAYS, "tz": lifecycle.LOCAL_TZ,
    }


def to_out(row: Row, user: CurrentUser | None = None) -> DisputeOut:
    """A dispute state row as the API shape, with what may be done next: by the state, and when `user` is
    given, by that user's capabilities too."""
    fields = {name: getattr(row, name) for name in DisputeOut.model_fields
              if name not in ("allowed_transitions", "allowed_events")}
    transitions = lifecycle.allowed_transitions(row.status, row.level, has_return_visit=row.has_return_visit)
    events = lifecycle.allowed_events(row.status, row.level)
    return DisputeOut(
        **fields,
        allowed_transitions=[t for t in transitions
                             if user is None or user.can(lifecycle.transition_capability(row.status, t))],
        allowed_events=[k for k in events if user is None or user.can(lifecycle.event_capability(k))],
    )


def _state(*, session: Session, dispute_id: int) -> Row:
    return session.execute(text(queries.DISPUTE_BY_ID), {"dispute_id": dispute_id, **limit_params()}).one()


def _locked(*, session: Session, user: CurrentUser, dispute_id: int) -> Row:
    row = session.execute(text(queries.DISPUTE_FOR_UPDATE), {"dispute_id": dispute_id}).one_or_none()
    if row is None or row.beat_id not in user.beat_ids:
        raise NotFound(f"dispute {dispute_id} not found in your beats",
                       code="dispute.not_in_scope", params={"dispute_id": dispute_id})
    return row


def _beat_for(*, session: Session, user: CurrentUser, lon: float, lat: float) -> int:
    """The current beat at the point: inside the user's station and one of the user's beats."""
    point = {"lon": lon, "lat": lat, "station_id": user.station_id}
    if not session.execute(text(queries.IN_STATION), point).scalar():
        station = session.execute(text(queries.STATION_NAME), point).scalar() or "your station"
        raise InvalidInput(f"the location ({lon}, {lat}) lies outside the jurisdiction of {station}",
                           code="dispute.outside_jurisdiction",
                           params={"lon": lon, "lat": lat, "station": station})
    beat = session.execute(text(queries.BEAT_AT), point).one_or_none()
    if beat is None:
        raise InvalidInput(f"the location ({lon}, {lat}) lies in no beat of the current plan",
                           code="dispute.no_beat_at_location",
                           params={"lon": lon, "lat": lat})
    if beat.id not in user.beat_ids:
        raise Forbidden(f"the location lies in beat {beat.code}, which is not one of your beats",
                        code="dispute.beat_not_yours",
                        params={"beat": beat.code})
    return beat.id


def _party_household(*, session: Session, user: CurrentUser, party) -> int | None:
    if party.person_id is None and party.household_id is None:
        return None  # an outsider, by name
    if party.person_id is not None:
        scope.ensure_person(session, user, party.person_id)
        return session.execute(text(queries.PERSON_HOUSEHOLD), {"person_id": party.person_id}).scalar()
    scope.ensure_household(session, user, party.household_id)
    return party.household_id


def create(*, session: Session, user: CurrentUser, dispute: DisputeCreate) -> DisputeDetail:
    """Report a dispute; parties must be in scope, the beat comes from the location."""
    beat_id = _beat_for(session=session, user=user, lon=dispute.location.lon, lat=dispute.location.lat)
    households = [_party_household(session=session, user=user, party=party) for party in dispute.parties]
    dispute_id = session.execute(
        insert(Dispute).values(
            station_id=user.station_id, title=dispute.title, category=dispute.category, grade=dispute.grade,
            status="open", level="village", beat_id=beat_id,
            location=func.ST_SetSRID(func.ST_MakePoint(dispute.location.lon, dispute.location.lat), 4326),
            household_id=next((h for h in households if h is not None), None), summary=dispute.summary,
            reported_by=user.id, reported_at=dispute.reported_at or func.now(),
        ).returning(Dispute.id)
    ).scalar_one()
    if dispute.parties:
        session.execute(insert(DisputeParty), [
            {"dispute_id": dispute_id, "person_id": p.person_id, "household_id": p.household_id,
             "side": p.side, "name": p.name, "phone": p.phone}
            for p in dispute.parties
        ])
    _event(session=session, user=user, dispute_id=dispute_id, kind="status", note="open", at=dispute.reported_at)
    return detail(session=session, user=user, dispute_id=dispute_id)


def _event(*, session: Session, user: CurrentUser, dispute_id: int, kind: str, note: str | None,
           at=None) -> None:
    session.execute(text(queries.INSERT_EVENT),
                    {"dispute_id": dispute_id, "at": at, "user_id": user.id, "kind": kind, "text": note})


def _set(*, session: Session, dispute_id: int, **values) -> None:
    session.execute(update(Dispute).where(Dispute.id == dispute_id).values(**values))


def _move(*, session: Session, user: CurrentUser, row: Row, target: str, note: str | None) -> None:
    """Apply one validated status transition and record it on the timeline."""
    if not user.can(lifecycle.transition_capability(row.status, target)):
        raise Forbidden("grid members report disputes and record events; status changes and escalation "
                        "are for the beat's officers", code="dispute.grid_no_status_change")
    has_return_visit = _state(session=session, dispute_id=row.id).has_return_visit
    allowed = lifecycle.allowed_transitions(row.status, row.level, has_return_visit=has_return_visit)
    if target not in allowed:
        raise Conflict(lifecycle.transition_refusal(row.status, target, row.level, allowed),
                       extra={"dispute_status": row.status, "level": row.level, "allowed": allowed},
                       code=lifecycle.refusal_code(row.status, target, row.level),
                       params={"from": row.status, "to": target, "level": row.level, "allowed": allowed})
    if target == "escalated":
        level = lifecycle.NEXT_LEVEL[row.level]
        _set(session=session, dispute_id=row.id, status="escalated", level=level)
        _event(session=session, user=user, dispute_id=row.id, kind="escalation", note=note or f"{row.level} → {level}")
        session.execute(text(queries.MARK_RESPONSE), {"dispute_id": row.id, "at": None})
    elif target == "mediating":
        values = {"status": "mediating"}
        if row.status == "resolved":  # reopened: the agreement did not hold
            values.update(resolved_at=None, next_return_visit=None)
        _set(session=session, dispute_id=row.id, **values)
        session.execute(text(queries.MARK_RESPONSE), {"dispute_id": row.id, "at": None})
    elif target == "resolved":
        _set(session=session, dispute_id=row.id, status="resolved")
        session.execute(text(queries.SCHEDULE_RETURN_VISIT),
                        {"dispute_id": row.id, "tz": lifecycle.LOCAL_TZ, "days": lifecycle.RETURN_VISIT_DAYS})
    elif target == "closed":
        _set(session=session, dispute_id=row.id, status="closed", closed_at=func.now(), next_return_visit=None)
    moved = f"{row.status} → {target}"
    _event(session=session, user=user, dispute_id=row.id, kind="status", note=f"{moved}: {note}" if note else moved)


def change(*, session: Session, user: CurrentUser, dispute_id: int, changes: DisputeUpdate) -> DisputeDetail:
    """Correct details and/or move the dispute to another status (validated)."""
    row = _locked(session=session, user=user, dispute_id=dispute_id)
    given = changes.model_fields_set
    details = {f: getattr(changes, f) for f in ("grade", "category", "title") if f in given
               and getattr(changes, f) is not None}
    if "summary" in given:
        details["summary"] = changes.summary
    if details:
        _set(session=session, dispute_id=dispute_id, **details)
    # the history of grade, category and title: one correction event {field: [before, after]}
    corrected = {f: [getattr(row, f), details[f]] for f in ("grade", "category", "title")
                 if f in details and details[f] != getattr(row, f)}
    if corrected:
        _event(session=session, user=user, dispute_id=dispute_id, kind="correction",
               note=json.dumps(corrected, ensure_ascii=False))
    if changes.status is not None:
        _move(session=session, user=user, row=row, target=changes.status, note=changes.note)
    elif changes.note:
        _event(session=session, user=user, dispute_id=dispute_id, kind="note", note=changes.note)
    return detail(session=session, user=user, dispute_id=dispute_id)


def add_event(*, session: Session, user: CurrentUser, dispute_id: int, event: EventCreate) -> DisputeDetail:
    """Record a mediation, agreement, return visit, escalation or note, with its effects."""
    row = _locked(session=session, user=user, dispute_id=dispute_id)
    allowed = lifecycle.allowed_events(row.status, row.level)
    if event.kind not in allowed:
        raise Conflict(
            f"a {event.kind} cannot be recorded on a dispute that is {row.status} at {row.level} level; "
            f"allowed events: {', '.join(allowed) or 'none'}",
            extra={"dispute_status": row.status, "level": row.level, "allowed_events": allowed},
            code="dispute.event_not_allowed",
            params={"kind": event.kind, "status": row.status, "level": row.level, "allowed": allowed},
        )
    if event.at is not None and event.at < row.reported_at:
        raise InvalidInput(f"at {event.at.isoformat()} is before the report ({row.reported_at.isoformat()})",
                           code="dispute.event_before_report",
                           params={"at": event.at.isoformat(), "reported_at": row.reported_at.isoformat()})
    if event.kind == "return_visit" and event.at is not None and event.at < row.resolved_at:
        raise InvalidInput(f"a return visit comes after the resolution ({row.resolved_at.isoformat()})",
                           code="dispute.return_visit_before_resolution",
                           params={"resolved_at": row.resolved_at.isoformat()})
    if event.kind == "escalation":
        _move(session=session, user=user, row=row, target="escalated", note=event.text)
        return detail(session=session, user=user, dispute_id=dispute_id)
    _event(session=session, user=user, dispute_id=dispute_id, kind=event.kind, note=event.text, at=event.at)
    if event.kind in lifecycle.RESPONSE_KINDS:
        session.execute(text(queries.MARK_RESPONSE), {"dispute_id": dispute_id, "at": event.at})
    if event.kind == "mediation" and row.status in ("open", "escalated"):
        _move(session=session, user=user, row=row, target="mediating", note=None)
    elif event.kind == "agreement":
        _set(session=session, dispute_id=dispute_id, agreement_signed=True)
    elif event.kind == "return_visit":
        _set(session=session, dispute_id=dispute_id, next_return_visit=None)
    return detail(session=session, user=user, dispute_id=dispute_id)


def add_party(*, session: Session, user: CurrentUser, dispute_id: int, party: PartyIn) -> DisputeDetail:
    """Add an applicant, respondent or third party (in scope, or an outsider by name); on the timeline."""
    _locked(session=session, user=user, dispute_id=dispute_id)
    _party_household(session=session, user=user, party=party)
    session.execute(insert(DisputeParty).values(dispute_id=dispute_id, person_id=party.person_id,
                                                household_id=party.household_id, side=party.side,
                                                name=party.name, phone=party.phone))
    _event(session=session, user=user, dispute_id=dispute_id, kind="correction", note=json.dumps({"party": party.side}))
    return detail(session=session, user=user, dispute_id=dispute_id)


def detail(*, session: Session, user: CurrentUser, dispute_id: int) -> DisputeDetail:
    """One dispute with parties (identifiers masked) and its timeline, oldest first."""
    params = {"dispute_id": dispute_id}
    row = session.execute(text(queries.DISPUTE_BY_ID), {**params, **limit_params()}).one_or_none()
    if row is None or row.beat_id not in user.beat_ids:
        raise NotFound(f"dispute {dispute_id} not found in your beats",
                       code="dispute.not_in_scope", params={"dispute_id": dispute_id})
    parties = [
        PartyOut(id=p.id, side=p.side, outsider=p.outsider, person_id=p.person_id, household_id=p.household_id,
                 name=p.name,
                 id_number_masked=mask(p.id_number) if p.id_number else None,
                 phone_masked=mask_phone(p.phone) if p.phone else None, address=p.address)
        for p in session.execute(text(queries.PARTIES), params)
    ]
    events = [EventOut(**e._mapping) for e in session.execute(text(queries.EVENTS), params)]
    photo_ids = list(session.execute(text(queries.PHOTO_IDS), params).scalars())
    return DisputeDetail(**to_out(row, user).model_dump(), parties=parties, events=events, photo_ids=photo_ids)


def listing(
    *, session: Session, user: CurrentUser, statuses: list[str] | None, grades: list[str] | None,
    overdue: bool | None, limit: int, offset: int,
) -> tuple[int, list[DisputeOut]]:
    """Disputes in the user's beats, filtered; open and graver first."""
    rows = session.execute(text(queries.DISPUTE_LIST), {
        "beat_ids": list(scope.beat_ids(user)), "statuses": statuses, "grades": grades, "overdue": overdue,
        "limit": limit, "offset": offset, **limit_params(),
    }).all()
    return (rows[0].total if rows else 0), [to_out(r, user) for r in rows]
