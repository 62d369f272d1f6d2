"""GET /api/beats: the current beats as GeoJSON (no resident data; every signed-in role);
PUT /api/beats/{beat_id}/members: a beat's 1+1+N members (station chief: own station; admin: any)."""
from fastapi import APIRouter, Depends, Request, Response

from api.auth.dependencies import current_user, require_capability
from api.auth.service import CurrentUser
from api.beats import service
from api.beats.schemas import CurrentBeats, MembersIn, MembersOut
from api.contract import GeoJSONResponse
from api.db import DbSession
from api.scope import audit

router = APIRouter(prefix="/api", tags=["beats"])


@router.get("/beats", response_class=GeoJSONResponse, responses={200: {"model": CurrentBeats}})
def current_beats(
    *,
    user: CurrentUser = Depends(current_user), session: DbSession
) -> Response:
    """Beats of the current plan of the user's station (bureau-wide roles: of every station)."""
    station_id = None if user.can("bureau.read") else user.station_id
    doc = service.current_beats_geojson(session=session, station_id=station_id,
                                        beats_in_scope=list(user.beat_ids))
    return Response(doc, media_type="application/geo+json")


assign_members = require_capability("beat.members.assign")


@router.put("/beats/{beat_id}/members", response_model=MembersOut)
def put_beat_members(
    *,
    request: Request,
    beat_id: int,
    body: MembersIn,
    user: CurrentUser = Depends(assign_members),
    session: DbSession,
) -> MembersOut:
    """Replace the beat's officer, auxiliary, grid members and mediators as a whole (audited); members see
    their new scope on their next request."""
    changes = service.replace_members(session=session, beat_id=beat_id, members=body, user=user)
    audit(request, session, user, action="beat.members", object_type="beat", object_id=beat_id,
          reason_code="beat.members_changed" if changes else "no_change", reason_params={"changes": changes})
    session.commit()
    return service.members(session=session, beat_id=beat_id)
