"""矛盾纠纷 disputes: four colours, the mediation lifecycle, parties and events."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base
from api.geotypes import geometry

CATEGORIES = ("neighbour", "family", "marriage", "land", "debt", "other")
GRADES = ("green", "yellow", "orange", "red")
STATUSES = ("open", "mediating", "resolved", "escalated", "closed")
LEVELS = ("village", "station", "county")
EVENT_KINDS = ("mediation", "agreement", "return_visit", "escalation", "note", "status", "correction")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Dispute(Base):
    __tablename__ = "dispute"
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("grade", GRADES), name="grade"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("level", LEVELS), name="level"),
        Index("ix_dispute_open", "beat_id", "grade", postgresql_where="status <> 'closed'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    grade: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")
    level: Mapped[str] = mapped_column(String(16), default="village")
    location = mapped_column(geometry("Point"))
    beat_id: Mapped[int | None] = mapped_column(ForeignKey("beat.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agreement_signed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    next_return_visit: Mapped[date | None] = mapped_column(Date)


class DisputeParty(Base):
    __tablename__ = "dispute_party"
    __table_args__ = (
        CheckConstraint("person_id IS NOT NULL OR household_id IS NOT NULL OR name IS NOT NULL", name="someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    side: Mapped[str] = mapped_column(String(16))
    # a party from outside the register (migration 0004): name and phone instead of person/household
    name: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(32))


class DisputeEvent(Base):
    __tablename__ = "dispute_event"
    __table_args__ = (CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
