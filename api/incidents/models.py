"""警情 incidents: reported events with time, category, source and place."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base
from api.geotypes import geometry

CATEGORIES = ("theft", "fraud", "fight", "traffic", "dispute", "disturbance", "fire", "missing", "other")
SOURCES = ("110", "walk-in", "patrol")


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint("source IN ('110', 'walk-in', 'patrol')", name="source"),
        CheckConstraint("status IN ('open', 'handled', 'closed')", name="status"),
        Index("ix_incident_station_time", "station_id", "occurred_at"),
        Index("ix_incident_category_time", "category", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    category: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(8))
    location = mapped_column(geometry("Point"), nullable=False)
    beat_id: Mapped[int | None] = mapped_column(ForeignKey("beat.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="closed")
    summary: Mapped[str | None] = mapped_column(Text)
