"""数据质量: GET /api/quality (checks with counts, the score, per-beat scores, the weekly trend — aggregates,
for leaders too) and GET /api/quality/{check} (the items to fix, personal data in scope, audited)."""
from fastapi import APIRouter, Depends, Query, Request

from api import scope
from api.auth.dependencies import require_capability
from api.auth.service import CurrentUser
from api.db import DbSession
from api.quality import service
from api.quality.schemas import QualityBoard, QualityItems

router = APIRouter(prefix="/api/quality", tags=["quality"])


@router.get("", response_model=QualityBoard)
def quality_board(
    *,
    beat_id: int | None = Query(None, ge=1), station_id: int | None = Query(None, ge=1),
    user: CurrentUser = Depends(require_capability("quality.read")), session: DbSession,
) -> QualityBoard:
    """Each check's records checked and failing, the score (share passing; goal 95%), beats, trend."""
    beats = service.beats_of(session=session, user=user, beat_id=beat_id, station_id=station_id)
    out = service.board(session=session, beats=beats)
    session.commit()  # this week's snapshot
    return out


@router.get("/{check}", response_model=QualityItems)
def quality_items(
    *,
    check: str, request: Request, beat_id: int | None = Query(None, ge=1),
    user: CurrentUser = Depends(require_capability("quality.items")), session: DbSession,
) -> QualityItems:
    """The records failing a check in the user's beats (at most 200), with a point to fly to."""
    beats = service.beats_of(session=session, user=user, beat_id=beat_id, station_id=None)
    out = service.items(session=session, check=check, beats=beats)
    scope.audit(request, session, user, action="quality.items", object_type="quality_check", object_id=check)
    session.commit()
    return out
