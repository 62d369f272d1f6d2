"""户 households, 实有人口 persons and their vehicles: the personal data Holomap guards."""
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base

HOUSEHOLD_KINDS = ("owner", "rental", "collective", "vacant")
DOCUMENT_KINDS = ("id_card", "passport", "hk_macau_permit", "taiwan_permit", "foreign_permanent")
RESIDENCY = ("registered", "temporary", "floating", "foreign")
PERSON_TAGS = (
    "elderly_alone", "left_behind_child", "disabled", "key_person", "low_income",
    "veteran", "mental_health", "community_correction", "drug_history",
)
VEHICLE_KINDS = ("car", "truck", "motorcycle", "e_bike", "tricycle", "tractor", "other")
TRGM = "gin_trgm_ops"


def author_indexes(table: str) -> tuple[Index, Index]:
    """created_by / updated_by, partial: seeded and imported rows (NULL) cost nothing (migration 0013)."""
    return tuple(Index(f"ix_{table}_{column}", column, postgresql_where=text(f"{column} IS NOT NULL"))
                 for column in ("created_by", "updated_by"))


class Household(Base):
    __tablename__ = "household"
    __table_args__ = (
        UniqueConstraint("building_id", "unit", "floor", "room", name="uq_household_room"),
        CheckConstraint("kind IN ('owner', 'rental', 'collective', 'vacant')", name="kind"),
        CheckConstraint("lease_end IS NULL OR lease_start IS NULL OR lease_end >= lease_start", name="lease"),
        CheckConstraint("char_length(btrim(landlord_name)) BETWEEN 1 AND 50", name="landlord_name"),
        Index("ix_household_landlord_person_id", "landlord_person_id",
              postgresql_where=text("landlord_person_id IS NOT NULL")),
        Index("ix_household_phone_trgm", "phone", postgresql_using="gin", postgresql_ops={"phone": TRGM},
              postgresql_where=text("phone IS NOT NULL")),
        # scope-leading indexes of search and the worklist (migration 0009)
        Index("ix_household_beat_last_visit", "beat_id", "last_visited_at",
              postgresql_include=["id", "building_id", "kind"]),
        Index("ix_household_beat_building", "beat_id", "building_id"),
        Index("ix_household_building_beat", "building_id", "beat_id"),
        Index("ix_household_beat_room", "beat_id", "room"),
        *author_indexes("household"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    unit: Mapped[int] = mapped_column(SmallInteger, default=1)
    floor: Mapped[int] = mapped_column(SmallInteger, default=1)
    room: Mapped[str] = mapped_column(String(16))
    hukou_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(20))
    # derived: the current plan's beat containing the building (kept by publish and by the loaders)
    beat_id: Mapped[int | None] = mapped_column(ForeignKey("beat.id"), index=True)
    # the newest visit's time, kept by the trigger of api/visits/sql/last_visit.sql (migration 0009)
    last_visited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 出租屋管理: the landlord of a rental (a registered person, or a name and phone) and the lease (0006)
    landlord_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", use_alter=True))
    landlord_name: Mapped[str | None] = mapped_column(Text)
    landlord_phone: Mapped[str | None] = mapped_column(String(20))
    lease_start: Mapped[date | None] = mapped_column(Date)
    lease_end: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # the user who registered / last corrected the row (NULL for seeded and imported rows; migration 0009)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("holomap_id_number_valid(id_number)", name="id_number_checksum"),
        CheckConstraint(
            "birth_date = make_date(substr(id_number, 7, 4)::int, substr(id_number, 11, 2)::int,"
            " substr(id_number, 13, 2)::int)",
            name="birth_matches_id",
        ),
        CheckConstraint(
            "gender = CASE WHEN substr(id_number, 17, 1)::int % 2 = 1 THEN 'M' ELSE 'F' END",
            name="gender_matches_id",
        ),
        CheckConstraint("residency IN ('registered', 'temporary', 'floating', 'foreign')", name="residency"),
        CheckConstraint("moved_out IS NULL OR moved_in IS NULL OR moved_out >= moved_in", name="moved"),
        Index("ix_person_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": TRGM}),
        # ID number tails (search `LIKE '%1234'`) as prefixes of the reversed text (migration 0013)
        Index("ix_person_id_number_rev", func.reverse(literal_column("id_number::text")).label("id_number_rev"),
              postgresql_ops={"id_number_rev": "text_pattern_ops"}),
        Index("ix_person_phone_trgm", "phone", postgresql_using="gin", postgresql_ops={"phone": TRGM},
              postgresql_where=text("phone IS NOT NULL")),
        Index("ix_person_tags", "tags", postgresql_using="gin", postgresql_where=text("tags <> '{}'")),
        # search: a 1–2 character fragment inside a name is looked for among the few long names (migration 0020)
        Index("ix_person_long_name", "id", postgresql_where=text("char_length(name) >= 4")),
        # worklist: tagged residents per household (migration 0020)
        Index("ix_person_key_household", "household_id", postgresql_where=text("tags <> '{}'")),
        # worklist: the tagged residents of the beats, index only (migration 0014)
        Index("ix_person_beat_tagged", "beat_id", postgresql_include=["household_id", "tags", "name"],
              postgresql_where=text("tags <> '{}' AND moved_out IS NULL")),
        # under the foreign key: a beat's deletion checks person by it (migration 0017)
        Index("ix_person_beat_id", "beat_id"),
        # 数据质量: the residents of the document checks, by beat (migration 0019)
        Index("ix_person_beat_foreign", "beat_id",
              postgresql_where=text("moved_out IS NULL AND (residency = 'foreign' OR document_kind <> 'id_card')")),
        Index("ix_person_beat_permit", "beat_id",
              postgresql_where=text("moved_out IS NULL AND residency IN ('temporary', 'floating')")),
        *author_indexes("person"),
        CheckConstraint("char_length(btrim(registered_address)) BETWEEN 1 AND 200", name="registered_address"),
        CheckConstraint(f"document_kind IN ({', '.join(repr(k) for k in DOCUMENT_KINDS)})", name="document_kind"),
        Index("ix_person_name_birth_date", "name", "birth_date"),
        Index("ix_person_permit_expires", "permit_expires", postgresql_where=text("permit_expires IS NOT NULL")),
        Index("ix_person_visa_expires", "visa_expires", postgresql_where=text("visa_expires IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    # the household's beat, kept by the database (api/people/sql/person_beat.sql, migration 0014): never written here
    beat_id: Mapped[int | None] = mapped_column(ForeignKey("beat.id"))
    name: Mapped[str] = mapped_column(Text)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    gender: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    residency: Mapped[str] = mapped_column(String(16))
    relation_to_head: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    nationality: Mapped[str | None] = mapped_column(String(3))
    moved_in: Mapped[date | None] = mapped_column(Date)
    moved_out: Mapped[date | None] = mapped_column(Date)
    # documents (migration 0006): 户籍 address when it differs from the residence, 居住证/暂住 number and
    # expiry, the travel document of a non-ID holder and the end of stay of its visa or permit
    registered_address: Mapped[str | None] = mapped_column(Text)
    permit_no: Mapped[str | None] = mapped_column(String(32))
    permit_expires: Mapped[date | None] = mapped_column(Date)
    document_kind: Mapped[str] = mapped_column(String(20), server_default="id_card")
    document_no: Mapped[str | None] = mapped_column(String(32))
    visa_expires: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class Vehicle(Base):
    __tablename__ = "vehicle"
    __table_args__ = (
        CheckConstraint("kind IN ('car', 'truck', 'motorcycle', 'e_bike', 'tricycle', 'tractor', 'other')",
                        name="kind"),
        # search compares upper(plate) (migration 0020)
        Index("ix_vehicle_plate_upper_trgm", func.upper(literal_column("plate::text")).label("plate_upper"),
              postgresql_using="gin", postgresql_ops={"plate_upper": TRGM}),
        # search: the plates of the user's beats, index only (migration 0009)
        Index("ix_vehicle_beat_plate", "beat_id", "plate", postgresql_include=["id"]),
        *author_indexes("vehicle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    brand: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str | None] = mapped_column(String(16))
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    # the beat of its household (its own, else its owner's): api/people/sql/vehicle_beat.sql (migration 0009)
    beat_id: Mapped[int | None] = mapped_column(ForeignKey("beat.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class PersonMove(Base):
    """迁入/迁出: one row per move of a resident, written by the trigger in api/people/sql/moves.sql."""

    __tablename__ = "person_move"
    __table_args__ = (CheckConstraint("kind IN ('in', 'out')", name="kind"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    kind: Mapped[str] = mapped_column(String(3))
    moved_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
