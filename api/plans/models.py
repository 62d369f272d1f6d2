"""Pre-aggregated stats per building and per incident cell (migration 0002); plan units, steps, reviews (0003);
per-beat sums cached by geometry (0012)."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
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
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base
from api.geotypes import geometry, geometry_checks

STAT_COUNTS = (
    "buildings",
    "households",
    "residents",
    "floating",
    "key_persons",
    "incidents_12m",
    "disputes_green",
    "disputes_yellow",
    "disputes_orange",
    "disputes_red",
)


class AreaStats(Base):
    """One row per building (people, disputes) or per ~20 m cell (incidents); rebuilt by SQL."""

    __tablename__ = "area_stats"
    __table_args__ = (UniqueConstraint("building_id", name="uq_area_stats_building_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    village_id: Mapped[int | None] = mapped_column(Integer, index=True)
    pt = mapped_column(geometry("Point"), nullable=False)
    buildings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    households: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    residents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    floating: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    key_persons: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    incidents_12m: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disputes_green: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disputes_yellow: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disputes_orange: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disputes_red: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class BeatStatsCache(Base):
    """The sums of `area_stats` under one beat geometry (md5 of its WKB) of a station (migration 0011).

    Emptied for a station whenever its pre-aggregates are rewritten (api/plans/sql/area_stats.sql)."""

    __tablename__ = "beat_stats_cache"

    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"), primary_key=True)
    geom_md5: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    buildings: Mapped[int] = mapped_column(BigInteger)
    households: Mapped[int] = mapped_column(BigInteger)
    residents: Mapped[int] = mapped_column(BigInteger)
    floating: Mapped[int] = mapped_column(BigInteger)
    key_persons: Mapped[int] = mapped_column(BigInteger)
    incidents_12m: Mapped[int] = mapped_column(BigInteger)
    disputes_green: Mapped[int] = mapped_column(BigInteger)
    disputes_yellow: Mapped[int] = mapped_column(BigInteger)
    disputes_orange: Mapped[int] = mapped_column(BigInteger)
    disputes_red: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PlanUnit(Base):
    """An atom of a plan (a village, or a piece of one): beats are unions of their units (migration 0003)."""

    __tablename__ = "plan_unit"
    __table_args__ = (
        Index("ix_plan_unit_plan_village", "plan_id", "village_id"),
        *geometry_checks("geom"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("beat_plan.id", ondelete="CASCADE"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id", ondelete="CASCADE"))
    beat_id: Mapped[int | None] = mapped_column(ForeignKey("beat.id", ondelete="SET NULL"), index=True)
    geom = mapped_column(geometry("MultiPolygon"), nullable=False)


class PlanStep(Base):
    """One undoable edit of a draft: what it touched before and after, named in Chinese."""

    __tablename__ = "plan_step"
    __table_args__ = (UniqueConstraint("plan_id", "seq", name="uq_plan_step_seq"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("beat_plan.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(Text)
    before = mapped_column(JSONB, nullable=False)
    after = mapped_column(JSONB, nullable=False)
    undone: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PlanReview(Base):
    """submit / return / approve / publish of a plan, with the note (who, when, what, why)."""

    __tablename__ = "plan_review"
    __table_args__ = (CheckConstraint("action IN ('submit', 'return', 'approve', 'publish')", name="action"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("beat_plan.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
