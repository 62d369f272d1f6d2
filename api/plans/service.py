"""Plans: who may see and edit them, drafts copied from the current plan, beat edits and assignment.

Planners and station chiefs of a station create and edit its drafts; leaders and admins may read
published and archived plans. The current (published) plan stays live until a draft is published.
No function here commits: the route owns the transaction.
"""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.clock import china_now
from api.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed, PreconditionRequired
from api.plans import queries
from api.plans.geometry_input import parse_area, station_bounds, wkb
from api.plans.stats import ensure_area_stats

MIN_SHARED_M2 = 1.0  # an assigned unit overlapping a beat by less than this only touches it


def _row(row) -> dict[str, Any]:
    return dict(row._mapping)


def _plan_dict(row) -> dict[str, Any]:
    plan = _row(row)
    for key in ("created_at", "published_at", "archived_at"):
        if plan.get(key) is not None:
            plan[key] = plan[key].isoformat()
    return plan


def require_station(user: CurrentUser) -> int:
    """The user's station id (planning is per station)."""
    if user.station_id is None:
        raise Forbidden("your account belongs to no station; plans are made per station",
                        code="account.no_station")
    return user.station_id


def get_plan_row(session: Session, *, user: CurrentUser, plan_id: int) -> dict[str, Any]:
    """The plan if the user may read it (404 otherwise: drafts of other stations do not leak)."""
    if not user.can("plan.read"):
        raise Forbidden("beat plans are for planners, station chiefs, leaders and admins",
                        code="plan.role_not_allowed")
    row = session.execute(text(queries.GET_PLAN), {"plan_id": plan_id}).first()
    if row is None:
        raise NotFound(f"plan {plan_id} not found", code="plan.not_found", params={"plan_id": plan_id})
    plan = _plan_dict(row)
    own_station = plan["station_id"] == user.station_id
    if user.can("plan.edit") and not own_station:
        raise NotFound(f"plan {plan_id} not found", code="plan.not_found", params={"plan_id": plan_id})
    if not user.can("plan.edit") and plan["status"] == "draft":
        raise NotFound(f"plan {plan_id} not found", code="plan.not_found", params={"plan_id": plan_id})
    return plan


def get_draft_for_edit(session: Session, *, user: CurrentUser, plan_id: int) -> dict[str, Any]:
    """The plan, locked for this transaction, if it is a draft the user may edit (403/404/409)."""
    if not user.can("plan.edit"):
        raise Forbidden("only planners and station chiefs edit beat plans", code="plan.edit_not_allowed")
    plan = get_plan_row(session, user=user, plan_id=plan_id)
    session.execute(text(queries.LOCK_PLAN), {"plan_id": plan_id})
    if plan["status"] != "draft":
        raise Conflict(f"plan {plan_id} is {plan['status']}; only drafts can be edited — create a new draft",
                       code="plan.not_draft",
                       params={"plan_id": plan_id, "status": plan["status"]})
    return plan


def list_plans(session: Session, *, user: CurrentUser, at: datetime | None = None) -> list[dict[str, Any]]:
    """Plans of the user's station, newest first (or the one in force at `at`)."""
    if not user.can("plan.read"):
        raise Forbidden("beat plans are for planners, station chiefs, leaders and admins",
                        code="plan.role_not_allowed")
    station_id = require_station(user)
    if at is not None:
        rows = session.execute(text(queries.PLAN_AT), {"station_id": station_id, "at": at}).all()
    else:
        rows = session.execute(text(queries.LIST_PLANS), {"station_id": station_id}).all()
    plans = [_plan_dict(r) for r in rows]
    if not user.can("plan.edit"):
        plans = [p for p in plans if p["status"] != "draft"]
    return plans


def create_draft(session: Session, *, user: CurrentUser, name: str | None, based_on: int | None) -> int:
    """A new draft holding a copy of the current plan's beats (or of `based_on`)."""
    if not user.can("plan.edit"):
        raise Forbidden("only planners and station chiefs create draft plans", code="plan.create_not_allowed")
    station_id = require_station(user)
    # waits for a publish in progress, so the copy and created_at come after it (see publish.py)
    session.execute(text(queries.LOCK_STATION_FOR_DRAFT), {"station_id": station_id})
    if based_on is None:
        based_on = session.execute(text(queries.CURRENT_PLAN_ID), {"station_id": station_id}).scalar()
    else:
        get_plan_row(session, user=user, plan_id=based_on)
    name = (name or "").strip() or f"草案 {china_now().strftime('%Y-%m-%d %H:%M')}"
    plan_id = session.execute(
        text(queries.INSERT_PLAN),
        {"station_id": station_id, "name": name, "user_id": user.id, "based_on": based_on},
    ).scalar_one()
    if based_on is not None:
        session.execute(text(queries.COPY_BEATS), {"plan_id": plan_id, "source_id": based_on})
    ensure_area_stats(session, station_id=station_id, refresh=True)
    return plan_id


