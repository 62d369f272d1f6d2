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
from api.clock import CHINA_STANDARD_TIME, china_now
from api.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed, PreconditionRequired
from api.plans import history, queries
from api.plans import units as U
from api.plans.beat_stats import plan_beat_stats
from api.plans.geometry_input import parse_area, station_bounds, wkb
from api.plans.stats import ensure_area_stats

MIN_SHARED_M2 = 1.0  # an assigned unit overlapping a beat by less than this only touches it


def _row(row) -> dict[str, Any]:
    return dict(row._mapping)


def _plan_dict(row) -> dict[str, Any]:
    plan = _row(row)
    for key in ("created_at", "published_at", "archived_at"):
        if plan.get(key) is not None:
            plan[key] = plan[key].astimezone(CHINA_STANDARD_TIME).isoformat()
    return plan


def require_station(user: CurrentUser) -> int:
    """The user's station id (planning is per station)."""
    if user.station_id is None:
        raise Forbidden("your account belongs to no station; plans are made per station",
                        code="account.no_station")
    return user.station_id


def get_plan_row(*, session: Session, user: CurrentUser, plan_id: int) -> dict[str, Any]:
    """The plan if the user may read it (404 otherwise: drafts of other stations do not leak)."""
    if not user.can("plan.read"):
        raise Forbidden("beat plans are for planners, station chiefs, leaders and admins",
                        code="plan.role_not_allowed")
    return _readable(user, session.execute(text(queries.GET_PLAN), {"plan_id": plan_id}).first(), plan_id)


def _readable(user: CurrentUser, row, plan_id: int) -> dict[str, Any]:
    """The plan row as a dict when the user may read it, else 404 plan.not_found."""
    if row is None:
        raise NotFound(f"plan {plan_id} not found", code="plan.not_found", params={"plan_id": plan_id})
    plan = _plan_dict(row)
    own_station = plan["station_id"] == user.station_id
    if user.can("plan.edit") and not own_station:
        raise NotFound(f"plan {plan_id} not found", code="plan.not_found", params={"plan_id": plan_id})
    if not user.can("plan.edit") and plan["status"] == "draft":
        raise NotFound(f"plan {plan_id} not found", code="plan.not_found", params={"plan_id": plan_id})
    return plan


def get_draft_for_edit(
    *, session: Session, user: CurrentUser, plan_id: int, allow_submitted: bool = False
) -> dict[str, Any]:
    """The plan, locked for this transaction, if it is a draft the user may edit (403/404/409).

    A draft submitted for approval is frozen until the chief returns it (409 plan.submitted). The plan is
    read and locked by one statement (a paint is ~10 statements in all: issue 18, ≤ 30 ms at county)."""
    if not user.can("plan.edit"):
        raise Forbidden("only planners and station chiefs edit beat plans", code="plan.edit_not_allowed")
    plan = _readable(user, session.execute(text(queries.LOCK_PLAN_ROW), {"plan_id": plan_id}).first(), plan_id)
    state = plan["review_state"]
    if plan["status"] != "draft":
        raise Conflict(f"plan {plan_id} is {plan['status']}; only drafts can be edited — create a new draft",
                       code="plan.not_draft",
                       params={"plan_id": plan_id, "status": plan["status"]})
    if state == "submitted" and not allow_submitted:
        raise Conflict(f"plan {plan_id} is waiting for the chief's approval; it cannot be edited until returned",
                       code="plan.submitted", params={"plan_id": plan_id})
    return plan


def list_plans(*, session: Session, user: CurrentUser, at: datetime | None = None) -> list[dict[str, Any]]:
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


def create_draft(*, session: Session, user: CurrentUser, name: str | None, based_on: int | None) -> int:
    """A new draft holding a copy of the current plan's beats (or of `based_on`)."""
    if not user.can("plan.edit"):
        raise Forbidden("only planners and station chiefs create draft plans", code="plan.create_not_allowed")
    station_id = require_station(user)
    # waits for a publish in progress, so the copy and created_at come after it (see publish.py)
    session.execute(text(queries.LOCK_STATION_FOR_DRAFT), {"station_id": station_id})
    if based_on is None:
        based_on = session.execute(text(queries.CURRENT_PLAN_ID), {"station_id": station_id}).scalar()
    else:
        get_plan_row(session=session, user=user, plan_id=based_on)
    name = (name or "").strip() or _default_name(session=session, station_id=station_id)
    plan_id = session.execute(
        text(queries.INSERT_PLAN),
        {"station_id": station_id, "name": name, "user_id": user.id, "based_on": based_on},
    ).scalar_one()
    if based_on is not None:
        session.execute(text(queries.COPY_BEATS), {"plan_id": plan_id, "source_id": based_on})
        U.copy_units(session, plan_id=plan_id, source_id=based_on, station_id=station_id)
    ensure_area_stats(session, station_id=station_id)
    return plan_id


