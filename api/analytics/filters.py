"""Incident filters of every analytics endpoint: parsed once, validated with messages a person can act on.

Dates are local calendar days in China Standard Time; `end` is inclusive. Hours are local hours
0–23 and weekdays ISO numbers 1 = Monday … 7 = Sunday, both given as lists with ranges
(`hours=0-6,22-23`, `weekdays=1-5`). Categories may be repeated or comma-separated.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import Query

from api.errors import InvalidInput
from api.incidents.models import CATEGORIES

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_DAYS = 365
MAX_DAYS = 366 * 10


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents an analytics question is about."""

    start: date
    end: date  # inclusive
    categories: tuple[str, ...] = ()
    hours: tuple[int, ...] = ()
    weekdays: tuple[int, ...] = ()

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, LOCAL_TZ)

    @property
    def end_at(self) -> datetime:
        """Exclusive upper bound: midnight after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time.min, LOCAL_TZ)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "IncidentFilter":
        """The same filter over the period of the same length just before this one."""
        return IncidentFilter(
            start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1),
            categories=self.categories, hours=self.hours, weekdays=self.weekdays,
        )

    def year_before(self) -> "IncidentFilter":
        """The same filter over the same calendar days one year earlier (同比; 29 February → 28th)."""
        return IncidentFilter(
            start=_year_earlier(self.start), end=_year_earlier(self.end),
            categories=self.categories, hours=self.hours, weekdays=self.weekdays,
        )

    def echo(self) -> dict:
        """The filter as applied, for the response."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "categories": list(self.categories), "hours": list(self.hours),
                "weekdays": list(self.weekdays)}


def _year_earlier(day: date) -> date:
    """The same calendar day a year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def parse_int_ranges(text: str, *, name: str, low: int, high: int) -> tuple[int, ...]:
    """'0-6,22-23' → (0, 1, …, 6, 22, 23); 422 naming the bad part otherwise."""
    values: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        first, sep, last = part.partition("-")
        try:
            a = int(first)
            b = int(last) if sep else a
        except ValueError:
            raise InvalidInput(f"{name}: {part!r} is not a number or range like {low}-{high}",
                               code="analytics.range_not_number",
                               params={"name": name, "value": part, "low": low, "high": high}) from None
        if not (low <= a <= high and low <= b <= high):
            raise InvalidInput(f"{name}: {part!r} is outside {low}–{high}", code="analytics.range_outside",
                               params={"name": name, "value": part, "low": low, "high": high})
        if a > b:
            raise InvalidInput(f"{name}: range {part!r} runs backwards; write it as {b}-{a}",
                               code="analytics.range_backwards",
                               params={"name": name, "value": part})
        values.update(range(a, b + 1))
    if not values:
        raise InvalidInput(f"{name}: give at least one value, e.g. {low}-{high}",
                           code="analytics.range_empty",
                           params={"name": name, "low": low, "high": high})
    return tuple(sorted(values))


def parse_categories(raw: list[str] | None) -> tuple[str, ...]:
    """Repeated or comma-separated categories, each one of the known ones."""
    names = sorted({c.strip() for item in raw or [] for c in item.split(",") if c.strip()})
    unknown = [c for c in names if c not in CATEGORIES]
    if unknown:
        raise InvalidInput(f"category: unknown {', '.join(unknown)}; use one of {', '.join(CATEGORIES)}",
                           code="analytics.unknown_category",
                           params={"unknown": unknown, "allowed": list(CATEGORIES)})
    return tuple(names)


def build_filter(
    *, start: date | None, end: date | None, category: list[str] | None, hours: str | None,
    weekdays: str | None, today: date | None = None,
) -> IncidentFilter:
    """Validate raw query values into an IncidentFilter (default: the last 365 days)."""
    today = today or datetime.now(LOCAL_TZ).date()
    end = end or (today if start is None else min(today, start + timedelta(days=DEFAULT_DAYS - 1)))
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInput(f"start ({start}) is after end ({end}); swap them",
                           code="analytics.period_inverted",
                           params={"start": start.isoformat(), "end": end.isoformat()})
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"the period is longer than {MAX_DAYS} days; choose a shorter one",
                           code="analytics.period_too_long",
                           params={"max_days": MAX_DAYS})
    return IncidentFilter(
        start=start, end=end, categories=parse_categories(category),
        hours=parse_int_ranges(hours, name="hours", low=0, high=23) if hours else (),
        weekdays=parse_int_ranges(weekdays, name="weekdays", low=1, high=7) if weekdays else (),
    )


def incident_filter(
    start: date | None = Query(None, description="first local day (YYYY-MM-DD); default: a year before end"),
    end: date | None = Query(None, description="last local day, inclusive (YYYY-MM-DD); default: today"),
    category: list[str] | None = Query(None, description=f"repeat or comma-list: {','.join(CATEGORIES)}"),
    hours: str | None = Query(None, description="local hours 0–23 with ranges, e.g. 0-6,22-23"),
    weekdays: str | None = Query(None, description="ISO weekdays 1=Mon … 7=Sun with ranges, e.g. 1-5"),
) -> IncidentFilter:
    """FastAPI dependency: the incident filter of the request."""
    return build_filter(start=start, end=end, category=category, hours=hours, weekdays=weekdays)
