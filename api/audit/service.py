"""Writing audit rows; the same transaction as the action they record."""
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.audit import queries
from api.audit.schemas import AuditRow


def record(
    session: Session,
    *,
    action: str,
    user_id: int | None = None,
    username: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    outcome: str = "ok",
    reason: str | None = None,
    client_addr: str | None = None,
    request_id: str | None = None,
) -> None:
    """Append one audit row (no commit: it lands or rolls back with the action)."""
    session.execute(
        text(queries.INSERT_AUDIT),
        {
            "user_id": user_id, "username": username, "action": action, "object_type": object_type,
            "object_id": None if object_id is None else str(object_id), "outcome": outcome,
            "reason": reason, "client_addr": client_addr, "request_id": request_id,
        },
    )


def listing(
    session: Session, *, user: str | None, object_type: str | None, object_id: str | None,
    action: str | None, since: datetime | None, limit: int,
) -> list[AuditRow]:
    """Audit rows matching the filters, newest first."""
    rows = session.execute(text(queries.LIST_AUDIT), {
        "user": user, "object_type": object_type, "object_id": object_id, "action": action, "since": since,
        "limit": limit,
    }).mappings().all()
    return [AuditRow(**r) for r in rows]