def _default_name(*, session: Session, station_id: int) -> str:
    """草案 <China date and minute>, with (2), (3)… when the station already has a plan of that name."""
    base = f"草案 {china_now().strftime('%Y-%m-%d %H:%M')}"
    taken = set(session.execute(text(queries.PLAN_NAMES_LIKE), {"station_id": station_id,
                                                                 "pattern": base + "%"}).scalars())
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base} ({n})"
    return name


def rename_plan(*, session: Session, user: CurrentUser, plan_id: int, name: str) -> None:
    """Rename a draft (names need not be unique, but an empty one is refused)."""
    plan = get_draft_for_edit(session=session, user=user, plan_id=plan_id, allow_submitted=True)
    name = name.strip()
    if not name:
        raise InvalidInput("a plan needs a name", code="plan.name_empty")
    session.execute(text(queries.RENAME_PLAN), {"plan_id": plan["id"], "name": name})


def delete_draft(*, session: Session, user: CurrentUser, plan_id: int) -> None:
    """Delete a draft and its beats."""
    get_draft_for_edit(session=session, user=user, plan_id=plan_id)
    session.execute(text(queries.DELETE_PLAN), {"plan_id": plan_id})


def plan_with_beats(*, session: Session, user: CurrentUser, plan_id: int) -> dict[str, Any]:
    """The plan and its beats as a GeoJSON FeatureCollection (id, version, stats in properties)."""
    plan = get_plan_row(session=session, user=user, plan_id=plan_id)
    ensure_area_stats(session, station_id=plan["station_id"])
    stats = {r.id: r for r in plan_beat_stats(session, plan_id=plan_id)}
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
            "label": [round(float(x), 7) for x in r.label] if r.label else None,
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


def _beat(*, session: Session, plan_id: int, beat_id: int):
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


def _area_text(m2: float) -> str:
    return f"{m2 / 1e6:.3f} km²" if m2 >= 10_000 else f"{m2:,.0f} m²"


def update_beat(
    *, session: Session, user: CurrentUser, plan_id: int, beat_id: int, version: int, changes: dict[str, Any]
) -> int:
    """Change a beat's boundary/name/kind/lock if `version` is still current; the new version.

    A new boundary is applied to the plan's units: its neighbours give and take the difference, so the
    beats stay a partition (see units.py); an edit that cannot is refused and stores nothing."""
    plan = get_draft_for_edit(session=session, user=user, plan_id=plan_id)
    beat = _beat(session=session, plan_id=plan_id, beat_id=beat_id)
    if beat.version != version:
        raise _stale(beat, version)
    geometry = changes.get("geometry")
    if beat.locked and geometry is not None and changes.get("locked") is not False:
        raise Conflict(f"beat {beat.code} is locked; unlock it before changing its boundary",
                       code="beat.locked",
                       params={"beat": beat.code})
    labels: list[str] = []
    before_beats = history.beats_json(session, plan_id, [beat_id])
    attrs = {k: changes.get(k) for k in ("name", "kind", "locked") if changes.get(k) is not None}
    if attrs:
        new_version = session.execute(
            text(queries.UPDATE_BEAT),
            {"plan_id": plan_id, "beat_id": beat_id, "version": version, "wkb": None,
             "name": attrs.get("name"), "kind": attrs.get("kind"), "locked": attrs.get("locked")},
        ).scalar()
        if new_version is None:  # a concurrent edit won between our read and our write
            raise _stale(_beat(session=session, plan_id=plan_id, beat_id=beat_id), version)
        if "name" in attrs and attrs["name"] != beat.name:
            labels.append(f"{beat.code} 改名为“{attrs['name']}”")
        if "kind" in attrs and attrs["kind"] != beat.kind:
            labels.append(f"{beat.code} 改为{'城区' if attrs['kind'] == 'urban' else '农村'}警务区")
        if "locked" in attrs and attrs["locked"] != beat.locked:
            labels.append(f"{'锁定' if attrs['locked'] else '解锁'} {beat.code}")
    edit = None
    if geometry is not None:
        bounds = station_bounds(session, plan["station_id"])
        shape = parse_area(geometry, repair=bool(changes.get("repair")), bounds=bounds)
        shape = U.clip_to_jurisdiction(session, station_id=plan["station_id"], shape=shape)
        edit = U.Edit.load(session, plan_id=plan_id, station_id=plan["station_id"])
        result = U.reshape(edit, beat_id=beat_id, shape=shape)
        edit.write(session)
        parts = []
        if result["gained_m2"] > 0:
            parts.append(f"扩入 {_area_text(result['gained_m2'])}")
        if result["given"]:
            given = sorted(result["given"].items())
            parts.append("划出 " + "、".join(f"{_area_text(m2)}→{code}" for code, m2 in given))
        labels.append(f"调整 {beat.code} 边界" + (f"（{'，'.join(parts)}）" if parts else "（无变化）"))
        if not attrs:  # the version check of the geometry-only edit (rederive moved it on)
            current = _beat(session=session, plan_id=plan_id, beat_id=beat_id).version
            if current == version:
                session.execute(text(queries.BUMP_VERSION), {"plan_id": plan_id, "beat_id": beat_id})
    if not labels:
        labels.append(f"{beat.code} 无变化")
    after_beats = history.beats_json(session, plan_id, [beat_id])
    label = "；".join(labels)
    kind = "reshape" if geometry is not None else "attributes"
    if edit is not None:
        history.record_edit(session, edit=edit, user_id=user.id, kind=kind, label=label,
                            beats_before=before_beats, beats_after=after_beats)
    else:
        history.record(session, plan_id=plan_id, user_id=user.id, kind=kind, label=label,
                       before={"units": [], "beats": before_beats}, after={"units": [], "beats": after_beats})
    return _beat(session=session, plan_id=plan_id, beat_id=beat_id).version


