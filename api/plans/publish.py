"""Diff of a draft against the current plan, and the atomic publish.

The diff is aggregate by default (buildings, villages and counts; planners never see residents);
a station chief may ask for the households of chosen buildings. Publish runs in the caller's single
transaction: lock the station (publishes of one station run one at a time) → refuse a draft made before
the plan now in force was published (409 plan.superseded) → check → archive the current plan → publish
the draft → carry beat members over by beat code → recompute household, incident and dispute beats from
geometry (`holomap_reassign_beats`: a kept beat code keeps its beat id, so only what changes beat is
written). The per-building statistics (`area_stats`) do not depend on beats and are not rebuilt. Any
failure rolls all back.
"""

from collections import defaultdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.clock import CHINA_STANDARD_TIME
from api.config import Settings
from api.errors import Conflict, Forbidden
from api.plans import queries
from api.plans.checks import check_plan
from api.plans.shapes import plan_shapes

BUILDING_LIST_LIMIT = 2000


def diff_plan(session: Session, *, plan: dict[str, Any]) -> dict[str, Any]:
    """Households, residents, buildings and villages changing beat if the plan were published."""
    params = {"plan_id": plan["id"], "station_id": plan["station_id"]}
    shapes = plan_shapes(session, **params)
    building_ids, beat_ids = shapes.building_beats(session)
    session.execute(text(queries.CUSTOM_PLANS))
    rows = session.execute(text(queries.BUILDING_MOVES),
                           {**params, "building_ids": building_ids, "beat_ids": beat_ids}).all()
    moves: dict[tuple, dict[str, int]] = defaultdict(
        lambda: {"households": 0, "residents": 0, "buildings": 0}
    )
    villages: dict[int, dict[str, Any]] = {}
    gains: dict[str, int] = defaultdict(int)
    losses: dict[str, int] = defaultdict(int)
    for r in rows:
        m = moves[(r.from_code, r.to_code)]
        m["households"] += r.households
        m["residents"] += int(r.residents or 0)
        m["buildings"] += 1
        v = villages.setdefault(
            r.village_id,
            {
                "village_id": r.village_id,
                "village": r.village,
                "households": 0,
                "residents": 0,
                "buildings": 0,
                "from": set(),
                "to": set(),
            },
        )
        v["households"] += r.households
        v["residents"] += int(r.residents or 0)
        v["buildings"] += 1
        v["from"].add(r.from_code or "—")
        v["to"].add(r.to_code or "—")
        if r.from_code:
            losses[r.from_code] += r.households
        if r.to_code:
            gains[r.to_code] += r.households
    officers = []
    for o in session.execute(text(queries.OFFICERS_BY_CODE), {"station_id": plan["station_id"]}):
        if gains.get(o.code) or losses.get(o.code):
            officers.append(
                {
                    "username": o.username,
                    "display_name": o.display_name,
                    "duty": o.duty,
                    "beat": o.code,
                    "gains_households": gains.get(o.code, 0),
                    "loses_households": losses.get(o.code, 0),
                }
            )
    buildings = [
        {
            "building_id": r.building_id,
            "address": r.address,
            "village": r.village,
            "from": r.from_code,
            "to": r.to_code,
            "households": r.households,
            "residents": int(r.residents or 0),
            "location": [r.lon, r.lat],
        }
        for r in rows[:BUILDING_LIST_LIMIT]
    ]
    areas = [
        {
            "type": "Feature",
            "geometry": geometry,
            "properties": {"from": from_code, "to": to_code, "area_m2": area_m2,
                           "households": moves.get((from_code, to_code), {}).get("households", 0)},
        }
        for from_code, to_code, area_m2, geometry in shapes.areas(session)
    ]
    return {
        "plan_id": plan["id"],
        "areas": {"type": "FeatureCollection", "features": areas},
        "totals": {
            "households": sum(m["households"] for m in moves.values()),
            "residents": sum(m["residents"] for m in moves.values()),
            "buildings": len(rows),
            "villages": len(villages),
        },
        "moves": [
            {"from": f, "to": t, **m} for (f, t), m in sorted(moves.items(), key=lambda kv: str(kv[0]))
        ],
        "villages": [{**v, "from": sorted(v["from"]), "to": sorted(v["to"])} for v in villages.values()],
        "buildings": buildings,
        "buildings_truncated": len(rows) > BUILDING_LIST_LIMIT,
        "officers": officers,
    }


