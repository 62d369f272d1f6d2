"""incident_chunk: a version per (category, local month) of incidents, kept by triggers (baseline 0001);
analytics_stored: the arrays analytics computed, kept between processes (migration 0020, stored.py);
beat_residents_gen: a version per beat of the residents counted in it (migration 0007, issue 22).

The heat cache (api/analytics/cells.py) labels each month of one category it holds in memory with the
`gen` it saw; any insert, delete, truncate or relevant update of incidents in that chunk writes a new
`gen` (a sequence value, never reused), so the next request reloads exactly the chunks that changed.
"""
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, Integer, LargeBinary, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class IncidentChunk(Base):
    __tablename__ = "incident_chunk"

    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    gen: Mapped[int] = mapped_column(BigInteger)


class BeatResidentsGen(Base):
    """A new `gen` (sequence value) whenever a statement changes who lives in the beat: a person inserted,
    deleted, moved between households or moved out/back, a household moved between beats
    (api/analytics/sql/beat_residents.sql). The residents cache of api/analytics/residents.py keys on it."""

    __tablename__ = "beat_residents_gen"

    beat_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    gen: Mapped[int] = mapped_column(BigInteger)


class NearRepeatResult(Base):
    """A near-repeat (Knox) answer shared by every worker (migration 0018, api/analytics/nearrepeat.py): one
    row per question (SHA-256 of the canonical question; `params` in clear) and data version, `running` while
    the process that claimed it computes, then `done` with the aggregate table. Written only by the SECURITY
    DEFINER functions of api/analytics/sql/near_repeat.sql."""

    __tablename__ = "near_repeat_result"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'done')", name="status"),
        CheckConstraint("(status = 'done') = (result IS NOT NULL AND computed_at IS NOT NULL)",
                        name="done_has_result"),
    )

    question: Mapped[str] = mapped_column(String(64), primary_key=True)
    data_version: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(16))  # the short digest the answer shows (data_version)
    params: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(8))
    events: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    total: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict | None] = mapped_column(JSONB)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AnalyticsStored(Base):
    """An array the analytics caches computed, kept for the next process (migration 0020,
    api/analytics/stored.py): one row per (kind, key), usable only at exactly its `version`. Written only by
    the SECURITY DEFINER holomap_analytics_store (api/analytics/sql/stored.sql)."""

    __tablename__ = "analytics_stored"
    __table_args__ = (CheckConstraint("kind IN ('chunk', 'nearest', 'buildings', 'residents')", name="kind"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(200))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
