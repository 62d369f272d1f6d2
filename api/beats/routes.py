"""GET /api/beats: the current beats as GeoJSON (no resident data; every signed-in role)."""
from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from api.auth.dependencies import current_user
from api.auth.service import CurrentUser
from api.beats import service
from api.db import get_session

router = APIRouter(prefix="/api", tags=["beats"])


@router.get("/beats", response_class=Response)
def current_beats(
    user: CurrentUser = Depends(current_user), session: Session = Depends(get_session)
) -> Response:
    """Beats of the current plan of the user's station (bureau-wide roles: of every station)."""
    station_id = None if user.can("bureau.read") else user.station_id
    doc = service.current_beats_geojson(session=session, station_id=station_id,
                                        beats_in_scope=list(user.beat_ids))
    return Response(doc, media_type="application/geo+json")