def delete_draft(session: Session, *, user: CurrentUser, plan_id: int) -> None:
    """Delete a draft and its beats."""
    get_draft_for_edit(session, user=user, plan_id=plan_id)
    session.execute(text(queries.DELETE_PLAN), {"plan_id": plan_id})


def plan_with_beats(session: Session, *, user: CurrentUser, plan_id: int) -> dict[str, Any]:
    """The plan and its beats as a GeoJSON FeatureCollection (id, version, stats in properties)."""
    plan = get_plan_row(session, user=user, plan_id=plan_id)
    ensure_area_stats(session, station_id=plan["station_id"])
    stats = {r.id: r for r in session.execute(text(queries.PLAN_BEAT_STATS), {"plan_id": plan_id})}
    features = []
    rows = session.execute(
        text(queries.PLAN_BEATS_GEOJSON), {"plan_id": plan_id, "station_id": plan["station_id"]}
    ).all()
    for r in rows:
        s = stats.get(r.id)
        props = {
            "id": r.id,
            "code": r.code,
            "name": r.name,
            "kind": r.kind,
            "version": r.version,
            "locked": r.locked,
            "members": r.members,
            "stats": beat_stats_dict(s) if s else None,
        }
        features.append(
            {"type": "Feature", "id": r.id, "geometry": json.loads(r.geometry), "properties": props}
        )
    plan["beats"] = {"type": "FeatureCollection", "features": features}
    return plan


def beat_stats_dict(row) -> dict[str, Any]:
    """Per-beat stats row → the stats shape of POST /api/beats/stats."""
    return {
        "buildings": int(row.buildings),
        "households": int(row.households),
        "residents": int(row.residents),
        "floating": int(row.floating),
        "key_persons": int(row.key_persons),
        "incidents_12m": int(row.incidents_12m),
        "disputes_open": {
            "green": int(row.green),
            "yellow": int(row.yellow),
            "orange": int(row.orange),
            "red": int(row.red),
        },
        "villages": int(row.villages),
        "area_km2": round(float(row.area_km2 or 0.0), 4),
    }


def parse_if_match(value: str | None) -> int:
    """The beat version from an If-Match header: 428 when missing, 412 when unreadable."""
    if value is None or not value.strip():
        raise PreconditionRequired(
            "send If-Match: <version> with the beat version you edited (from GET /api/plans/{id})",
            code="beat.if_match_required"
        )
    tag = value.strip().removeprefix("W/").strip('"')
    try:
        return int(tag)
    except ValueError:
        raise PreconditionFailed(f"If-Match {value!r} is not a beat version; reload the plan",
                                 code="beat.if_match_invalid",
                                 params={"value": value}) from None


def _beat(session: Session, plan_id: int, beat_id: int):
    beat = session.execute(text(queries.GET_BEAT), {"plan_id": plan_id, "beat_id": beat_id}).first()
    if beat is None:
        raise NotFound(f"beat {beat_id} is not in plan {plan_id}",
                       code="beat.not_in_plan", params={"beat_id": beat_id, "plan_id": plan_id})
    return beat


def _stale(beat, version: int) -> PreconditionFailed:
    return PreconditionFailed(
        f"beat {beat.code} was changed by someone else (you edited version {version}, it is now "
        f"version {beat.version}); reload the plan and apply your change again",
        headers={"ETag": f'"{beat.version}"'},
        extra={"current_version": beat.version}, code="beat.version_stale",
        params={"beat": beat.code, "version": version, "current_version": beat.version},
    )


def update_beat(
    session: Session, *, user: CurrentUser, plan_id: int, beat_id: int, version: int, changes: dict[str, Any]
) -> int:
    """Change a beat's geometry/name/kind/lock if `version` is still current; the new version."""
    plan = get_draft_for_edit(session, user=user, plan_id=plan_id)
    beat = _beat(session, plan_id, beat_id)
    if beat.version != version:
        raise _stale(beat, version)
    geometry = changes.get("geometry")
    if beat.locked and geometry is not None and changes.get("locked") is not False:
        raise Conflict(f"beat {beat.code} is locked; unlock it before changing its boundary",
                       code="beat.locked",
                       params={"beat": beat.code})
    geom_wkb = None
    if geometry is not None:
        bounds = station_bounds(session, plan["station_id"])
        geom_wkb = wkb(parse_area(geometry, repair=bool(changes.get("repair")), bounds=bounds))
    new_version = session.execute(
        text(queries.UPDATE_BEAT),
        {
            "plan_id": plan_id,
            "beat_id": beat_id,
            "version": version,
            "wkb": geom_wkb,
            "name": changes.get("name"),
            "kind": changes.get("kind"),
            "locked": changes.get("locked"),
        },
    ).scalar()
    if new_version is None:  # a concurrent edit won between our read and our write
        raise _stale(_beat(session, plan_id, beat_id), version)
    return new_version


