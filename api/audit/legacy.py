"""Rows written before migration 0008 keep the server's English sentence in `reason`; read it back into the
code and values a new row carries, so the log shows old and new rows alike in Chinese.

Only sentences the server itself wrote are recognised (the patterns below are the f-strings of the code
before 0008); anything else — text a person typed — stays `reason` as it is.
"""
import re
from collections.abc import Callable

_LOGIN = {"unknown user": "login.unknown_user", "account disabled": "login.disabled", "locked": "login.locked",
          "wrong password; locked now": "login.wrong_password_locked", "wrong password": "login.wrong_password",
          "rate limited": "login.rate_limited"}


def _filters(text: str) -> dict:
    out = {}
    for part in (text or "").split(", "):
        key, sep, value = part.partition("=")
        if sep and key in ("user", "object_type", "object_id", "action", "outcome", "since", "until"):
            out[key] = value
    return out


def _ints(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def _changes(text: str) -> list[dict]:
    """'field: old → new; …' lines (user.update, beat.members)."""
    out = []
    for line in text.split("; "):
        field, sep, rest = line.partition(": ")
        old, arrow, new = rest.partition(" → ")
        if sep and arrow:
            out.append({"field": field, "old": old, "new": new})
    return out


Reader = Callable[[re.Match], tuple[str, dict, str | None]]

# (action or None for any, pattern, reader → (reason_code, reason_params, reason left as typed text))
_PATTERNS: list[tuple[str | None, re.Pattern, Reader]] = [
    ("audit.read", re.compile(r"^(\d+) rows from (\d+); filters ?(.*)$"),
     lambda m: ("audit.page", {"rows": int(m[1]), "offset": int(m[2]), "filters": _filters(m[3])}, None)),
    ("audit.export", re.compile(r"^(\d+) rows; filters ?(.*)$"),
     lambda m: ("audit.export", {"rows": int(m[1]), "filters": _filters(m[2])}, None)),
    (None, re.compile(r"^(\d+) rows(?:; (.*))?$", re.S),
     lambda m: ("export.rows", {"rows": int(m[1])}, m[2])),
    (None, re.compile(r"^step (\d+): (.*)$", re.S),
     lambda m: ("plan.step", {"seq": int(m[1]), "label": m[2]}, None)),
    (None, re.compile(r"^(?:(.*); )?archived plan (\w+); (\d+) households reassigned$", re.S),
     lambda m: ("plan.published", {"archived_plan_id": None if m[2] == "None" else int(m[2]),
                                   "households": int(m[3])}, None if m[1] in (None, "None") else m[1])),
    (None, re.compile(r"^v(\d+)→v(\d+): (.*)$"),
     lambda m: ("plan.beat_updated", {"from_version": int(m[1]), "to_version": int(m[2]),
                                      "fields": [f for f in m[3].split(",") if f]}, None)),
    (None, re.compile(r"^villages=\[(.*)\] buildings=(\d+)$"),
     lambda m: ("plan.assigned", {"villages": len(_ints(m[1])), "buildings": int(m[2])}, None)),
    (None, re.compile(r"^buildings=\[(.*)\]$"),
     lambda m: ("plan.diff_households", {"buildings": len(_ints(m[1]))}, None)),
    (None, re.compile(r"^balance_on=(\w+) ratio=(.*)$"),
     lambda m: ("plan.proposed", {"balance_on": m[1], "ratio": m[2]}, None)),
    (None, re.compile(r"^username: (.*); role: (.*); station_id: (.*)$"),
     lambda m: ("user.created", {"username": m[1], "role": m[2],
                                 "station_id": None if m[3] == "None" else m[3]}, None)),
    (None, re.compile(r"^one-time password issued for (.*); sessions ended$"),
     lambda m: ("user.password_reset", {"username": m[1]}, None)),
    (None, re.compile(r"^no change$"), lambda m: ("no_change", {}, None)),
    ("photo.create", re.compile(r"^(\w+) (\d+)$"),
     lambda m: ("photo.subject", {"subject": m[1], "subject_id": int(m[2])}, None)),
    ("session.refresh", re.compile(r"^(auth\.\w+)$"),
     lambda m: ("session.refused", {"code": m[1]}, None)),
    ("settings.key_person_tags", re.compile(r"^([\w,]*)$"),
     lambda m: ("settings.key_person_tags", {"tags": [t for t in m[1].split(",") if t]}, None)),
]


def read(action: str, reason: str) -> dict:
    """{reason_code, reason_params, reason} of an old row (reason unchanged when it is not recognised)."""
    if action == "login" and reason in _LOGIN:
        return {"reason_code": _LOGIN[reason], "reason_params": {}, "reason": None}
    denied = re.match(r"^(\d{3}): (.*)$", reason, re.S)
    if denied and " " in action:  # "GET /api/…": a refusal the error handler recorded, its English detail
        return {"reason_code": "request.denied", "reason_params": {"status": int(denied[1])}, "reason": None}
    if action in ("user.update", "beat.members") and " → " in reason:
        code = "user.changed" if action == "user.update" else "beat.members_changed"
        params: dict = {"changes": _changes(reason)}
        removed = re.search(r"beat memberships removed: (\d+)", reason)
        if removed:
            params["memberships_removed"] = int(removed[1])
        return {"reason_code": code, "reason_params": params, "reason": None}
    if action.startswith("import_"):
        summary = re.match(r"^([\u4e00-\u9fff]+)", reason)  # the old summaries open with their Chinese gist
        if summary:
            return {"reason_code": "import.summary_legacy", "reason_params": {"summary": summary[1]}, "reason": None}
    for only, pattern, reader in _PATTERNS:
        if only is not None and only != action:
            continue
        match = pattern.match(reason)
        if match:
            code, params, typed = reader(match)
            return {"reason_code": code, "reason_params": params, "reason": typed}
    return {}
