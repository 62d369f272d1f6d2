"""The officer's worklist (what to do next, where) and the month against the targets."""
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.config import Settings
from api.disputes import lifecycle
from api.disputes import service as disputes
from api.settings import service as settings_service
from api.warnings import service as warnings
from api.worklist import queries
from api.worklist.schemas import (
    DisputeSection,
    HouseholdDue,
    HouseholdSection,
    KeyPersonDue,
    KeyPersonSection,
    OfficerMonth,
    Target,
    WarningSection,
)

VISIT_INTERVAL_DAYS = 90  # a household not visited for this long is due again
SECTIONS = ("households_due", "key_persons_due", "disputes_due", "disputes_red_orange", "warnings")


def _page(beat_ids: list[int], limit: int, offset: int) -> dict:
    return {"beat_ids": beat_ids, "limit": limit, "offset": offset, "tz": lifecycle.LOCAL_TZ}


SORTS = ("due", "address", "beat", "name")


def _paged(sql: str, page: tuple[str, str]) -> str:
    """The statement with the page's rows and order of one sort (fixed fragments of queries.*_PAGE)."""
    page_from, order = page
    return sql.replace("{page_from}", page_from).replace("{order}", order)


def households_due(*, session: Session, beat_ids: list[int], days: int, limit: int, offset: int,
                   sort: str = "due") -> HouseholdSection:
    """Households never visited or not visited in `days` days (most overdue first, or by address/beat)."""
    params = {**_page(beat_ids, limit, offset), "days": days}
    sql = _paged(queries.HOUSEHOLDS_DUE, queries.HOUSEHOLD_PAGE[sort])
    rows = session.execute(text(sql), params).all()
    return HouseholdSection(total=rows[0].total, days=days,
                            items=[HouseholdDue.model_validate(r, from_attributes=True) for r in rows
                                   if r.household_id is not None])


def key_persons_due(*, session: Session, beat_ids: list[int], limit: int, offset: int, sort: str = "due"
                    ) -> KeyPersonSection:
    """Residents with a key tag (the administrator's setting) whose household has not been visited this
    month; each with the tags that put them on the list (reason_tags)."""
    tags = settings_service.key_person_tags(session=session)
    params = {**_page(beat_ids, limit, offset), "key_tags": list(tags)}
    sql = _paged(queries.KEY_PERSONS_DUE, queries.KEY_PERSON_PAGE[sort])
    rows = session.execute(text(sql), params).all()
    month_start = session.execute(text(queries.CURRENT_MONTH), {"tz": lifecycle.LOCAL_TZ}).scalar_one()
    return KeyPersonSection(total=rows[0].total, month_start=month_start, key_tags=list(tags),
                            items=[KeyPersonDue.model_validate(r, from_attributes=True) for r in rows
                                   if r.person_id is not None])


def _disputes(*, session: Session, sql: str, beat_ids: list[int], limit: int, offset: int) -> DisputeSection:
    rows = session.execute(text(sql), {**_page(beat_ids, limit, offset), **disputes.limit_params()}).all()
    return DisputeSection(total=rows[0].total if rows else 0, items=[disputes.to_out(r) for r in rows])


def disputes_due(*, session: Session, beat_ids: list[int], limit: int, offset: int) -> DisputeSection:
    """Disputes overdue for first response or resolution, or with a return visit due."""
    return _disputes(session=session, sql=queries.DISPUTES_DUE, beat_ids=beat_ids, limit=limit, offset=offset)


def disputes_red_orange(*, session: Session, beat_ids: list[int], limit: int, offset: int) -> DisputeSection:
    """Red and orange disputes not yet resolved."""
    return _disputes(session=session, sql=queries.DISPUTES_GRAVE, beat_ids=beat_ids, limit=limit, offset=offset)


def warnings_due(*, session: Session, beat_ids: list[int], limit: int, offset: int) -> WarningSection:
    """近重复预警 zones in force touching the beats, soonest expiry first: a 走访提醒 each."""
    items = warnings.active(session, beat_ids=beat_ids)
    return WarningSection(total=len(items), items=[{k: v for k, v in i.items() if k != "geometry"}
                                                  for i in items[offset:offset + limit]])


def current_month(*, session: Session) -> date:
    """The first day of this month in local time."""
    return session.execute(text(queries.CURRENT_MONTH), {"tz": lifecycle.LOCAL_TZ}).scalar_one()


def officer_month(*, session: Session, user: CurrentUser, month: date, settings: Settings) -> OfficerMonth:
    """The user's visits, key persons, disputes and information collected in `month`."""
    row = session.execute(text(queries.OFFICER_MONTH), {
        "user_id": user.id, "month": month, "tz": lifecycle.LOCAL_TZ,
        "key_tags": list(settings_service.key_person_tags(session=session)), "beat_ids": list(user.beat_ids),
    }).one()
    return OfficerMonth(
        user_id=user.id, username=user.username, month=month.strftime("%Y-%m"),
        households_visited=Target(count=row.households_visited, target=settings.monthly_visit_target,
                                  met=row.households_visited >= settings.monthly_visit_target),
        key_persons_visited=Target(count=row.key_persons_visited, target=settings.monthly_key_person_target,
                                   met=row.key_persons_visited >= settings.monthly_key_person_target),
        visits=row.visits, visits_flagged_far=row.visits_flagged_far, visits_follow_up=row.visits_follow_up,
        disputes_mediated=row.disputes_mediated, disputes_reported=row.disputes_reported,
        information_collected=row.information_collected, floating_registered=row.floating_registered,
        vehicles_registered=row.vehicles_registered,
    )
