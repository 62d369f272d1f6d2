"""警情 incidents: reported events with time, category, source and place."""
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Computed,
    DateTime,
    Double,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base
from api.geotypes import geometry

CATEGORIES = ("theft", "fraud", "fight", "traffic", "dispute", "disturbance", "fire", "missing", "other")
SOURCES = ("110", "walk-in", "patrol")
CELL_COLUMNS = ("x_3857", "y_3857", "hour_local", "isodow_local", "station_id", "beat_id")
LOCAL_TIME = "timezone('Asia/Shanghai', occurred_at)"


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint("source IN ('110', 'walk-in', 'patrol')", name="source"),
        CheckConstraint("status IN ('open', 'handled', 'closed')", name="status"),
        Index("ix_incident_station_time", "station_id", "occurred_at"),
        Index("ix_incident_category_time", "category", "occurred_at"),
        # covering indexes of migration 0004: heat cells by index-only scans
        Index("ix_incident_category_time_cells", "category", "occurred_at", postgresql_include=CELL_COLUMNS),
        Index("ix_incident_time_cells", "occurred_at", postgresql_include=("category", *CELL_COLUMNS)),
        # incidents near a place in a time window, in one GiST scan (btree_gist, migration 0008)
        Index("ix_incident_location_time", "location", "occurred_at", postgresql_using="gist"),
        # repeat victims (migration 0016): the linked incidents only, by station and time and by time (covering)
        # and by household
        Index("ix_incident_household_station_time", "station_id", "occurred_at",
              postgresql_where=text("household_id IS NOT NULL"),
              postgresql_include=("household_id", "category", "hour_local", "isodow_local")),
        Index("ix_incident_household_time", "occurred_at", postgresql_where=text("household_id IS NOT NULL"),
              postgresql_include=("household_id", "station_id", "category", "hour_local", "isodow_local")),
        Index("ix_incident_household", "household_id", "occurred_at",
              postgresql_where=text("household_id IS NOT NULL")),
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
    # the household it happened to (repeat victims), when known: only one of the recorder's beats
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"))
    # kept by PostgreSQL (migration 0004): Web Mercator x/y for arithmetic binning, China-time hour/weekday
    x_3857: Mapped[float] = mapped_column(Double, Computed("ST_X(ST_Transform(location, 3857))", persisted=True))
    y_3857: Mapped[float] = mapped_column(Double, Computed("ST_Y(ST_Transform(location, 3857))", persisted=True))
    hour_local: Mapped[int] = mapped_column(
        SmallInteger, Computed(f"extract(hour FROM {LOCAL_TIME})::smallint", persisted=True))
    isodow_local: Mapped[int] = mapped_column(
        SmallInteger, Computed(f"extract(isodow FROM {LOCAL_TIME})::smallint", persisted=True))