def add_beat(
    *, session: Session,
    user: CurrentUser,
    plan_id: int,
    code: str,
    name: str,
    kind: str,
    geometry: dict,
    repair: bool = False,
) -> int:
    """A new beat in a draft: its area is taken from the beats it covers (the partition holds)."""
    plan = get_draft_for_edit(session=session, user=user, plan_id=plan_id)
    codes = set(session.execute(text(queries.BEAT_CODES), {"plan_id": plan_id}).scalars())
    if code in codes:
        raise Conflict(f"plan {plan_id} already has a beat {code}; choose another code",
                       code="beat.code_taken",
                       params={"plan_id": plan_id, "code": code})
    shape = parse_area(geometry, repair=repair, bounds=station_bounds(session, plan["station_id"]))
    shape = U.clip_to_jurisdiction(session, station_id=plan["station_id"], shape=shape)
    beat_id = (
        session.execute(
            text(queries.INSERT_BEAT),
            {"plan_id": plan_id, "code": code, "name": name, "kind": kind, "wkb": wkb(shape)},
        )
        .first()
        .id
    )
    edit = U.Edit.load(session, plan_id=plan_id, station_id=plan["station_id"])
    moved = edit.give(beat_id, shape)
    edit.write(session)  # 409 plan.beats_emptied when it took nothing, or emptied another beat
    session.execute(text(queries.RESET_VERSION), {"plan_id": plan_id, "beat_id": beat_id})  # a new beat is v1
    after_beats = history.beats_json(session, plan_id, [beat_id])
    history.record_edit(session, edit=edit, user_id=user.id, kind="add_beat",
                        label=f"新建警务区 {code}（{_area_text(moved)}）", beats_before=[], beats_after=after_beats)
    return beat_id


def delete_beat(*, session: Session, user: CurrentUser, plan_id: int, beat_id: int, version: int) -> None:
    """Remove a beat from a draft: its area goes to the neighbours it borders (refused if none)."""
    plan = get_draft_for_edit(session=session, user=user, plan_id=plan_id)
    beat = _beat(session=session, plan_id=plan_id, beat_id=beat_id)
    if beat.version != version:
        raise _stale(beat, version)
    if beat.locked:
        raise Conflict(f"beat {beat.code} is locked; unlock it before deleting it", code="beat.locked",
                       params={"beat": beat.code})
    before_beats = history.beats_json(session, plan_id, [beat_id])
    edit = U.Edit.load(session, plan_id=plan_id, station_id=plan["station_id"])
    own = [u.geom for u in edit.beat_units(beat_id)]
    given = edit.take(beat_id, U._polygonal(U.shapely.union_all(own))) if own else {}
    edit.touched_beats.discard(beat_id)
    leftover = [u for u in edit.current() if u.beat_id == beat_id]
    for u in leftover:  # slivers under the tolerance go with the first receiving neighbour
        target = next(iter(edit.touched_beats), None)
        edit.move(u, target)
    edit.touched_beats.discard(beat_id)
    edit.write(session)
    session.execute(text(queries.DELETE_BEAT), {"plan_id": plan_id, "beat_id": beat_id, "version": version})
    to = "、".join(sorted(given)) or "—"
    history.record_edit(session, edit=edit, user_id=user.id, kind="delete_beat",
                        label=f"删除警务区 {beat.code}（范围并入 {to}）", beats_before=before_beats, beats_after=[])


