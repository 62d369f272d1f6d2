"""GET /api/worklist and GET /api/worklist/month."""
from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request

from api import scope
from api.auth.dependencies import current_user
from api.auth.service import CurrentUser
from api.db import DbSession
from api.errors import InvalidInput, NotFound
from api.places import service as places
from api.quality import service as quality
from api.worklist import service
from api.worklist.schemas import OfficerMonth, Worklist

Sort = Literal["due", "address", "beat", "name"]
Section = Literal["households_due", "key_persons_due", "disputes_due", "disputes_red_orange", "quality", "warnings"]
router = APIRouter(prefix="/api/worklist", tags=["worklist"])


def _beats(user: CurrentUser, beat: str | None) -> tuple[list[int], list[str]]:
    """The user's beats, or the one asked for (404 outside scope)."""
    scope.require_personal_access(user)
    pairs = list(zip(user.beat_ids, user.beat_codes, strict=True))
    if beat is not None:
        pairs = [(i, c) for i, c in pairs if c == beat]
        if not pairs:
            raise NotFound(f"beat {beat} is not one of your beats",
                           code="beat.not_yours", params={"beat": beat})
    return [i for i, _ in pairs], [c for _, c in pairs]


@router.get("", response_model=Worklist, response_model_exclude_unset=True)
def worklist(
    *,
    request: Request,
    section: Section | None = None,
    beat: str | None = Query(None, description="one beat code of yours; all of them by default"),
    days: int = Query(service.VISIT_INTERVAL_DAYS, ge=1, le=3650),
    limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
    sort: Sort = Query("due", description="due (most overdue first), address, beat or name (key persons)"),
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> Worklist:
    """What is due in the user's beats, each item with lon/lat to fly to; page a section with offset."""
    beat_ids, codes = _beats(user, beat)
    # the 数据质量 section only when asked for (it may recount a beat written to: the default list stays fast)
    wanted = [section] if section else list(service.SECTIONS)
    page = {"session": session, "beat_ids": beat_ids, "limit": limit, "offset": offset}
    sections = {
        "households_due": lambda: service.households_due(days=days, sort=sort, **page),
        "key_persons_due": lambda: service.key_persons_due(sort=sort, **page),
        "disputes_due": lambda: service.disputes_due(**page),
        "disputes_red_orange": lambda: service.disputes_red_orange(**page),
        "quality": lambda: quality.tasks(session=session, beats=beat_ids, limit=limit, offset=offset),
        "warnings": lambda: service.warnings_due(session=session, beat_ids=beat_ids, limit=limit, offset=offset),
    }
    result = Worklist(beats=codes, **{name: sections[name]() for name in wanted})
    scope.audit(request, session, user, action="worklist.read", object_type="beat", object_id=",".join(codes))
    places.commit_read_audit(session=session)  # a read: its audit row needs no wait for the WAL flush
    return result


@router.get("/month", response_model=OfficerMonth)
def officer_month(
    *,
    request: Request,
    month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, this month by default"),
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> OfficerMonth:
    """The signed-in user's month against the targets (≥30 households, ≥1 key person)."""
    scope.require_personal_access(user)
    if month is None:
        first = service.current_month(session=session)
    else:
        try:
            first = date(int(month[:4]), int(month[5:]), 1)
        except ValueError:
            raise InvalidInput(f"month {month} is not a valid YYYY-MM month", code="worklist.month_invalid",
                               params={"month": month}) from None
    settings = request.app.state.settings
    result = service.officer_month(session=session, user=user, month=first, settings=settings)
    scope.audit(request, session, user, action="worklist.month", object_type="app_user", object_id=user.id)
    session.commit()
    return result
