"""POST /api/incidents (record a 警情) and GET /api/warnings (the near-repeat warning zones of one's beats)."""
import json

from fastapi import APIRouter, Depends, Query, Request

from api import scope
from api.auth.dependencies import require_capability
from api.auth.service import CurrentUser
from api.db import DbSession
from api.idempotency.dependencies import idempotency
from api.idempotency.service import Idempotency
from api.incidents import service
from api.incidents.schemas import IncidentCreate, IncidentOut, WarningsOut
from api.warnings import service as warnings

router = APIRouter(prefix="/api", tags=["incidents"])


@router.post("/incidents", response_model=IncidentOut, status_code=201)
def record_incident(
    *,
    body: IncidentCreate, request: Request,
    user: CurrentUser = Depends(require_capability("incident.record")), session: DbSession,
    idem: Idempotency = Depends(idempotency),
) -> dict:
    """Record a 警情 in one of the user's beats. When the category's near-repeat (Knox) pattern in the station
    is significant, a warning zone (the pattern's distance around the place, for its days) is issued and
    returned as `warning`: it appears on the map and in 我的任务 of every beat it touches."""
    incident = service.create(session=session, user=user, body=body)
    scope.audit(request, session, user, action="incident.create", object_type="incident", object_id=incident["id"],
                reason_code="incident.warning_issued" if incident["warning"] else None,
                reason_params={"warning_id": incident["warning"]["id"]} if incident["warning"] else None)
    idem.complete(incident)
    session.commit()
    return incident


@router.get("/warnings", response_model=WarningsOut)
def warning_zones(
    *,
    limit: int = Query(warnings.MAX_ZONES, ge=1, le=warnings.MAX_ZONES),
    user: CurrentUser = Depends(require_capability("warning.read")), session: DbSession,
) -> dict:
    """The near-repeat warning zones in force touching the user's beats (GeoJSON; expired ones are gone)."""
    items = warnings.active(session, beat_ids=scope.beat_ids(user), limit=limit)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(i.pop("geometry")), "properties": i} for i in items]}