def assign(
    *, session: Session,
    user: CurrentUser,
    plan_id: int,
    beat_id: int,
    village_ids: list[int],
    building_ids: list[int],
) -> dict[str, Any]:
    """Paint whole villages or buildings into a beat: their units change beat, nothing else moves."""
    plan = get_draft_for_edit(session=session, user=user, plan_id=plan_id)
    station_id = plan["station_id"]
    if building_ids:
        edit = U.Edit.load(session, plan_id=plan_id, station_id=station_id)
        names = dict(session.execute(
            text(queries.STATION_VILLAGES), {"station_id": station_id, "ids": list(village_ids)}).all())
    else:  # whole villages: their units change owner, no geometry is read in Python
        edit, names = U.Edit.load_villages(session, plan_id=plan_id, station_id=station_id,
                                           village_ids=list(village_ids))
    target = edit.beats.get(beat_id)
    if target is None:
        raise NotFound(f"beat {beat_id} is not in plan {plan_id}",
                       code="beat.not_in_plan", params={"beat_id": beat_id, "plan_id": plan_id})
    if not village_ids and not building_ids:
        raise InvalidInput("name at least one village_ids or building_ids entry to assign",
                           code="plan.assign_nothing")
    if target.locked:
        raise Conflict(f"beat {target.code} is locked; unlock it before assigning to it", code="beat.locked",
                       params={"beat": target.code})
    labels = []
    if village_ids:
        missing = sorted(set(village_ids) - set(names))
        if missing:
            raise NotFound(f"villages {missing} are not in your station", code="plan.assign_not_in_station",
                           params={"kind": "village", "ids": missing})
        wanted = set(village_ids)
        units = [u for u in edit.current() if u.village_id in wanted]
        locked = sorted({edit.beats[u.beat_id].code for u in units
                         if u.beat_id not in (None, beat_id) and edit.beats[u.beat_id].locked})
        if locked:
            raise Conflict(f"the villages lie partly in locked beats {', '.join(locked)}; unlock them first",
                           code="plan.assign_locked_beats", params={"kind": "village", "beats": locked})
        sources = sorted({edit.beats[u.beat_id].code for u in units if u.beat_id not in (None, beat_id)})
        for u in units:
            edit.move(u, beat_id)
        labels.append(f"{'、'.join(names[i] for i in sorted(wanted))}"
                      f"{' 从 ' + '、'.join(sources) if sources else ''} 划入 {target.code}")
    if building_ids:
        unit = session.execute(
            text(queries.BUILDING_UNION), {"station_id": station_id, "ids": list(building_ids)}
        ).first()
        missing = sorted(set(building_ids) - set(unit.ids or []))
        if missing:
            raise NotFound(f"buildings {missing} are not in your station", code="plan.assign_not_in_station",
                           params={"kind": "building", "ids": missing})
        shape = U._polygonal(U.from_wkb(bytes(unit.wkb)))
        try:
            edit.give(beat_id, shape)
        except Conflict as exc:
            if exc.code == "plan.edit_locked_beats":
                raise Conflict(f"the buildings lie partly in locked beats {', '.join(exc.params['beats'])}; "
                               "unlock them first", code="plan.assign_locked_beats",
                               params={"kind": "building", "beats": exc.params["beats"]}) from None
            raise
        labels.append(f"{len(building_ids)} 栋房屋划入 {target.code}")
    changed = {edit.beats[b].code for b in edit.touched_beats if b in edit.beats}
    edit.write(session)
    history.record_edit(session, edit=edit, user_id=user.id, kind="assign", label="；".join(labels))
    changed.add(target.code)
    # the plan has units now (loaded above): the split villages are read from them
    split = session.execute(text(queries.SPLIT_VILLAGES_BY_UNITS), {"plan_id": plan_id}).all()
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
    return {"changed_beats": sorted(changed), "warnings": warnings,
            "beats": changed_beats(session, plan_id=plan_id, beat_ids=edit.touched_beats | {beat_id})}


def changed_beats(session: Session, *, plan_id: int, beat_ids) -> list[dict[str, Any]]:
    """The new version and figures of the beats an edit changed (summed for those beats only)."""
    return [{"id": r.id, "code": r.code, "version": r.version, "stats": beat_stats_dict(r)}
            for r in plan_beat_stats(session, plan_id=plan_id, beat_ids=sorted(beat_ids))]
