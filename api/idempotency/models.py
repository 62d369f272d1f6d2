"""Idempotency keys of writes (issue 16): one row per (user, key), written in the write's own transaction."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, SmallInteger, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class IdempotencyKey(Base):
    """The answer of a write sent with an `Idempotency-Key` header (api/idempotency/service.py).

    Claimed (inserted) before the write runs and completed (`status`, `response`) before the write
    commits, in the same transaction: a rolled-back write leaves no key. Rows older than the retention
    (HOLOMAP_IDEMPOTENCY_DAYS, ≥ 30) are pruned by the writes themselves.
    """

    __tablename__ = "idempotency_key"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    route: Mapped[str] = mapped_column(Text)  # method and path, e.g. "PATCH /api/visits/12"
    body_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical body
    status: Mapped[int | None] = mapped_column(SmallInteger)
    response: Mapped[str | None] = mapped_column(Text)  # the JSON body sent, byte for byte
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
