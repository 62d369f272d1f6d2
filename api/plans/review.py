"""Approval of a draft: the planner submits it with a note, the chief approves (→ publish) or returns it.

A submitted draft is frozen (edits answer 409 plan.submitted) until the chief returns it; every event
(who, when, what, why) is kept in `plan_review` and readable with the plan. Runs in the route's
transaction under the plan's row lock.
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.clock import CHINA_STANDARD_TIME
from api.config import Settings
from api.errors import Conflict, Forbidden, InvalidInput
from api.plans import publish, service

SET_STATE = "UPDATE beat_plan SET review_state = :state WHERE id = :plan_id"
ADD_EVENT = """
INSERT INTO plan_review (plan_id, action, note, user_id, created_at)
VALUES (:plan_id, :action, :note, :user_id, clock_timestamp())
"""
EVENTS = """
SELECT r.action, r.note, u.username AS by, r.created_at FROM plan_review r
LEFT JOIN app_user u ON u.id = r.user_id WHERE r.plan_id = :plan_id ORDER BY r.created_at, r.id
"""


def _event(session: Session, plan_id: int, action: str, note: str, user: CurrentUser) -> None:
    session.execute(text(ADD_EVENT), {"plan_id": plan_id, "action": action, "note": note, "user_id": user.id})


def submit(session: Session, *, user: CurrentUser, plan_id: int, note: str) -> None:
    """Planner: hand the draft to the chief (frozen until returned)."""
    service.get_draft_for_edit(session=session, user=user, plan_id=plan_id)  # 409 plan.submitted when already
    session.execute(text(SET_STATE), {"plan_id": plan_id, "state": "submitted"})
    _event(session, plan_id, "submit", note.strip(), user)


def _submitted(session: Session, *, user: CurrentUser, plan_id: int) -> dict[str, Any]:
    if not user.can("plan.publish"):
        raise Forbidden("only the station chief approves or returns a submitted plan",
                        code="plan.review_chief_only")
    plan = service.get_draft_for_edit(session=session, user=user, plan_id=plan_id, allow_submitted=True)
    if plan["review_state"] != "submitted":
        raise Conflict(f"plan {plan_id} has not been submitted for approval", code="plan.not_submitted",
                       params={"plan_id": plan_id})
    return plan


def return_plan(session: Session, *, user: CurrentUser, plan_id: int, note: str) -> None:
    """Chief: send the draft back to the planner with comments (it can be edited again)."""
    _submitted(session, user=user, plan_id=plan_id)
    if not note.strip():
        raise InvalidInput("say what should change when returning a plan", code="plan.return_note_required")
    session.execute(text(SET_STATE), {"plan_id": plan_id, "state": "returned"})
    _event(session, plan_id, "return", note.strip(), user)


def approve(
    session: Session, *, user: CurrentUser, plan_id: int, note: str, settings: Settings
) -> dict[str, Any]:
    """Chief: approve the submitted draft, which publishes it (same checks as publish)."""
    plan = _submitted(session, user=user, plan_id=plan_id)
    result = publish.publish_plan(session, user=user, plan=plan, settings=settings)
    session.execute(text(SET_STATE), {"plan_id": plan_id, "state": None})
    _event(session, plan_id, "approve", note.strip(), user)
    return result


def record_publish(session: Session, *, user: CurrentUser, plan_id: int) -> None:
    """A direct publish by the chief (without submit) is part of the plan's review history too."""
    session.execute(text(SET_STATE), {"plan_id": plan_id, "state": None})
    _event(session, plan_id, "publish", "", user)


def events(session: Session, *, user: CurrentUser, plan_id: int) -> dict[str, Any]:
    plan = service.get_plan_row(session=session, user=user, plan_id=plan_id)
    rows = session.execute(text(EVENTS), {"plan_id": plan_id}).all()
    return {
        "plan_id": plan_id,
        "status": plan["status"],
        "review_state": plan.get("review_state"),
        "events": [
            {"action": r.action, "note": r.note, "by": r.by,
             "at": r.created_at.astimezone(CHINA_STANDARD_TIME).isoformat()}
            for r in rows
        ],
    }
