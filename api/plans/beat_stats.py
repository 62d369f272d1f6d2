"""Per-beat figures of a plan, summed from the pre-aggregates once per beat geometry (migration 0011).

A beat's sums of `area_stats` (households, residents, incidents…) depend only on its geometry and on the
station's pre-aggregates. They are kept in `beat_stats_cache` under the md5 of the geometry's WKB: a new
draft's beats are copies of the plan in force (cache hits), and an edit changes the geometry of the beats it
touches only, so the next check or plan read sums those beats alone. The pre-aggregate refreshes empty a
station's cache rows (api/plans/sql/area_stats.sql); a transaction filling the cache holds a shared advisory
lock the refreshes take exclusively, so it never stores sums of rows a refresh has replaced. The result is
the same row for row as summing every beat (queries.PLAN_BEAT_STATS; tests/plans/test_beat_stats.py).
"""

from types import SimpleNamespace
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.plans import queries

SUMS = ("buildings", "households", "residents", "floating", "key_persons", "incidents_12m",
        "green", "yellow", "orange", "red")


def plan_beat_stats(session: Session, *, plan_id: int, beat_ids: list[int] | None = None) -> list[Any]:
    """One row per beat of the plan, by code (id, code, kind, version, the sums, villages, area_km2).

    With `beat_ids`, only those beats (the ones an edit touched)."""
    rows = [SimpleNamespace(**r._mapping) for r in session.execute(
        text(queries.PLAN_BEAT_STATS_CACHED),
        {"plan_id": plan_id, "beat_ids": None if beat_ids is None else list(beat_ids)})]
    missing = [r for r in rows if not r.cached]
    if missing:
        session.execute(text(queries.BEAT_STATS_CACHE_LOCK), {"station_id": missing[0].station_id})
        sums = {s.geom_md5: s for s in session.execute(
            text(queries.FILL_BEAT_STATS_CACHE), {"plan_id": plan_id, "beat_ids": [r.id for r in missing]})}
        for r in missing:
            s = sums[r.geom_md5]
            for name in SUMS:
                setattr(r, name, getattr(s, name))
    for r in rows:
        del r.cached, r.geom_md5, r.station_id
    return rows
