"""incident_chunk: a version per (category, local month) of incidents, kept by triggers (baseline 0001);
beat_residents_gen: a version per beat of the residents counted in it (migration 0007, issue 22).

The heat cache (api/analytics/cells.py) labels each month of one category it holds in memory with the
`gen` it saw; any insert, delete, truncate or relevant update of incidents in that chunk writes a new
`gen` (a sequence value, never reused), so the next request reloads exactly the chunks that changed.
"""
from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class IncidentChunk(Base):
    __tablename__ = "incident_chunk"

    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    gen: Mapped[int] = mapped_column(BigInteger)


class BeatResidentsGen(Base):
    """A new `gen` (sequence value) whenever a statement changes who lives in the beat: a person inserted,
    deleted, moved between households or moved out/back, a household moved between beats
    (api/analytics/sql/beat_residents.sql). The residents cache of api/analytics/residents.py keys on it."""

    __tablename__ = "beat_residents_gen"

    beat_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    gen: Mapped[int] = mapped_column(BigInteger)
