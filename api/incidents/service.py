"""Recording a 警情 (POST /api/incidents): the place decides the station and the beat, which must be one of
the user's (and so must the victim household, when one is named); a near-repeat warning zone is issued when
the category has a significant pattern."""
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from api import scope
from api.analytics.filters import LOCAL_TZ
from api.auth.service import CurrentUser
from api.errors import Forbidden, InvalidInput
from api.incidents.schemas import IncidentCreate
from api.warnings import queries
from api.warnings import service as warnings


def create(*, session: Session, user: CurrentUser, body: IncidentCreate) -> dict:
    """Store the incident in the beat at its place and issue its warning zone (see api/warnings/service.py)."""
    lon, lat = body.location.lon, body.location.lat
    beat = session.execute(text(queries.BEAT_AT), {"lon": lon, "lat": lat}).first()
    if beat is None:
        raise InvalidInput("the place lies in no beat of the current plans; check the position",
                           code="incident.outside_beats", params={"lon": lon, "lat": lat})
    if beat.id not in user.beat_ids:
        raise Forbidden(f"the place lies in beat {beat.code}, which is not one of your beats",
                        code="incident.beat_not_yours", params={"beat": beat.code})
    if body.household_id is not None:
        scope.ensure_household(session, user, body.household_id)  # 404 household.not_in_scope
    occurred = body.occurred_at
    day = occurred.astimezone(LOCAL_TZ).date()
    found = warnings.pattern(session, category=body.category, station_id=beat.station_id, day=day)
    row = session.execute(text(queries.INSERT_INCIDENT), {
        "station_id": beat.station_id, "occurred_at": occurred, "category": body.category, "source": body.source,
        "lon": lon, "lat": lat, "beat_id": beat.id, "summary": body.summary,
        "household_id": body.household_id}).mappings().one()
    incident = dict(row)
    now = datetime.now(UTC)
    warning_id = warnings.issue(session, incident=incident, found=found, user_id=user.id, now=now)
    warning = None if warning_id is None else warnings.one(session, warning_id=warning_id, beat_ids=[beat.id])
    reason = None
    if warning is None:
        reason = ("pattern_pending" if found is None else "none_significant" if not found.significant
                  else "expired")
    return {**incident, "beat_code": beat.code, "warning": warning, "no_warning_reason": reason,
            "lon": round(incident["lon"], 6), "lat": round(incident["lat"], 6)}
