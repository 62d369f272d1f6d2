"""Writing audit rows; the same transaction as the action they record."""
import csv
import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.audit import legacy, queries, reason_text
from api.audit.schemas import AuditRow
from api.clock import CHINA_STANDARD_TIME
from api.exports.formulas import inert_row
from geo.idnumber import mask
from geo.masking import mask_name, mask_phone, mask_plate


def record(
    *, session: Session,
    action: str,
    user_id: int | None = None,
    username: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    outcome: str = "ok",
    reason: str | None = None,
    reason_code: str | None = None,
    reason_params: dict | None = None,
    client_addr: str | None = None,
    request_id: str | None = None,
) -> None:
    """Append one audit row (no commit: it lands or rolls back with the action).

    `reason` is only text a person typed; what the server has to say is `reason_code` (a key of
    `admin.audit_reasons` in frontend/js/i18n/zh-CN/admin.js) with its values in `reason_params`.
    """
    session.execute(
        text(queries.INSERT_AUDIT),
        {
            "user_id": user_id, "username": username, "action": action, "object_type": object_type,
            "object_id": None if object_id is None else str(object_id), "outcome": outcome,
            "reason": reason, "reason_code": reason_code,
            "reason_params": None if reason_params is None
            else json.dumps(reason_params, ensure_ascii=False, default=str),
            "client_addr": client_addr, "request_id": request_id,
        },
    )


@dataclass(frozen=True)
class AuditFilter:
    """The filters of an audit query; None means any."""

    user: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    action: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def params(self) -> dict:
        return {"user": self.user, "object_type": self.object_type, "object_id": self.object_id,
                "action": self.action, "outcome": self.outcome, "since": self.since, "until": self.until}

    def describe(self) -> dict:
        """The filters set, as the audit row of the read keeps them (reason_params.filters)."""
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.params().items()
                if v is not None}


def listing(*, session: Session, filters: AuditFilter, limit: int, offset: int = 0) -> list[AuditRow]:
    """Audit rows matching the filters, newest first, one page."""
    rows = session.execute(text(queries.LIST_AUDIT),
                           {**filters.params(), "limit": limit, "offset": offset}).mappings().all()
    return [_shown(r) for r in rows]


def _shown(r) -> AuditRow:
    """A row as the log shows it: free text masked; an old row's server sentence read back into its code."""
    row = {**r, "object_id": mask_free_text(r["object_id"])}
    if row["reason_code"] is None and row["reason"]:
        row.update(legacy.read(row["action"], row["reason"]))
    row["reason"] = mask_free_text(row["reason"])
    filters = (row["reason_params"] or {}).get("filters")
    if isinstance(filters, dict):  # what an administrator typed into the filters, masked like free text
        row["reason_params"] = {**row["reason_params"], "filters": {
            k: mask_free_text(v) if k in ("user", "object_id") and isinstance(v, str) else v
            for k, v in filters.items()}}
    return AuditRow(**row)


def count(*, session: Session, filters: AuditFilter) -> int:
    """How many audit rows match the filters."""
    return session.execute(text(queries.COUNT_AUDIT), filters.params()).scalar_one()


# 操作, 对象类型, 结果 and 说明 in Chinese as the web app words them (api/audit/reason_text.py); the codes
# stay beside them for whoever filters or scripts the file
CSV_HEADERS = ("时间", "用户ID", "用户名", "操作", "操作代码", "对象类型", "对象", "结果", "说明", "说明代码",
               "说明参数", "来源地址", "请求号")


def listing_csv(*, session: Session, filters: AuditFilter, limit: int) -> tuple[str, int]:
    """Matching rows as CSV (BOM for Excel, China time, no cell can start a formula). (csv, rows)."""
    rows = listing(session=session, filters=filters, limit=limit)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for r in rows:
        at = r.at.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow(inert_row((at, r.user_id, r.username, reason_text.audit_action(r.action), r.action,
                                   reason_text.audit_object(r.object_type), r.object_id,
                                   reason_text.audit_outcome(r.outcome),
                                   reason_text.audit_reason(r.reason_code, r.reason_params, r.reason), r.reason_code,
                                   None if r.reason_params is None else json.dumps(r.reason_params, ensure_ascii=False),
                                   r.client_addr, r.request_id)))
    return out.getvalue(), len(rows)


_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_DIGIT_RUN = re.compile(r"\d[\d -]{5,}\d")
_PLATE = re.compile(r"[\u4e00-\u9fff][A-Za-z][A-Za-z0-9]{4,6}")
_NAME_LIKE = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


def mask_free_text(value: str | None) -> str | None:
    """ID numbers, phone-like digit runs and plates in free text, masked (reasons, search terms)."""
    if not value:
        return value
    value = _ID_NUMBER.sub(lambda m: mask(m.group(0).upper()), value)
    value = _PLATE.sub(lambda m: mask_plate(m.group(0)), value)
    return _DIGIT_RUN.sub(lambda m: mask_phone(m.group(0)), value)


def search_term(q: str, secret: str) -> str:
    """A search as the audit log keeps it: masked (its readers see no identity) and a keyed digest.

    The digest (HMAC-SHA256 with the server secret) lets an investigator who holds the secret prove
    whether a given name or number was searched, without the log showing it.
    """
    masked = mask_name(q) if _NAME_LIKE.match(q) else mask_free_text(q)
    digest = hmac.new(secret.encode(), q.encode(), hashlib.sha256).hexdigest()[:16]
    return f"{masked} #{digest}"