def add_beat(
    session: Session,
    *,
    user: CurrentUser,
    plan_id: int,
    code: str,
    name: str,
    kind: str,
    geometry: dict,
    repair: bool = False,
) -> int:
    """A new beat in a draft."""
    plan = get_draft_for_edit(session, user=user, plan_id=plan_id)
    codes = set(session.execute(text(queries.BEAT_CODES), {"plan_id": plan_id}).scalars())
    if code in codes:
        raise Conflict(f"plan {plan_id} already has a beat {code}; choose another code",
                       code="beat.code_taken",
                       params={"plan_id": plan_id, "code": code})
    shape = parse_area(geometry, repair=repair, bounds=station_bounds(session, plan["station_id"]))
    return (
        session.execute(
            text(queries.INSERT_BEAT),
            {"plan_id": plan_id, "code": code, "name": name, "kind": kind, "wkb": wkb(shape)},
        )
        .first()
        .id
    )


def delete_beat(session: Session, *, user: CurrentUser, plan_id: int, beat_id: int, version: int) -> None:
    """Remove a beat from a draft (its area becomes a gap until given to another beat)."""
    get_draft_for_edit(session, user=user, plan_id=plan_id)
    beat = _beat(session, plan_id, beat_id)
    if beat.version != version:
        raise _stale(beat, version)
    session.execute(text(queries.DELETE_BEAT), {"plan_id": plan_id, "beat_id": beat_id, "version": version})


def assign(
    session: Session,
    *,
    user: CurrentUser,
    plan_id: int,
    beat_id: int,
    village_ids: list[int],
    building_ids: list[int],
) -> dict[str, Any]:
    """Move whole villages or buildings into a beat (taken out of every other beat)."""
    plan = get_draft_for_edit(session, user=user, plan_id=plan_id)
    station_id = plan["station_id"]
    target = _beat(session, plan_id, beat_id)
    if not village_ids and not building_ids:
        raise InvalidInput("name at least one village_ids or building_ids entry to assign",
                           code="plan.assign_nothing")
    if target.locked:
        raise Conflict(f"beat {target.code} is locked; unlock it before assigning to it", code="beat.locked",
                       params={"beat": target.code})
    changed: set[str] = set()
    for sql, ids, label in (
        (queries.VILLAGE_UNION, village_ids, "village"),
        (queries.BUILDING_UNION, building_ids, "building"),
    ):
        if not ids:
            continue
        unit = session.execute(text(sql), {"station_id": station_id, "ids": list(ids)}).first()
        missing = sorted(set(ids) - set(unit.ids or []))
        if missing:
            raise NotFound(f"{label}s {missing} are not in your station", code="plan.assign_not_in_station",
                           params={"kind": label, "ids": missing})
        params = {
            "plan_id": plan_id,
            "beat_id": beat_id,
            "wkb": bytes(unit.wkb),
            "min_area_m2": MIN_SHARED_M2,
        }
        locked = session.execute(text(queries.LOCKED_BEATS_HIT), params).scalars().all()
        if locked:
            raise Conflict(f"the {label}s lie partly in locked beats {', '.join(locked)}; unlock them first",
                           code="plan.assign_locked_beats",
                           params={"kind": label, "beats": list(locked)})
        emptied = session.execute(text(queries.EMPTIED_BEATS), params).scalars().all()
        if emptied:
            raise Conflict(
                f"beats {', '.join(emptied)} would be left with no area; "
                "delete them instead, or keep part of their area",
                code="plan.beats_emptied", params={"beats": list(emptied)}
            )
        changed.update(session.execute(text(queries.TAKE_FROM_OTHER_BEATS), params).scalars())
        session.execute(text(queries.GIVE_TO_BEAT), params)
    changed.add(target.code)
    split = session.execute(
        text(queries.SPLIT_VILLAGES), {"plan_id": plan_id, "station_id": station_id}
    ).all()
    warnings = [
        {
            "kind": "split_village",
            "village": s.name,
            "village_id": s.id,
            "beats": list(s.beats),
            "location": [s.lon, s.lat],
            "message": f"村/社区 {s.name} 被分到多个警务区 ({', '.join(s.beats)})",
        }
        for s in split
    ]
    return {"changed_beats": sorted(changed), "warnings": warnings}
