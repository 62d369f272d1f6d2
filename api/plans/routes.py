"""Routes of beat planning (/api/plans) and live area stats (POST /api/beats/stats); writes commit here."""

from datetime import datetime

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from sqlalchemy.orm import Session

from api.auth.dependencies import api_read_session, current_user
from api.auth.service import CurrentUser
from api.db import DbSession
from api.errors import Forbidden
from api.plans import checks, history, propose, publish, rebalance, review, service
from api.plans.geometry_input import parse_area
from api.plans.schemas import (
    AreaStats,
    AssignOut,
    AssignRequest,
    BeatCreate,
    BeatUpdate,
    CheckOut,
    DiffOut,
    HistoryOut,
    PlanBeatFeature,
    PlanCreate,
    PlanOut,
    PlanRename,
    PlanSummary,
    ProposeOut,
    ProposeRequest,
    PublishOut,
    ReviewNote,
    ReviewOut,
    UndoOut,
)
from api.plans.stats import area_stats
from api.scope import audit

router = APIRouter(prefix="/api", tags=["plans"])
BALANCE_ON_ZH = {"residents": "人口", "households": "户数", "workload": "工作量"}


@router.get("/plans", response_model=list[PlanSummary])
def list_plans(
    *,
    at: datetime | None = Query(None, description="the plan in force at this moment"),
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> list[dict]:
    """Plans of the user's station, newest first; with `at`, the plan that was current then."""
    return service.list_plans(session=session, user=user, at=at)


@router.post("/plans", status_code=201, response_model=PlanOut)
def create_plan(
    *,
    request: Request,
    body: PlanCreate | None = None,
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """A draft copied from the current plan (or from `based_on`)."""
    body = body or PlanCreate()
    plan_id = service.create_draft(session=session, user=user, name=body.name, based_on=body.based_on)
    audit(request, session, user, action="plan.create", object_type="beat_plan", object_id=plan_id)
    session.commit()
    plan = service.plan_with_beats(session=session, user=user, plan_id=plan_id)
    session.commit()  # the per-beat sums it cached (beat_stats.py)
    return plan


@router.get("/plans/{plan_id}", response_model=PlanOut)
def get_plan(
    *,
    plan_id: int, user: CurrentUser = Depends(current_user), session: DbSession
) -> dict:
    """The plan with its beats as a FeatureCollection (id, version, members, stats per beat)."""
    plan = service.plan_with_beats(session=session, user=user, plan_id=plan_id)
    session.commit()  # the per-beat sums it cached (beat_stats.py)
    return plan


@router.delete("/plans/{plan_id}", status_code=204)
def delete_plan(
    *,
    plan_id: int,
    request: Request,
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> Response:
    """Discard a draft."""
    service.delete_draft(session=session, user=user, plan_id=plan_id)
    audit(request, session, user, action="plan.delete", object_type="beat_plan", object_id=plan_id)
    session.commit()
    return Response(status_code=204)


@router.patch("/plans/{plan_id}", response_model=PlanOut)
def rename_plan(
    *,
    plan_id: int,
    body: PlanRename,
    request: Request,
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """Rename a draft."""
    service.rename_plan(session=session, user=user, plan_id=plan_id, name=body.name)
    audit(request, session, user, action="plan.rename", object_type="beat_plan", object_id=plan_id)
    session.commit()
    return service.plan_with_beats(session=session, user=user, plan_id=plan_id)


@router.get("/plans/{plan_id}/history", response_model=HistoryOut)
def plan_history(
    *,
    plan_id: int, user: CurrentUser = Depends(current_user), session: DbSession
) -> dict:
    """The draft's edit steps, oldest first, each naming what changed (undo/redo kept on the server)."""
    service.get_plan_row(session=session, user=user, plan_id=plan_id)
    return history.steps(session, plan_id=plan_id)


def _replay(request: Request, session: Session, user: CurrentUser, plan_id: int, which: str) -> dict:
    service.get_draft_for_edit(session=session, user=user, plan_id=plan_id)
    step = history.undo(session, plan_id=plan_id) if which == "undo" else history.redo(session, plan_id=plan_id)
    audit(request, session, user, action=f"plan.{which}", object_type="beat_plan", object_id=plan_id,
          reason_code="plan.step", reason_params={"seq": step["seq"], "label": step["label"]})
    session.commit()
    result = history.steps(session, plan_id=plan_id)
    result["step"] = next(s for s in result["steps"] if s["seq"] == step["seq"])
    return result


@router.post("/plans/{plan_id}/undo", response_model=UndoOut)
def undo(
    *,
    plan_id: int, request: Request, user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """Undo the draft's latest step (409 plan.nothing_to_undo)."""
    return _replay(request, session, user, plan_id, "undo")


@router.post("/plans/{plan_id}/redo", response_model=UndoOut)
def redo(
    *,
    plan_id: int, request: Request, user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """Redo the step undone last (409 plan.nothing_to_redo)."""
    return _replay(request, session, user, plan_id, "redo")


@router.get("/plans/{plan_id}/review", response_model=ReviewOut)
def plan_review(
    *,
    plan_id: int, user: CurrentUser = Depends(current_user), session: DbSession
) -> dict:
    """Submit / return / approve history of a plan (who, when, note)."""
    return review.events(session, user=user, plan_id=plan_id)


@router.post("/plans/{plan_id}/submit", response_model=ReviewOut)
def submit_plan(
    *,
    plan_id: int, request: Request, body: ReviewNote | None = None,
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> dict:
    """Planner: submit the draft to the station chief with a note (the draft is frozen until returned)."""
    note = (body or ReviewNote()).note
    review.submit(session, user=user, plan_id=plan_id, note=note)
    audit(request, session, user, action="plan.submit", object_type="beat_plan", object_id=plan_id, reason=note)
    session.commit()
    return review.events(session, user=user, plan_id=plan_id)


@router.post("/plans/{plan_id}/return", response_model=ReviewOut)
def return_plan(
    *,
    plan_id: int, body: ReviewNote, request: Request,
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> dict:
    """Chief: return a submitted draft with comments (editable again)."""
    review.return_plan(session, user=user, plan_id=plan_id, note=body.note)
    audit(request, session, user, action="plan.return", object_type="beat_plan", object_id=plan_id,
          reason=body.note)
    session.commit()
    return review.events(session, user=user, plan_id=plan_id)


@router.post("/plans/{plan_id}/approve", response_model=PublishOut)
def approve_plan(
    *,
    plan_id: int, request: Request, body: ReviewNote | None = None,
    user: CurrentUser = Depends(current_user), session: DbSession,
) -> dict:
    """Chief: approve a submitted draft, which publishes it (409 with the problems if checks fail)."""
    note = (body or ReviewNote()).note
    result = review.approve(session, user=user, plan_id=plan_id, note=note, settings=request.app.state.settings)
    audit(request, session, user, action="plan.approve", object_type="beat_plan", object_id=plan_id,
          reason=note, reason_code="plan.published",
          reason_params={"archived_plan_id": result["archived_plan_id"], "households": result["households"]})
    session.commit()
    return result


def _beat_feature(session: Session, user: CurrentUser, plan_id: int, beat_id: int) -> dict:
    plan = service.plan_with_beats(session=session, user=user, plan_id=plan_id)
    session.commit()  # the per-beat sums it cached (beat_stats.py)
    return next(f for f in plan["beats"]["features"] if f["id"] == beat_id)


@router.post("/plans/{plan_id}/beats", status_code=201, response_model=PlanBeatFeature)
def add_beat(
    *,
    plan_id: int,
    body: BeatCreate,
    request: Request,
    response: Response,
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """Add a beat to a draft."""
    beat_id = service.add_beat(
        session=session,
        user=user,
        plan_id=plan_id,
        code=body.code,
        name=body.name,
        kind=body.kind,
        geometry=body.geometry,
        repair=body.repair,
    )
    audit(request, session, user, action="plan.beat.create", object_type="beat", object_id=beat_id)
    session.commit()
    response.headers["ETag"] = '"1"'
    return _beat_feature(session, user, plan_id, beat_id)


@router.put("/plans/{plan_id}/beats/{beat_id}", response_model=PlanBeatFeature)
def update_beat(
    *,
    plan_id: int,
    beat_id: int,
    body: BeatUpdate,
    request: Request,
    response: Response,
    if_match: str | None = Header(None),
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """Change a beat's boundary/name/kind/lock; needs If-Match: <version> (428 missing, 412 stale)."""
    version = service.parse_if_match(if_match)
    changes = body.model_dump(exclude_unset=True)
    new_version = service.update_beat(
        session=session, user=user, plan_id=plan_id, beat_id=beat_id, version=version, changes=changes
    )
    what = sorted(k for k in changes if k != "repair")
    audit(
        request,
        session,
        user,
        action="plan.beat.update",
        object_type="beat",
        object_id=beat_id,
        reason_code="plan.beat_updated",
        reason_params={"from_version": version, "to_version": new_version, "fields": what},
    )
    session.commit()
    response.headers["ETag"] = f'"{new_version}"'
    return _beat_feature(session, user, plan_id, beat_id)


@router.delete("/plans/{plan_id}/beats/{beat_id}", status_code=204)
def delete_beat(
    *,
    plan_id: int,
    beat_id: int,
    request: Request,
    if_match: str | None = Header(None),
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> Response:
    """Remove a beat from a draft (If-Match required)."""
    version = service.parse_if_match(if_match)
    service.delete_beat(session=session, user=user, plan_id=plan_id, beat_id=beat_id, version=version)
    audit(request, session, user, action="plan.beat.delete", object_type="beat", object_id=beat_id)
    session.commit()
    return Response(status_code=204)


@router.post("/plans/{plan_id}/assign", response_model=AssignOut)
def assign(
    *,
    plan_id: int,
    body: AssignRequest,
    request: Request,
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """Move whole villages and/or buildings into a beat; warns about villages split between beats."""
    result = service.assign(
        session=session,
        user=user,
        plan_id=plan_id,
        beat_id=body.beat_id,
        village_ids=body.village_ids,
        building_ids=body.building_ids,
    )
    audit(
        request,
        session,
        user,
        action="plan.assign",
        object_type="beat",
        object_id=body.beat_id,
        reason_code="plan.assigned",
        reason_params={"villages": len(body.village_ids), "buildings": len(body.building_ids),
                       "village_ids": body.village_ids},
    )
    session.commit()
    return result


# problems and beats carry only the keys of their kind: exclude_unset sends no nulls for the others
@router.get("/plans/{plan_id}/check", response_model=CheckOut, response_model_exclude_unset=True)
def check(
    *,
    plan_id: int,
    request: Request,
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """Rule checks with locations: errors block publishing, warnings inform."""
    plan = service.get_plan_row(session=session, user=user, plan_id=plan_id)
    result = checks.check_plan(session, plan=plan, settings=request.app.state.settings)
    session.commit()  # the per-beat sums it cached (beat_stats.py)
    return result


@router.get("/plans/{plan_id}/diff", response_model=DiffOut, response_model_exclude_unset=True)
def diff(
    *,
    plan_id: int,
    request: Request,
    households_of: list[int] = Query([], description="chiefs only: building ids to list households of"),
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """What changes beat against the current plan, as buildings, villages and counts."""
    plan = service.get_plan_row(session=session, user=user, plan_id=plan_id)
    result = publish.diff_plan(session, plan=plan)
    if households_of:
        if not user.can("plan.diff.households"):
            raise Forbidden("only the station chief may list the households behind the diff",
                            code="plan.diff_households_chief_only")
        result["households"] = publish.household_moves(session, plan=plan, building_ids=households_of[:200])
        audit(
            request,
            session,
            user,
            action="plan.diff.households",
            object_type="beat_plan",
            object_id=plan_id,
            reason_code="plan.diff_households",
            reason_params={"buildings": len(households_of[:200]), "building_ids": households_of[:200]},
        )
        session.commit()
    return result


@router.post("/plans/{plan_id}/publish", response_model=PublishOut)
def publish_plan(
    *,
    plan_id: int,
    request: Request,
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """Station chief: make the draft current in one transaction (409 with the problems if checks fail)."""
    plan = service.get_draft_for_edit(session=session, user=user, plan_id=plan_id, allow_submitted=True)
    result = publish.publish_plan(session, user=user, plan=plan, settings=request.app.state.settings)
    review.record_publish(session, user=user, plan_id=plan_id)
    audit(
        request,
        session,
        user,
        action="plan.publish",
        object_type="beat_plan",
        object_id=plan_id,
        reason_code="plan.published",
        reason_params={"archived_plan_id": result["archived_plan_id"], "households": result["households"]},
    )
    session.commit()
    return result


@router.post("/plans/{plan_id}/propose", response_model=ProposeOut)
def propose_plan(
    *,
    plan_id: int,
    request: Request,
    body: ProposeRequest | None = None,
    user: CurrentUser = Depends(current_user),
    session: DbSession,
) -> dict:
    """Rebuild the draft's unlocked beats as balanced, contiguous unions of villages."""
    body = body or ProposeRequest()
    plan = service.get_draft_for_edit(session=session, user=user, plan_id=plan_id)
    before = history.snapshot(session, plan_id=plan_id)
    if body.objective == "min_change" and body.beats is None:
        result = rebalance.rebalance(session, plan=plan, balance_on=body.balance_on, target_ratio=body.target_ratio,
                                     settings=request.app.state.settings)
        split = f"，拆分 {result['villages_split']} 个村/社区" if result.get("villages_split") else ""
        proof = "已证明最优" if result["optimal"] else "未证明最优"
        label = (f"自动均衡（最小变动，按{BALANCE_ON_ZH[body.balance_on]}，迁移 {result['households_moved']} 户"
                 f"{split}，{proof}）")
    else:
        result = propose.propose(session, plan=plan, beats=body.beats, balance_on=body.balance_on)
        history.rebuild_units(session, plan_id=plan_id, station_id=plan["station_id"])
        label = f"自动均衡（按{BALANCE_ON_ZH[body.balance_on]}）"
    history.record(session=session, plan_id=plan_id, user_id=user.id, kind="propose", label=label,
                   before=before, after=history.snapshot(session, plan_id=plan_id))
    audit(
        request,
        session,
        user,
        action="plan.propose",
        object_type="beat_plan",
        object_id=plan_id,
        reason_code="plan.proposed", reason_params={"balance_on": body.balance_on, "ratio": result["balance_ratio"],
                                                   "objective": result.get("objective", "regrow"),
                                                   "households_moved": result.get("households_moved")},
    )
    session.commit()
    result["plan"] = service.plan_with_beats(session=session, user=user, plan_id=plan_id)
    session.commit()  # the per-beat sums it cached (beat_stats.py)
    return result


@router.post("/beats/stats", response_model=AreaStats)
def beat_stats(
    geometry: dict = Body(..., description="GeoJSON Polygon/MultiPolygon (or Feature), lon/lat"),
    repair: bool = Query(False),
    user: CurrentUser = Depends(current_user),
    session: Session = Depends(api_read_session),
) -> dict:
    """Aggregates of any drawn area: households, residents, floating, incidents (12 months), villages, km²."""
    area = parse_area(geometry, repair=repair)
    return area_stats(session, area=area)
