"""audit_log: append-only record of reads of personal data, writes, logins and denials."""
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id"),
        CheckConstraint("outcome IN ('ok', 'denied', 'failed', 'locked', 'rejected', 'dry_run', 'error')",
                        name="outcome"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: survives user removal
    username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")
    reason: Mapped[str | None] = mapped_column(Text)  # text a person typed (a reveal's reason, a review note)
    reason_code: Mapped[str | None] = mapped_column(String(48))  # what the server says, in the UI's catalog
    reason_params: Mapped[dict | None] = mapped_column(JSONB)  # the values of reason_code's sentence
    client_addr: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
