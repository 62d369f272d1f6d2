"""入户走访: record, correct and list visits; the distance check is done by PostGIS."""
from sqlalchemy import func, insert, text, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

import api.models  # noqa: F401  (the whole metadata, so foreign keys of the tables written here resolve)
from api.auth.service import CurrentUser
from api.errors import Conflict, Forbidden, NotFound
from api.visits import queries
from api.visits.models import CHECKLIST_ITEMS, Visit
from api.visits.schemas import VisitCreate, VisitLocation, VisitOut, VisitUpdate

EDIT_WINDOW_HOURS = 24  # the author may correct a visit this long after recording it


def _point(location: VisitLocation | None):
    if location is None:
        return None
    return func.ST_SetSRID(func.ST_MakePoint(location.lon, location.lat), 4326)


def _measure(*, session: Session, visit_id: int, far_m: float) -> None:
    session.execute(text(queries.MEASURE_DISTANCE), {"visit_id": visit_id, "far_m": far_m})


def to_out(row: Row, user: CurrentUser) -> VisitOut:
    """A visit row as the API shape; the checklist lists all twelve items."""
    stored = row.checklist or {}
    checklist = {key: bool(stored.get(key, False)) for key in CHECKLIST_ITEMS}
    location = None
    if row.lon is not None:
        location = VisitLocation(lon=row.lon, lat=row.lat, accuracy_m=row.accuracy_m)
    return VisitOut(
        id=row.id, household_id=row.household_id, user_id=row.user_id, user_name=row.user_name,
        visited_at=row.visited_at, checklist=checklist, checklist_done=sum(checklist.values()),
        notes=row.notes, follow_up=row.follow_up, location=location, distance_m=row.distance_m,
        flagged_far=row.flagged_far, created_at=row.created_at, updated_at=row.updated_at,
        editable_until=row.editable_until, editable=bool(row.within_window and row.user_id == user.id),
        photo_ids=list(row.photo_ids or []),
    )


def get(*, session: Session, user: CurrentUser, visit_id: int) -> VisitOut:
    """One visit, 404 unless its household is in the user's beats."""
    row = session.execute(
        text(queries.VISIT_BY_ID), {"visit_id": visit_id, "edit_hours": EDIT_WINDOW_HOURS}
    ).one_or_none()
    if row is None or row.beat_id not in user.beat_ids:
        raise NotFound(f"visit {visit_id} not found in your beats",
                       code="visit.not_in_scope", params={"visit_id": visit_id})
    return to_out(row, user)


def create(*, session: Session, user: CurrentUser, visit: VisitCreate, far_m: float) -> VisitOut:
    """Store a visit by the user and measure its distance from the household's building."""
    visit_id = session.execute(
        insert(Visit)
        .values(
            household_id=visit.household_id, user_id=user.id,
            visited_at=visit.visited_at or func.now(), checklist=visit.checklist, notes=visit.notes,
            follow_up=visit.follow_up, location=_point(visit.location),
            accuracy_m=visit.location.accuracy_m if visit.location else None,
        )
        .returning(Visit.id)
    ).scalar_one()
    _measure(session=session, visit_id=visit_id, far_m=far_m)
    return get(session=session, user=user, visit_id=visit_id)


def correct(
    *, session: Session, user: CurrentUser, visit_id: int, changes: VisitUpdate, far_m: float
) -> VisitOut:
    """The author's correction within EDIT_WINDOW_HOURS of recording; read-only afterwards."""
    row = session.execute(
        text(queries.VISIT_FOR_UPDATE), {"visit_id": visit_id, "edit_hours": EDIT_WINDOW_HOURS}
    ).one_or_none()
    if row is None or row.beat_id not in user.beat_ids:
        raise NotFound(f"visit {visit_id} not found in your beats",
                       code="visit.not_in_scope", params={"visit_id": visit_id})
    if row.user_id != user.id:
        raise Forbidden("only the officer who recorded a visit may correct it", code="visit.not_recorder")
    if not row.within_window:
        raise Conflict(
            f"a visit may be corrected within {EDIT_WINDOW_HOURS} h of recording; this one was recorded at "
            f"{row.created_at.isoformat()} and is now read-only — add a new visit instead",
            code="visit.correct_window_closed",
            params={"hours": EDIT_WINDOW_HOURS, "recorded_at": row.created_at.isoformat()}
        )
    given = changes.model_fields_set
    values = {f: getattr(changes, f) for f in ("visited_at", "checklist", "follow_up")
              if f in given and getattr(changes, f) is not None}
    if "notes" in given:
        values["notes"] = changes.notes
    if "location" in given:
        values["location"] = _point(changes.location)
        values["accuracy_m"] = changes.location.accuracy_m if changes.location else None
    if values:
        session.execute(update(Visit).where(Visit.id == visit_id).values(**values))
        _measure(session=session, visit_id=visit_id, far_m=far_m)
    return get(session=session, user=user, visit_id=visit_id)


def for_household(
    *, session: Session, user: CurrentUser, household_id: int, limit: int, offset: int
) -> tuple[int, list[VisitOut]]:
    """A household's visits, newest first (scope checked by the caller)."""
    total = session.execute(text(queries.HOUSEHOLD_VISIT_COUNT), {"household_id": household_id}).scalar_one()
    rows = session.execute(
        text(queries.HOUSEHOLD_VISITS),
        {"household_id": household_id, "limit": limit, "offset": offset, "edit_hours": EDIT_WINDOW_HOURS},
    ).all()
    return total, [to_out(row, user) for row in rows]
