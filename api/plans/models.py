"""Pre-aggregated stats per building and per incident cell (table created by migration 0002)."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base
from api.geotypes import geometry

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
