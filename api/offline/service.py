"""The offline beat pack: what the user's device keeps for working without a network (issue 16).

The pack holds the user's own beats only (the beats of their scope they are a member of: a station chief's
scope is the station, their pack only the beats they walk), with identities masked in
SQL, the worklist as GET /api/worklist answers it, and an expiry the web app enforces (it wipes the pack
at expiry, at sign-out and when the next online start finds the session ended). A download is audited
once (action `offline.pack`, the beat codes as object id), in the transaction of the read.
"""
import json
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.auth.service import CurrentUser
from api.clock import china_now
from api.disputes import lifecycle
from api.offline import queries
from api.offline.schemas import PackCounts
from api.worklist import service as worklist

PACK_VERSION = 1  # the web app refuses a pack of another version (and asks for a new download)
VISITS_PER_HOUSEHOLD = 5  # the latest visits of each household, as the lookup shows them
WORKLIST_LIMIT = 500  # per worklist section
# bytes of pack JSON per item, measured on the seeded data (bench/offline_pack.py prints the real ratio)
_BYTES_PER = {"buildings": 600, "households": 280, "residents": 250, "vehicles": 110, "visits": 150}


def own_beats(*, session: Session, user: CurrentUser) -> tuple[list[int], list[str]]:
    """The beats of the user's scope they are a member of: (ids, codes)."""
    rows = session.execute(text(queries.OWN_BEATS), {"scope": list(user.beat_ids), "user_id": user.id}).all()
    return [r.id for r in rows], [r.code for r in rows]


def counts(*, session: Session, beat_ids: list[int]) -> PackCounts:
    row = session.execute(text(queries.COUNTS), {"beats": beat_ids}).one()
    return PackCounts(**row._mapping)


def estimated_bytes(found: PackCounts) -> int:
    """About the size of the pack's JSON: the counts times the bytes each item takes."""
    values = found.model_dump()
    values["visits"] = min(values["visits"], values["households"] * VISITS_PER_HOUSEHOLD)
    return 4096 + sum(_BYTES_PER[key] * values[key] for key in _BYTES_PER)


def pack(*, session: Session, user: CurrentUser, hours: int) -> tuple[str, list[str]]:
    """The pack as JSON text (PostgreSQL builds the beats and buildings; the worklist comes from its service)."""
    beat_ids, codes = own_beats(session=session, user=user)
    now = china_now()
    page = {"session": session, "beat_ids": beat_ids, "limit": WORKLIST_LIMIT, "offset": 0}
    work = {
        "beats": codes,
        "households_due": worklist.households_due(days=worklist.VISIT_INTERVAL_DAYS, **page),
        "key_persons_due": worklist.key_persons_due(**page),
        "disputes_due": worklist.disputes_due(**page),
        "disputes_red_orange": worklist.disputes_red_orange(**page),
    }
    head = {
        "version": PACK_VERSION,
        "generated_at": now.isoformat(),
        "expires_at": (now + timedelta(hours=hours)).isoformat(),
        "user": {"id": user.id, "username": user.username},
        "beat_codes": codes,
        "worklist": {k: v if isinstance(v, list) else v.model_dump(mode="json") for k, v in work.items()},
        "dispute_rules": dispute_rules(user),
    }
    body = session.execute(text(queries.PACK), {"beats": beat_ids, "visits": VISITS_PER_HOUSEHOLD}).scalar_one()
    # splice the two objects: head's keys, then the document's (both are JSON objects)
    text_ = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + "," + body.lstrip()[1:]
    return text_, codes


def dispute_rules(user: CurrentUser) -> dict[str, dict[str, dict[str, list[str]]]]:
    """What the dispute form may offer offline: per open status and mediation level, the moves and event kinds
    the lifecycle allows and the user's capabilities permit (api/disputes/lifecycle.py, as the detail's
    allowed_transitions/allowed_events). An open dispute has no return visit to check: only a resolved one can
    close. The server checks again when the queued write arrives; a refusal keeps the item for the user."""
    return {status: {level: {
        "transitions": [target for target in lifecycle.allowed_transitions(status, level, has_return_visit=False)
                        if user.can(lifecycle.transition_capability(status, target))],
        "events": [kind for kind in lifecycle.allowed_events(status, level)
                   if user.can(lifecycle.event_capability(kind))],
    } for level in lifecycle.NEXT_LEVEL} for status in lifecycle.OPEN_STATUSES}
