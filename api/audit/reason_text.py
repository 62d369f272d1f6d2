"""An audit row in Chinese on the server (the CSV export): frontend/js/ui/audit-reason.js auditReason and
frontend/js/screens/admin.js auditAction, word for word, from api/labels_zh.json. tests/audit/test_csv_chinese.py
renders the same rows with node and asserts both say the same."""
import re

from api.labels import error_text, js_str, label, status_text, t


def _r(key: str, params: dict | None = None) -> str:
    return t(f"admin.audit_reasons.{key}", params)


def _list(values) -> str:
    return "、".join(js_str(v) for v in (values or []))


def _num(n) -> str:
    n = 0 if n is None else n
    try:
        number = float(n)
    except (TypeError, ValueError):
        return "NaN"
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.3f}".rstrip("0")


def _filters_text(filters) -> str:
    entries = list((filters or {}).items()) if isinstance(filters, dict) else []
    if not entries:
        return ""
    shown = []
    for k, v in entries:
        value = js_str(v)
        if k == "action":
            value = label("admin.audit_actions", v)
        elif k == "outcome":
            value = label("admin.audit_outcomes", v)
        elif k == "object_type":
            value = label("admin.audit_objects", v)
        shown.append(f"{label('admin.audit_reasons.filter_names', k)} {value}")
    return _r("filters", {"list": "、".join(shown)})


def _value_text(field, value) -> str:
    if value is None or value == "" or (isinstance(value, list) and not value):
        return _r("none")
    if isinstance(value, list):
        return _list(value)
    if field == "role":
        return label("role", value)
    if field == "active":
        return _r("yes") if value is True or value == "True" else _r("no")
    if field == "station_id":
        return _r("station", {"id": value})
    return js_str(value)


def _changes_text(changes, field_section: str) -> str:
    return "；".join(_r("change", {"field": label(field_section, c.get("field")),
                                  "old": _value_text(c.get("field"), c.get("old")),
                                  "new": _value_text(c.get("field"), c.get("new"))})
                    for c in (changes or []))


def _counts_text(counts) -> str:
    out = []
    for table, n in (counts or {}).items():
        if table == "repaired":
            continue
        parts = [f"{label('admin.count_outcome', outcome)} {_num(v)}" for outcome, v in (n or {}).items() if v]
        out.append(f"{label('admin.count_table', table)} {'、'.join(parts) if parts else _r('import_nothing')}")
    return "；".join(out)


def import_summary(report: dict) -> str:
    """The outcome sentence of an import (audit-reason.js importSummary)."""
    unit = _r("unit_features") if str(report.get("kind") or "").startswith("boundaries") else _r("unit_rows")
    if not report.get("rows"):
        return _r("import_no_rows")
    if report.get("invalid_rows") and report.get("mode") != "valid_only":
        return _r("import_rejected", {"invalid": _num(report["invalid_rows"]), "rows": _num(report["rows"]),
                                      "unit": unit})
    if not report.get("dry_run") and not report.get("written"):
        return _r("import_no_valid", {"unit": unit})
    counts = _counts_text(report.get("counts"))
    skipped = (_r("import_skipped", {"invalid": _num(report["invalid_rows"]), "rows": _num(report["rows"]),
                                     "unit": unit}) if report.get("invalid_rows") else "")
    return _r("import_dry_run" if report.get("dry_run") else "import_written", {"counts": counts}) + skipped


def _audit_page(p):
    if p.get("rows"):
        offset = p.get("offset") or 0
        head = _r("audit_page", {"from": _num(offset + 1), "to": _num(offset + p["rows"]), "rows": _num(p["rows"])})
    else:
        head = _r("audit_page_empty")
    return head + _filters_text(p.get("filters"))


def _denied(p):
    text = (error_text(p.get("status"), p.get("code"), p.get("params")) if p.get("code")
            else status_text(p.get("status")))
    return _r("denied", {"status": p.get("status"), "text": text})


def _user_changed(p):
    parts = [_changes_text(p.get("changes"), "admin.audit_reasons.user_fields"),
             _r("memberships_removed", {"n": p["memberships_removed"]}) if p.get("memberships_removed") else ""]
    return "；".join(x for x in parts if x)


