"""村/社区 villages and communities, and 实有房屋 buildings."""
from sqlalchemy import (
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base
from api.geotypes import geometry, geometry_checks

VILLAGE_KINDS = ("village", "community")
BUILDING_KINDS = ("residential", "commercial", "mixed", "public", "industrial", "farm")
BUILDING_USES = ("own_use", "rental", "business", "office", "production", "storage", "public", "idle", "other")


class Village(Base):
    __tablename__ = "village"
    __table_args__ = (CheckConstraint("kind IN ('village', 'community')", name="kind"), *geometry_checks("geom"))

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    geom = mapped_column(geometry("MultiPolygon"), nullable=False)


class Building(Base):
    __tablename__ = "building"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('residential', 'commercial', 'mixed', 'public', 'industrial', 'farm')", name="kind"
        ),
        CheckConstraint("floors BETWEEN 1 AND 200 AND units BETWEEN 1 AND 100", name="size"),
        *geometry_checks("footprint"),
        CheckConstraint(f"use IN ({', '.join(repr(u) for u in BUILDING_USES)})", name="use"),
        CheckConstraint("char_length(btrim(owner_name)) BETWEEN 1 AND 50", name="owner_name"),
        Index("ix_building_owner_person_id", "owner_person_id", postgresql_where=text("owner_person_id IS NOT NULL")),
        Index("ix_building_address_trgm", "address", postgresql_using="gin",
              postgresql_ops={"address": "gin_trgm_ops"}),
        # a 2-character search fragment (no trigram): its bigrams (api/places/sql/bigrams.sql, migration 0009)
        Index("ix_building_address_bigrams", func.holomap_bigrams(literal_column("address")).label("address_bigrams"),
              postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    address: Mapped[str] = mapped_column(Text)
    std_address_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    footprint = mapped_column(geometry("Polygon"), nullable=False)
    # a point inside the footprint, kept by the database: labels, fly-to, fast point queries
    centroid = mapped_column(geometry("Point"), Computed("ST_PointOnSurface(footprint)", persisted=True))
    floors: Mapped[int] = mapped_column(SmallInteger, default=1)
    units: Mapped[int] = mapped_column(SmallInteger, default=1)
    kind: Mapped[str] = mapped_column(String(16), default="residential")
    built_year: Mapped[int | None] = mapped_column(Integer)
    # owner or landlord of the whole building: a registered person, or a name and phone (migration 0006)
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", use_alter=True))
    owner_name: Mapped[str | None] = mapped_column(Text)
    owner_phone: Mapped[str | None] = mapped_column(String(20))
    use: Mapped[str | None] = mapped_column(String(16))  # 房屋用途, BUILDING_USES
