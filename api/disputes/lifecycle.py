"""The dispute lifecycle as data: transitions, event rules, time limits (no database, no FastAPI).

Decisions (the seed documents' 四色分级 and 三级联调, made concrete):
- status: open → mediating → resolved → closed; open/mediating → escalated raises the mediation
  level village → station → county, and escalated → mediating resumes at the higher level;
  resolved → mediating reopens a dispute whose agreement did not hold. Closed is final.
- closing needs a return visit (回访) recorded after the resolution.
- first response is due within a limit per grade (red 24 h, orange 3 d, yellow 7 d, green 15 d);
  any mediation, agreement, escalation or move to mediating is a response (a note is not).
- mediation should end within MEDIATION_DAYS of the report (人民调解: 一般在一个月内调结).
- a resolution schedules the return visit RETURN_VISIT_DAYS later.
- grid members (网格员, mediators) report disputes and record events (a mediation session starts
  mediation); other status changes and escalation are for officers, auxiliaries and the chief: which
  capability (api/auth/capabilities.py) each move and event needs is `transition_capability` /
  `event_capability`.
"""

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("mediating", "escalated"),
    "mediating": ("resolved", "escalated"),
    "escalated": ("mediating",),
    "resolved": ("closed", "mediating"),
    "closed": (),
}
NEXT_LEVEL: dict[str, str | None] = {"village": "station", "station": "county", "county": None}

# event kind → statuses in which it may be recorded
EVENT_STATUSES: dict[str, tuple[str, ...]] = {
    "mediation": ("open", "mediating", "escalated"),
    "agreement": ("mediating",),
    "return_visit": ("resolved",),
    "escalation": ("open", "mediating"),
    "note": ("open", "mediating", "escalated", "resolved", "closed"),
}
USER_EVENT_KINDS = tuple(EVENT_STATUSES)
RESPONSE_KINDS = ("mediation", "agreement", "escalation")

RESPONSE_LIMIT_HOURS: dict[str, int] = {"red": 24, "orange": 72, "yellow": 168, "green": 360}
MEDIATION_DAYS = 30
RETURN_VISIT_DAYS = 15
LOCAL_TZ = "Asia/Shanghai"  # calendar days and months are counted in China Standard Time
OPEN_STATUSES = ("open", "mediating", "escalated")
PARTY_SIDES = ("applicant", "respondent", "third_party")


def transition_capability(status: str, target: str) -> str:
    """The capability a move from `status` to `target` needs: starting mediation is `dispute.mediate`,
    escalating `dispute.escalate`, every other move (resolve, close, reopen) `dispute.resolve`."""
    if target == "escalated":
        return "dispute.escalate"
    if target == "mediating" and status in ("open", "escalated"):
        return "dispute.mediate"
    return "dispute.resolve"


def event_capability(kind: str) -> str:
    """The capability recording an event of this kind needs (an escalation event escalates)."""
    return "dispute.escalate" if kind == "escalation" else "dispute.record"


def allowed_transitions(status: str, level: str, *, has_return_visit: bool) -> list[str]:
    """Statuses this dispute may move to now (guards applied)."""
    allowed = []
    for target in TRANSITIONS.get(status, ()):
        if target == "escalated" and NEXT_LEVEL.get(level) is None:
            continue
        if target == "closed" and not has_return_visit:
            continue
        allowed.append(target)
    return allowed


def allowed_events(status: str, level: str) -> list[str]:
    """Event kinds that may be recorded on a dispute in this status and level."""
    kinds = [kind for kind, statuses in EVENT_STATUSES.items() if status in statuses]
    if NEXT_LEVEL.get(level) is None and "escalation" in kinds:
        kinds.remove("escalation")
    return kinds


def refusal_code(status: str, target: str, level: str) -> str:
    """The error code of a refused move, by the same cases as transition_refusal."""
    if target == status:
        return "dispute.already_in_status"
    if target == "escalated" and target in TRANSITIONS.get(status, ()) and NEXT_LEVEL.get(level) is None:
        return "dispute.highest_level"
    if target == "closed" and status == "resolved":
        return "dispute.close_needs_return_visit"
    if status == "closed":
        return "dispute.closed_final"
    return "dispute.transition_not_allowed"


def transition_refusal(status: str, target: str, level: str, allowed: list[str]) -> str:
    """Why a move from `status` to `target` is refused, naming the allowed moves."""
    names = ", ".join(allowed) if allowed else "none"
    if target == status:
        reason = f"the dispute is already {status}"
    elif target == "escalated" and target in TRANSITIONS.get(status, ()) and NEXT_LEVEL.get(level) is None:
        reason = "the dispute is already mediated at county level, the highest of 三级联调"
    elif target == "closed" and status == "resolved":
        reason = ("closing needs a return visit (回访) after the resolution: "
                  "record an event of kind return_visit")
    elif status == "closed":
        reason = "a closed dispute is final"
    else:
        reason = f"a dispute that is {status} cannot become {target}"
    return f"{reason}; allowed from {status}: {names}"
