"""Shapes of the data-quality board (数据质量)."""
from datetime import date

from pydantic import BaseModel


class CheckCount(BaseModel):
    code: str
    checked: int
    failing: int
    score: float  # share of records passing, 0–1 (1 when nothing is checked)


class BeatScore(BaseModel):
    id: int
    code: str
    name: str
    score: float
    failing: int


class TrendPoint(BaseModel):
    week: date
    score: float


class QualityBoard(BaseModel):
    goal: float
    score: float
    days: dict[str, int]  # the thresholds counted with (expiring, visit, fire_check: the settings)
    checks: list[CheckCount]
    beats: list[BeatScore]
    trend: list[TrendPoint]


class QualityItem(BaseModel):
    id: int
    label: str
    detail: str | None
    building_id: int
    household_id: int | None
    lon: float
    lat: float


class QualityItems(BaseModel):
    check: str
    items: list[QualityItem]


class QualityTask(QualityItem):
    """A quality item in 我的任务, with the check it fails."""

    check: str


class QualityTasks(BaseModel):
    total: int
    items: list[QualityTask]