def household_moves(
    session: Session, *, plan: dict[str, Any], building_ids: list[int]
) -> list[dict[str, Any]]:
    """Chief's drill-down: the households of the given buildings with their current and new beat."""
    rows = session.execute(
        text(queries.HOUSEHOLD_MOVES),
        {"plan_id": plan["id"], "station_id": plan["station_id"], "building_ids": building_ids},
    ).all()
    return [
        {
            "household_id": r.id,
            "building_id": r.building_id,
            "address": r.address,
            "unit": r.unit,
            "floor": r.floor,
            "room": r.room,
            "from": r.from_code,
            "to": r.to_code,
        }
        for r in rows
    ]


def publish_plan(
    session: Session, *, user: CurrentUser, plan: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """Make the draft the current plan in this transaction, or raise 409 with the check's problems."""
    if not user.can("plan.publish"):
        raise Forbidden("publishing a plan needs the station chief's approval: ask the chief to publish it",
                        code="plan.publish_needs_chief")
    station_id = plan["station_id"]
    # A second publish of the station waits for the first to finish (then answers 409 plan.superseded) rather
    # than failing on the app's 5 s lock timeout: a publish re-assigns every household and rebuilds the
    # station's statistics, which takes longer than 5 s on a loaded machine. For this transaction only.
    session.execute(text(queries.PUBLISH_LOCK_WAIT))
    session.execute(text(queries.LOCK_STATION_FOR_PUBLISH), {"station_id": station_id})
    _refuse_stale_draft(session, plan=plan)
    _refuse_unchanged(session, plan=plan)
    report = check_plan(session, plan=plan, settings=settings)
    if not report["ok"]:
        errors = [p for p in report["problems"] if p["severity"] == "error"]
        raise Conflict(
            f"the plan fails {len(errors)} check(s) and cannot be published; fix them first",
            extra={"problems": errors}, code="plan.checks_failed", params={"count": len(errors)},
        )
    at = session.execute(text(queries.LOCKED_NOW)).scalar_one()
    params = {"plan_id": plan["id"], "station_id": station_id, "at": at}
    # under the station lock this archives exactly `current`
    old_plan_id = session.execute(text(queries.ARCHIVE_CURRENT), params).scalar()
    published_at = session.execute(text(queries.PUBLISH_PLAN), {**params, "user_id": user.id}).scalar()
    if published_at is None:
        raise Conflict(f"plan {plan['id']} is no longer a draft; reload the plans", code="plan.not_draft",
                       params={"plan_id": plan["id"]})
    if old_plan_id is not None:
        session.execute(text(queries.CARRY_MEMBERS), {**params, "old_plan_id": old_plan_id})
    households, incidents, disputes, unassigned = session.execute(text(queries.REASSIGN_BEATS), params).one()
    if unassigned:
        raise Conflict(f"{unassigned} households would be in no beat; the plan was not published",
                       code="plan.households_unassigned",
                       params={"count": unassigned})
    return {
        "plan_id": plan["id"],
        "status": "published",
        "published_at": published_at.isoformat(),
        "archived_plan_id": old_plan_id,
        "households": households,
        "incidents": incidents,
        "disputes": disputes,
        "warnings": report["warnings"],
    }


def _refuse_stale_draft(session: Session, *, plan: dict[str, Any]) -> None:
    """409 when the plan in force (read under the station lock) was published after the draft was made."""
    current = session.execute(text(queries.CURRENT_FOR_PUBLISH), {"plan_id": plan["id"]}).first()
    if current is None:
        return
    if current.id == plan["id"]:
        raise Conflict(f"plan {plan['id']} is already the plan in force; reload the plans",
                       code="plan.already_published", params={"plan_id": plan["id"]})
    if current.superseded:
        published = current.published_at.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M:%S")
        raise Conflict(
            f"plan {current.id} ({current.name}) was published at {published}, after this draft was made, "
            "so the draft does not hold its changes; create a new draft from the plan in force",
            code="plan.superseded",
            params={"plan_id": current.id, "plan_name": current.name,
                    "published_at": current.published_at.isoformat()},
        )


def _refuse_unchanged(session: Session, *, plan: dict[str, Any]) -> None:
    """409 plan.no_changes (没有变化) when the draft's beats equal those of the plan in force."""
    current = session.execute(text(queries.CURRENT_PLAN_ID), {"station_id": plan["station_id"]}).scalar()
    if current is None:
        return
    changed = session.execute(text(queries.CHANGED_BEATS), {"plan_id": plan["id"], "current_id": current}).scalar()
    if not changed:
        raise Conflict(
            "the draft has no changes against the plan in force; publishing it would change nothing",
            code="plan.no_changes", params={"plan_id": plan["id"]},
        )
