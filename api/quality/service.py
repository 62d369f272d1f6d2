"""The data-quality board: counts per check and beat, the beat scores, weekly snapshots for the trend, and
the items of a check (personal data, in the user's beats only)."""
import json
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.clock import china_today
from api.errors import Forbidden, InvalidInput, NotFound
from api.quality import queries
from api.quality.schemas import (
    BeatScore,
    CheckCount,
    QualityBoard,
    QualityItem,
    QualityItems,
    QualityTask,
    QualityTasks,
    TrendPoint,
)
from api.settings.quality import enabled_checks, quality_setting

GOAL = 0.95  # 采集率/准确率 target (Haikou police: ≥ 95%)
CHECKS = tuple(queries.ITEMS)
TREND_WEEKS = 12
ITEM_LIMIT = 200


def _score(checked: int, failing: int) -> float:
    return round(1 - failing / checked, 4) if checked else 1.0


def beats_of(*, session: Session, user: CurrentUser, beat_id: int | None, station_id: int | None) -> list[int]:
    """The beats the board covers: the user's (personal roles), or a station's (bureau roles: any station;
    planners and chiefs: their own), narrowed to `beat_id` when given."""
    if station_id is not None and not user.sees_personal_data:
        if station_id != user.station_id and not user.can("bureau.read"):
            raise Forbidden("only the bureau sees other stations' data quality", code="quality.other_station",
                            params={"station_id": station_id})
        beats = list(session.execute(text(queries.STATION_BEATS), {"station_id": station_id}).scalars())
    elif user.sees_personal_data:
        beats = list(user.beat_ids)
    else:
        beats = list(session.execute(text(queries.STATION_BEATS), {"station_id": user.station_id}).scalars()) \
            if user.station_id is not None else []
    if beat_id is not None:
        if beat_id not in beats:
            raise NotFound(f"beat {beat_id} is not in your scope", code="quality.beat_not_in_scope",
                           params={"beat_id": beat_id})
        beats = [beat_id]
    return beats


def counts(*, session: Session, beats: list[int], today: date) -> list:
    """Per beat and check, records checked and failing (cached per beat; stale beats recounted), and this week's
    snapshot of every one written where it changed (the weekly job: beats nobody read are snapshotted too)."""
    rows = session.execute(text(queries.COUNTS), {"beats": beats, "today": today}).all()
    if rows:
        session.execute(text(queries.SNAPSHOT), {"week": today - timedelta(days=today.weekday()), "rows": json.dumps(
            [{"beat_id": r.beat_id, "check_code": r.check_code, "checked": r.checked, "failing": r.failing}
             for r in rows])})
    return rows


def board(*, session: Session, beats: list[int], today: date | None = None) -> QualityBoard:
    """Counts, scores and trend of the checks that are on (the administrator's setting, with its thresholds);
    this week's snapshot is written (or refreshed) on the way, by holomap_quality_board, for what it recounts."""
    today = today or china_today()
    setting = quality_setting(session=session)
    enabled = [c["code"] for c in setting["checks"] if c["enabled"]]
    # (holomap_quality_board writes this week's snapshot of what it recounts)
    rows = [r for r in session.execute(text(queries.COUNTS), {"beats": beats, "today": today})
            if r.check_code in enabled]
    totals = {c: [0, 0] for c in enabled}
    per_beat: dict[int, list[int]] = {b: [0, 0] for b in beats}
    for r in rows:
        totals[r.check_code][0] += r.checked
        totals[r.check_code][1] += r.failing
        per_beat[r.beat_id][0] += r.checked
        per_beat[r.beat_id][1] += r.failing
    week = today - timedelta(days=today.weekday())
    names = {r.id: r for r in session.execute(text(queries.BEATS), {"beats": beats})}
    trend = session.execute(text(queries.TREND), {"beats": beats, "checks": enabled,
                                                  "since": week - timedelta(weeks=TREND_WEEKS - 1)}).all()
    checked = sum(v[0] for v in totals.values())
    failing = sum(v[1] for v in totals.values())
    return QualityBoard(
        goal=GOAL, score=_score(checked, failing), days=setting["days"],
        checks=[CheckCount(code=c, checked=v[0], failing=v[1], score=_score(*v)) for c, v in totals.items()],
        beats=[BeatScore(id=b, code=names[b].code, name=names[b].name, score=_score(*v), failing=v[1])
               for b, v in per_beat.items() if b in names],
        trend=[TrendPoint(week=t.week, score=_score(t.checked, t.failing)) for t in trend])


def snapshot_all(*, session: Session, today: date | None = None) -> dict[int, int]:
    """The weekly snapshot job: every station's published beats counted and snapshotted; the invalidation
    log of beats no longer published dropped. Returns {station_id: beats counted}."""
    today = today or china_today()
    out = {}
    for station_id in session.execute(text(queries.PUBLISHED_STATIONS)).scalars().all():
        beats = list(session.execute(text(queries.STATION_BEATS), {"station_id": station_id}).scalars())
        counts(session=session, beats=beats, today=today)
        out[station_id] = len(beats)
    session.execute(text(queries.PRUNE_DIRTY))
    return out


def items(*, session: Session, check: str, beats: list[int], today: date | None = None) -> QualityItems:
    if check not in queries.ITEMS:
        raise InvalidInput(f"unknown check {check!r}; one of {', '.join(CHECKS)}", code="quality.unknown_check",
                           params={"check": check})
    if check not in enabled_checks(session=session):
        raise NotFound(f"the check {check!r} is switched off (settings)", code="quality.check_disabled",
                       params={"check": check})
    rows = session.execute(text(queries.ITEMS[check]), {"beats": beats, "today": today or china_today(),
                                                        "limit": ITEM_LIMIT, "offset": 0}).mappings().all()
    return QualityItems(check=check, items=[QualityItem(**{**r, "lon": float(r["lon"]), "lat": float(r["lat"])})
                                            for r in rows])


# 我的任务: the checks whose items are field work, most urgent first (households not visited are the
# worklist's own first section)
TASK_ORDER = ("person_visa_expiring", "person_permit_expiring", "rental_incomplete", "rental_no_tenants",
              "household_no_head", "room_unmarked_empty", "person_id_conflict", "person_duplicate",
              "person_not_visited", "organisation_fire_check_overdue",
              "organisation_no_person_in_charge", "organisation_no_employees", "building_no_address_code")


def tasks(*, session: Session, beats: list[int], limit: int, offset: int,
          today: date | None = None) -> QualityTasks:
    """A page of the quality items of the user's beats, check by check in TASK_ORDER; the total from the
    board's counts (cached per beat), the items under row-level security."""
    today = today or china_today()
    enabled = enabled_checks(session=session)
    failing = {check: 0 for check in TASK_ORDER if check in enabled}
    for r in session.execute(text(queries.COUNTS), {"beats": beats, "today": today}):
        if r.check_code in failing:
            failing[r.check_code] += r.failing
    out: list[QualityTask] = []
    skip = offset
    for check in failing:
        if len(out) >= limit:
            break
        if skip >= failing[check]:
            skip -= failing[check]
            continue
        rows = session.execute(text(queries.ITEMS[check]), {"beats": beats, "today": today,
                                                            "limit": limit - len(out), "offset": skip})
        out += [QualityTask(check=check, **{**r, "lon": float(r["lon"]), "lat": float(r["lat"])})
                for r in rows.mappings()]
        skip = 0
    return QualityTasks(total=sum(failing.values()), items=out)
