"""Undo/redo of a draft, kept on the server (`plan_step`): it survives a reload and another device.

Each accepted edit stores the units and beats it touched, before and after, and a Chinese label naming
what changed. A unit that only changed owner is stored as its id and beat (no geometry: a paint's step is a
few hundred bytes, not the village's outline twice); a unit split or created carries its WKB.
Undo replays `after → before`, redo `before → after`; a new edit drops the undone steps
(the redo branch). Steps are applied under the plan's row lock like every edit; beat versions move on.
"""

from typing import Any

import shapely
from shapely import from_wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.errors import Conflict
from api.plans import units as U

# the undone steps are dropped and the new step stored in one statement (its seq follows every old one)
INSERT_STEP = """
WITH dropped AS (DELETE FROM plan_step WHERE plan_id = :plan_id AND undone)
INSERT INTO plan_step (plan_id, seq, kind, label, before, after, user_id, created_at)
VALUES (:plan_id, coalesce((SELECT max(seq) FROM plan_step WHERE plan_id = :plan_id), 0) + 1,
        :kind, :label, CAST(:before AS jsonb), CAST(:after AS jsonb), :user_id, clock_timestamp())
RETURNING seq
"""
LAST_DONE = """
SELECT id, seq, kind, label, before, after FROM plan_step
WHERE plan_id = :plan_id AND NOT undone ORDER BY seq DESC LIMIT 1
"""
FIRST_UNDONE = """
SELECT id, seq, kind, label, before, after FROM plan_step
WHERE plan_id = :plan_id AND undone ORDER BY seq LIMIT 1
"""
MARK = "UPDATE plan_step SET undone = :undone WHERE id = :id"
LIST_STEPS = """
SELECT s.seq, s.kind, s.label, s.undone, s.created_at, u.username AS by
FROM plan_step s LEFT JOIN app_user u ON u.id = s.user_id
WHERE s.plan_id = :plan_id ORDER BY s.seq
"""
INSERT_BEAT_WITH_ID = """
INSERT INTO beat (id, plan_id, code, name, kind, geom, version, locked)
VALUES (:id, :plan_id, :code, :name, :kind, ST_Multi(ST_GeomFromWKB(:wkb, 4326)), 1, :locked)
"""
UPDATE_BEAT_ATTRS = """
UPDATE beat SET name = :name, kind = :kind, locked = :locked, version = version + 1, updated_at = now()
WHERE id = :id AND plan_id = :plan_id
"""
DELETE_BEAT = "DELETE FROM beat WHERE id = :id AND plan_id = :plan_id"
UNIT_SHAPES = "SELECT ST_AsBinary(geom) FROM plan_unit WHERE plan_id = :plan_id AND id = ANY(:ids)"
BEAT_ROWS = "SELECT id, code, name, kind, locked FROM beat WHERE plan_id = :plan_id AND id = ANY(:ids)"


def unit_json(u: U.Unit, *, with_geometry: bool = True) -> dict[str, Any]:
    out = {"id": u.id, "village_id": u.village_id, "beat_id": u.beat_id}
    if with_geometry:
        out["wkb"] = shapely.to_wkb(u.geom, hex=True)
    return out


def beat_json(row) -> dict[str, Any]:
    return {"id": row.id, "code": row.code, "name": row.name, "kind": row.kind, "locked": bool(row.locked)}


def beats_json(session: Session, plan_id: int, ids) -> list[dict[str, Any]]:
    rows = session.execute(text(BEAT_ROWS), {"plan_id": plan_id, "ids": sorted(ids)}).all()
    return [beat_json(r) for r in rows]


def record(
    session: Session, *, plan_id: int, user_id: int | None, kind: str, label: str,
    before: dict[str, Any], after: dict[str, Any],
) -> int:
    """Store an accepted edit as the newest step (dropping what could have been redone)."""
    import json

    return session.execute(
        text(INSERT_STEP),
        {"plan_id": plan_id, "kind": kind, "label": label, "before": json.dumps(before),
         "after": json.dumps(after), "user_id": user_id},
    ).scalar_one()


def record_edit(
    session: Session, *, edit: U.Edit, user_id: int | None, kind: str, label: str,
    beats_before: list[dict[str, Any]] | None = None, beats_after: list[dict[str, Any]] | None = None,
) -> int:
    def shape(u: U.Unit) -> bool:  # split (before) or new (after): replayed with its geometry
        return u.id is None or u.id in edit.removed_ids or u.id not in edit.units

    return record(
        session, plan_id=edit.plan_id, user_id=user_id, kind=kind, label=label,
        before={"units": [unit_json(u, with_geometry=shape(u)) for u in edit.before_units()],
                "beats": beats_before or []},
        after={"units": [unit_json(u, with_geometry=shape(u)) for u in edit.after_units()],
               "beats": beats_after or []},
    )


