"""weekly_report (migration 0015): the weekly 研判 report of one station or the bureau, as issued."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class WeeklyReport(Base):
    """One China-time week (Monday `week` to Sunday) of one station (`station_id`) or the bureau (NULL)."""

    __tablename__ = "weekly_report"
    __table_args__ = (
        CheckConstraint("extract(isodow FROM week) = 1", name="monday"),
        # one report per week and scope, the bureau's (station_id NULL) included
        UniqueConstraint("week", "station_id", name="uq_weekly_report_week_station",
                         postgresql_nulls_not_distinct=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(Date)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    body: Mapped[dict] = mapped_column(JSONB)
    generated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    generated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # NULL: the scheduled job
