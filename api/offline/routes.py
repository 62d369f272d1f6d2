"""GET /api/offline/pack and GET /api/offline/pack/summary (issue 16)."""
from fastapi import APIRouter, Depends, Request, Response

from api import scope
from api.auth.dependencies import require_capability
from api.auth.service import CurrentUser
from api.db import DbSession
from api.offline import service
from api.offline.schemas import OfflinePack, PackSummary

router = APIRouter(prefix="/api/offline", tags=["offline"])
PACK_BYTES_HEADER = "X-Holomap-Pack-Bytes"


@router.get("/pack/summary", response_model=PackSummary)
def pack_summary(
    *,
    request: Request,
    user: CurrentUser = Depends(require_capability("offline.pack")),
    session: DbSession,
) -> PackSummary:
    """What a download of the pack would hold (counts, estimated size), before downloading it; no identities."""
    beat_ids, codes = service.own_beats(session=session, user=user)
    found = service.counts(session=session, beat_ids=beat_ids)
    return PackSummary(beats=codes, counts=found, estimated_bytes=service.estimated_bytes(found),
                       expires_hours=request.app.state.settings.offline_pack_hours)


@router.get("/pack", response_class=Response, responses={200: {
    "model": OfflinePack,
    "headers": {PACK_BYTES_HEADER: {"description": "bytes of the JSON body before compression (progress)",
                                    "schema": {"type": "integer"}}}}})
def offline_pack(
    *,
    request: Request,
    user: CurrentUser = Depends(require_capability("offline.pack")),
    session: DbSession,
) -> Response:
    """The user's own beats (those they are a member of) for offline work: buildings (with footprints),
    households, residents with masked ID numbers, vehicles with masked plates, open disputes, the worklist;
    expires after HOLOMAP_OFFLINE_PACK_HOURS (24 h). One audit row per download."""
    body, codes = service.pack(session=session, user=user, hours=request.app.state.settings.offline_pack_hours)
    scope.audit(request, session, user, action="offline.pack", object_type="beat", object_id=",".join(codes))
    session.commit()
    data = body.encode()
    return Response(data, media_type="application/json", headers={PACK_BYTES_HEADER: str(len(data))})