def _apply(session: Session, plan_id: int, frm: dict[str, Any], to: dict[str, Any]) -> None:
    """Replace the state `frm` by the state `to` (units and beats the step touched)."""
    p = {"plan_id": plan_id}
    frm_beats = {b["id"]: b for b in frm.get("beats", [])}
    to_beats = {b["id"]: b for b in to.get("beats", [])}
    for beat_id, b in to_beats.items():
        if beat_id not in frm_beats:  # re-create a beat (placeholder geometry, re-derived below)
            mine = [u for u in to["units"] if u["beat_id"] == beat_id]
            own = [from_wkb(u["wkb"]) for u in mine if "wkb" in u]
            kept = [u["id"] for u in mine if "wkb" not in u]  # units that only change owner: stored geometry
            if kept:
                own += [from_wkb(bytes(w)) for w in session.execute(text(UNIT_SHAPES), {**p, "ids": kept}).scalars()]
            shape = U._polygonal(shapely.union_all(own))
            session.execute(text(INSERT_BEAT_WITH_ID), {**p, **b, "wkb": shapely.to_wkb(shape)})
    # units stored with their geometry are replaced (split/new pieces); the others only change owner
    gone = [u["id"] for u in frm.get("units", []) if u["id"] is not None and "wkb" in u]
    if gone:
        session.execute(text(U.DELETE_UNITS), {**p, "ids": gone})
    owners = [(u["id"], u["beat_id"]) for u in to.get("units", []) if "wkb" not in u]
    if owners:
        session.execute(text(U.MOVE_UNITS_TO), {**p, "ids": [i for i, _ in owners],
                                                "beat_ids": [b for _, b in owners]})
    for u in to.get("units", []):
        if "wkb" not in u:
            continue
        session.execute(
            text(U.INSERT_UNIT),
            {**p, "id": u["id"], "village_id": u["village_id"], "beat_id": u["beat_id"],
             "wkb": bytes.fromhex(u["wkb"])},
        )
    for beat_id in frm_beats:
        if beat_id not in to_beats:
            session.execute(text(DELETE_BEAT), {**p, "id": beat_id})
    for beat_id, b in to_beats.items():
        if beat_id in frm_beats and b != frm_beats[beat_id]:
            session.execute(text(UPDATE_BEAT_ATTRS), {**p, **b})
    touched = {u["beat_id"] for u in frm.get("units", []) + to.get("units", []) if u["beat_id"] is not None}
    touched -= set(frm_beats) - set(to_beats)
    U.rederive(session, plan_id=plan_id, beat_ids=sorted(touched))


def undo(session: Session, *, plan_id: int) -> dict[str, Any]:
    step = session.execute(text(LAST_DONE), {"plan_id": plan_id}).first()
    if step is None:
        raise Conflict("nothing to undo in this draft", code="plan.nothing_to_undo", params={"plan_id": plan_id})
    _apply(session, plan_id, step.after, step.before)
    session.execute(text(MARK), {"id": step.id, "undone": True})
    return {"seq": step.seq, "kind": step.kind, "label": step.label}


def redo(session: Session, *, plan_id: int) -> dict[str, Any]:
    step = session.execute(text(FIRST_UNDONE), {"plan_id": plan_id}).first()
    if step is None:
        raise Conflict("nothing to redo in this draft", code="plan.nothing_to_redo", params={"plan_id": plan_id})
    _apply(session, plan_id, step.before, step.after)
    session.execute(text(MARK), {"id": step.id, "undone": False})
    return {"seq": step.seq, "kind": step.kind, "label": step.label}


def steps(session: Session, *, plan_id: int) -> dict[str, Any]:
    """The history: steps oldest first, with who and when (China time), and whether undo/redo apply."""
    from api.clock import CHINA_STANDARD_TIME

    rows = session.execute(text(LIST_STEPS), {"plan_id": plan_id}).all()
    items = [
        {"seq": r.seq, "kind": r.kind, "label": r.label, "undone": r.undone, "by": r.by,
         "at": r.created_at.astimezone(CHINA_STANDARD_TIME).isoformat()}
        for r in rows
    ]
    return {
        "plan_id": plan_id,
        "steps": items,
        "can_undo": any(not s["undone"] for s in items),
        "can_redo": any(s["undone"] for s in items),
    }


ALL_BEAT_IDS = "SELECT id FROM beat WHERE plan_id = :plan_id"
DELETE_PLAN_UNITS = "DELETE FROM plan_unit WHERE plan_id = :plan_id"


def snapshot(session: Session, *, plan_id: int) -> dict[str, Any]:
    """All units and beats of the plan (for whole-plan steps such as 自动均衡)."""
    rows = session.execute(text(U.PLAN_UNITS), {"plan_id": plan_id}).all()
    units = [{"id": r.id, "village_id": r.village_id, "beat_id": r.beat_id, "wkb": bytes(r.wkb).hex()} for r in rows]
    ids = session.execute(text(ALL_BEAT_IDS), {"plan_id": plan_id}).scalars().all()
    return {"units": units, "beats": beats_json(session, plan_id, ids)}


def rebuild_units(session: Session, *, plan_id: int, station_id: int) -> None:
    """Units cut again from the beats (after an edit that wrote beat geometry directly, e.g. propose)."""
    session.execute(text(DELETE_PLAN_UNITS), {"plan_id": plan_id})
    U.ensure_units(session, plan_id=plan_id, station_id=station_id)
