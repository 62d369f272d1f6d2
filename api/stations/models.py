"""派出所: a police station and its jurisdiction."""
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base
from api.geotypes import geometry, geometry_checks


class Station(Base):
    __tablename__ = "station"
    __table_args__ = geometry_checks("jurisdiction")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    jurisdiction = mapped_column(geometry("MultiPolygon"), nullable=False)
