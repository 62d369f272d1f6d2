"""near_repeat_warning (migration 0010): one warning zone per incident that triggered one."""
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base
from api.geotypes import geometry

ACTIONS = ("visit_reminder",)


class NearRepeatWarning(Base):
    """A circle of `radius_m` around the incident, valid from its time for `days` days (the significant
    distance and time band of the category's cached Knox table when the incident was recorded)."""

    __tablename__ = "near_repeat_warning"
    __table_args__ = (
        CheckConstraint("radius_m > 0 AND radius_m <= 5000", name="radius"),
        CheckConstraint("days BETWEEN 1 AND 365", name="days"),
        CheckConstraint("expires_at > starts_at", name="expiry"),
        CheckConstraint("action IN ('visit_reminder')", name="action"),
        Index("ix_near_repeat_warning_station_expiry", "station_id", "expires_at"),
        Index("ix_near_repeat_warning_beats", "beat_ids", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    category: Mapped[str] = mapped_column(String(16))
    zone = mapped_column(geometry("Polygon"), nullable=False)
    radius_m: Mapped[float] = mapped_column(Double)
    days: Mapped[int] = mapped_column(SmallInteger)
    knox_ratio: Mapped[float | None] = mapped_column(Double)
    knox_events: Mapped[int] = mapped_column(Integer)  # incidents the Knox table was computed from
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the incident's time
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    beat_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer))  # current beats the zone touches
    households: Mapped[int] = mapped_column(Integer)  # households of buildings in the zone when issued
    action: Mapped[str] = mapped_column(String(24), server_default="visit_reminder")
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
