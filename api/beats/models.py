"""警务区 beats, the plans that group them, and the "1+1+N" members of each beat."""
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base
from api.geotypes import geometry, geometry_checks

PLAN_STATUSES = ("draft", "published", "archived")
BEAT_KINDS = ("urban", "rural")
MEMBER_DUTIES = ("officer", "auxiliary", "grid_member", "mediator")


class BeatPlan(Base):
    __tablename__ = "beat_plan"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
        CheckConstraint("review_state IN ('submitted', 'returned')", name="review_state"),
        # at most one published (current) plan per station
        Index("uq_beat_plan_current", "station_id", unique=True, postgresql_where=text("status = 'published'")),
        Index("ix_beat_plan_station_dates", "station_id", "published_at", "archived_at"),
        # under the foreign key: deleting a draft checks the drafts based on it (migration 0017)
        Index("ix_beat_plan_based_on", "based_on", postgresql_where=text("based_on IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    based_on: Mapped[int | None] = mapped_column(ForeignKey("beat_plan.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # NULL while being edited, 'submitted' (frozen, waiting for the chief) or 'returned' (migration 0003)
    review_state: Mapped[str | None] = mapped_column(String(16))


class Beat(Base):
    __tablename__ = "beat"
    __table_args__ = (
        UniqueConstraint("plan_id", "code", name="uq_beat_plan_code"),
        CheckConstraint("kind IN ('urban', 'rural')", name="kind"),
        CheckConstraint("version >= 1", name="version"),
        *geometry_checks("geom"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("beat_plan.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8))
    geom = mapped_column(geometry("MultiPolygon"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class BeatMember(Base):
    __tablename__ = "beat_member"
    __table_args__ = (
        UniqueConstraint("beat_id", "user_id", "duty", name="uq_beat_member"),
        CheckConstraint("duty IN ('officer', 'auxiliary', 'grid_member', 'mediator')", name="duty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beat_id: Mapped[int] = mapped_column(ForeignKey("beat.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    duty: Mapped[str] = mapped_column(String(16))
