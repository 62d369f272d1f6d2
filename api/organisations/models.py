"""实有单位 organisations, their employees, and the data-quality snapshots (migration 0005)."""
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 100", name="ck_organisation_name"),
        UniqueConstraint("credit_code", name="uq_organisation_credit_code"),
        Index("ix_organisation_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    # derived (trigger organisation_place): the published beat covering the building
    beat_id: Mapped[int | None] = mapped_column(ForeignKey("beat.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    small_venue: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    key_unit: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    legal_rep: Mapped[str | None] = mapped_column(Text)
    person_in_charge: Mapped[str | None] = mapped_column(Text)
    person_in_charge_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    phone: Mapped[str | None] = mapped_column(String(20))
    unit: Mapped[int | None] = mapped_column(SmallInteger)
    floor: Mapped[int | None] = mapped_column(SmallInteger)
    room: Mapped[str | None] = mapped_column(String(16))
    opened_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'open'"))
    fire_check_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class OrganisationEmployee(Base):
    __tablename__ = "organisation_employee"
    __table_args__ = (UniqueConstraint("organisation_id", "id_number", name="uq_organisation_employee_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(Text)
    since: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class QualitySnapshot(Base):
    __tablename__ = "quality_snapshot"
    # under the foreign key: a beat's deletion finds its snapshots by it (migration 0017)
    __table_args__ = (Index("ix_quality_snapshot_beat_id", "beat_id"),)

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    beat_id: Mapped[int] = mapped_column(ForeignKey("beat.id", ondelete="CASCADE"), primary_key=True)
    check_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    checked: Mapped[int] = mapped_column(Integer)
    failing: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class QualityCount(Base):
    """The counts of a check in a beat, valid for `day` until the beat is dirty (migration 0006)."""

    __tablename__ = "quality_count"

    beat_id: Mapped[int] = mapped_column(ForeignKey("beat.id", ondelete="CASCADE"), primary_key=True)
    check_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    checked: Mapped[int] = mapped_column(Integer)
    failing: Mapped[int] = mapped_column(Integer)
    counted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class QualityDirty(Base):
    """A write landed in the beat: its cached counts are stale (append-only log, consumed by the board)."""

    __tablename__ = "quality_dirty"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    beat_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    checks: Mapped[list[str] | None] = mapped_column(ARRAY(Text))  # the checks it can change; NULL: all (0013)
