"""incident_chunk: a version per (category, local month) of incidents, kept by triggers (migration 0010).

The heat cache (api/analytics/cells.py) labels each month of one category it holds in memory with the
`gen` it saw; any insert, delete, truncate or relevant update of incidents in that chunk writes a new
`gen` (a sequence value, never reused), so the next request reloads exactly the chunks that changed.
"""
from datetime import date

from sqlalchemy import BigInteger, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class IncidentChunk(Base):
    __tablename__ = "incident_chunk"

    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    gen: Mapped[int] = mapped_column(BigInteger)
