"""Photos of visits, buildings (门头照) and disputes (issue 16): content-addressed bytes in the database
(so `holomap backup` carries them), one row per attachment."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class PhotoBlob(Base):
    """The stored image (EXIF stripped except the time), once per content hash."""

    __tablename__ = "photo_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Photo(Base):
    """A photo attached to exactly one visit, building or dispute."""

    __tablename__ = "photo"
    __table_args__ = (
        CheckConstraint("num_nonnulls(visit_id, building_id, dispute_id) = 1", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("photo_blob.sha256"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"), index=True)
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("dispute.id", ondelete="CASCADE"), index=True)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # EXIF DateTimeOriginal
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