SENTENCES = {
    "audit.page": _audit_page,
    "audit.export": lambda p: _r("audit_export", {"rows": _num(p.get("rows"))}) + _filters_text(p.get("filters")),
    "export.rows": lambda p: _r("export_rows", {"rows": _num(p.get("rows"))}),
    "plan.step": lambda p: _r("plan_step", p),
    "incident.warning_issued": lambda p: _r("warning_issued", p),
    "plan.published": lambda p: _r("plan_published" if p.get("archived_plan_id") is not None
                                   else "plan_published_first", p),
    "plan.beat_updated": lambda p: _r("plan_beat_updated", {
        "from": p.get("from_version"), "to": p.get("to_version"),
        "fields": _list([label("admin.audit_reasons.beat_fields", f)
                         for f in (p.get("fields") if isinstance(p.get("fields"), list) else [])])}),
    "plan.assigned": lambda p: _r("plan_assigned", p),
    "plan.diff_households": lambda p: _r("plan_diff_households", p),
    "plan.proposed": lambda p: _r("plan_proposed", {
        "balance": label("admin.audit_reasons.balance_on", p.get("balance_on")), "ratio": p.get("ratio")}),
    "user.created": lambda p: _r("user_created", {"username": p.get("username"), "role": label("role", p.get("role")),
                                                  "station": _value_text("station_id", p.get("station_id"))}),
    "user.changed": _user_changed,
    "user.password_reset": lambda p: _r("user_password_reset", p),
    "beat.members_changed": lambda p: _changes_text(p.get("changes"), "map.duty"),
    "no_change": lambda p: _r("no_change"),
    "photo.subject": lambda p: _r("photo_subject", {"subject": label("admin.audit_objects", p.get("subject")),
                                                    "id": p.get("subject_id")}),
    "request.denied": _denied,
    "session.refused": lambda p: _r("session_refused", {"text": error_text(401, p.get("code"), {})}),
    "settings.key_person_tags": lambda p: _r("key_person_tags", {
        "tags": _list([label("tags", tag) for tag in (p.get("tags") or [])])}),
    "settings.quality_checks": lambda p: _r("quality_checks", {
        **(p.get("days") if isinstance(p.get("days"), dict) else {}),
        "disabled": _list([label("quality.checks", c) for c in (p.get("disabled") or [])])
        or t("quality.none_disabled")}),
    "import.result": import_summary,
    "import.summary_legacy": lambda p: js_str(p.get("summary")),
}


def audit_reason(code: str | None, params: dict | None, typed: str | None) -> str:
    """The 说明 of an audit row: the sentence of its code, then what a person typed."""
    typed = typed or ""
    sentence = ""
    if code:
        login = t(f"admin.audit_reasons.login.{code[6:]}") if code.startswith("login.") else None
        make = SENTENCES.get(code)
        if login and login != f"admin.audit_reasons.login.{code[6:]}":
            sentence = login
        elif make:
            sentence = make(params or {})
        else:
            sentence = code  # a code this catalog does not know yet: shown as it is
    if sentence and typed:
        return _r("typed", {"sentence": sentence, "text": typed})
    return sentence or typed


_REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (\S+)$")


def audit_action(code: str | None) -> str:
    """An action code in Chinese: the dictionary, then 'METHOD /path' by its verb, then the code."""
    known = (t("admin.audit_actions") or {}).get(code or "")
    if known:
        return known
    request = _REQUEST.match(code or "")
    if request:
        return t("admin.audit_request", {"verb": t(f"admin.audit_verbs.{request[1]}"), "path": request[2]})
    if (code or "").startswith("dispute.status."):
        return t("admin.audit_dispute_status", {"status": label("dispute.status", code[len("dispute.status."):])})
    if (code or "").startswith("dispute.event."):
        return t("admin.audit_dispute_event", {"kind": label("dispute.event_kind", code[len("dispute.event."):])})
    return code or ""


def audit_object(object_type: str | None) -> str:
    return label("admin.audit_objects", object_type) if object_type else ""


def audit_outcome(outcome: str | None) -> str:
    return label("admin.audit_outcomes", outcome or "")
