"""入户走访 household visits with the 三必核/四必访/五必宣 checklist."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, ForeignKey, Index, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base
from api.geotypes import geometry

# item key → (group, zh-CN label); the three groups from the seed documents (DESIGN.md)
CHECKLIST_ITEMS: dict[str, tuple[str, str]] = {
    "verify_hukou": ("三必核", "核户籍信息"),
    "verify_residents": ("三必核", "核实有人口"),
    "verify_vehicles": ("三必核", "核车辆信息"),
    "ask_disputes": ("四必访", "访矛盾纠纷"),
    "ask_minors": ("四必访", "访未成年人教育"),
    "ask_key_groups": ("四必访", "访重点人群"),
    "ask_sentiment": ("四必访", "访社情民意"),
    "explain_fire_theft": ("五必宣", "宣防火防盗"),
    "explain_fraud": ("五必宣", "宣防范电信诈骗"),
    "explain_traffic": ("五必宣", "宣交通安全"),
    "explain_drugs": ("五必宣", "宣禁毒知识"),
    "explain_contact": ("五必宣", "宣社区民警联系方式"),
}


class Visit(Base):
    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy"),
        Index("ix_visit_household_time", "household_id", "visited_at"),
        # an officer's visits of a period (the dashboard's officer table, migration 0012)
        Index("ix_visit_user_time", "user_id", "visited_at", postgresql_include=["household_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    location = mapped_column(geometry("Point"))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    flagged_far: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    checklist: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    notes: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
