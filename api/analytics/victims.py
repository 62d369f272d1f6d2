"""Repeat victims: households with two or more incidents in the period (issue 21), beside repeat locations.

An incident names its household when the recorder linked it (POST /api/incidents `household_id`) or the seed
did (burglaries, frauds and disputes at home). Everyone who reads analytics gets counts and shares: how many
victim households, how many of them were victimised again, and how concentrated incidents are among victim
households (the top 1 % / 5 % / 10 % of them hold what share — Pease's "a few victims suffer much of the
crime"). The households themselves, with their incidents, go only to users with beats (officers, auxiliaries,
the chief), and only those of their beats: leaders and planners never get a household, a person or a place.

SQL over the linked incidents only: the partial covering indexes of migration 0016 (by station and time, by
time for the bureau) answer by an index-only scan. The counts are kept per question and data version (the
`incident_chunk` generations of the months read: any insert, update — a household link set or cleared — or
delete of an incident of those months moves them), so a dashboard asks PostgreSQL once per change.
"""
import math
import threading
from collections import OrderedDict

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import cells
from api.analytics.cells import _database
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import LOCAL_TZ, IncidentFilter
from api.analytics.service import incident_params

TOP = (1, 5, 10)
LIST_LIMIT = 100

# incidents per victim household → how many households (the filter's WHERE fragments name incident columns)
PER_HOUSEHOLD = """
SELECT n, count(*)::integer AS households FROM (
  SELECT household_id, count(*)::integer AS n FROM incident
  WHERE household_id IS NOT NULL AND {where} GROUP BY household_id
) per GROUP BY n ORDER BY n DESC
"""

# the repeat victims of the user's beats (never for aggregate-only roles), busiest first, with the incidents:
# the households counted on the covering partial indexes (index-only, as PER_HOUSEHOLD), and only the listed
# ones' incidents read from the table (by ix_incident_household) — reading every linked incident of the
# station's year for its summary took 40–200 ms for a county chief
BEAT_VICTIMS = """
WITH per AS (
  SELECT household_id, count(*)::integer AS n FROM incident
  WHERE household_id IS NOT NULL AND {where} GROUP BY household_id HAVING count(*) >= 2
), top AS (
  SELECT h.id, h.unit, h.floor, h.room, h.building_id, h.beat_id, per.n
  FROM per JOIN household h ON h.id = per.household_id AND h.beat_id = ANY(CAST(:beats AS integer[]))
  ORDER BY per.n DESC, h.id
  LIMIT :limit
)
SELECT top.id AS household_id, top.unit, top.floor, top.room, b.address, bt.code AS beat, l.ids, l.times,
       l.categories, l.summaries
FROM top
JOIN building b ON b.id = top.building_id
JOIN beat bt ON bt.id = top.beat_id
CROSS JOIN LATERAL (
  SELECT array_agg(i.id ORDER BY i.occurred_at, i.id) AS ids,
         array_agg(i.occurred_at ORDER BY i.occurred_at, i.id) AS times,
         array_agg(i.category ORDER BY i.occurred_at, i.id) AS categories,
         array_agg(i.summary ORDER BY i.occurred_at, i.id) AS summaries
  FROM incident i WHERE i.household_id = top.id AND {where}
) AS l
ORDER BY top.n DESC, top.id
"""


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


_COUNTS: OrderedDict[tuple, dict] = OrderedDict()
_LOCK = threading.Lock()
CACHED = 64


_version = cells.data_version  # the filter's incidents' data version (None without the chunk table)


def counts(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope) -> dict:
    """Victim households, repeat victims and concentration: counts and shares only (cached by data version)."""
    version = _version(session, flt)
    key = None if version is None else (_database(session), flt, scope.station_ids, version)
    if key is not None:
        with _LOCK:
            if key in _COUNTS:
                _COUNTS.move_to_end(key)
                return {**_COUNTS[key], "households": None}
    body = _counts(session, flt=flt, scope=scope)
    if key is not None:
        with _LOCK:
            _COUNTS[key] = body
            while len(_COUNTS) > CACHED:
                _COUNTS.popitem(last=False)
    return {**body, "households": None}


def _counts(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope) -> dict:
    where, params = incident_params(flt, scope)
    rows = session.execute(text(PER_HOUSEHOLD.format(where=where)), params).all()  # busiest first
    per = [(r.n, r.households) for r in rows]
    households = sum(h for _, h in per)
    incidents = sum(n * h for n, h in per)
    repeat_households = sum(h for n, h in per if n >= 2)
    repeat_incidents = sum(n * h for n, h in per if n >= 2)
    distribution = [{"incidents": k, "households": sum(h for n, h in per if n == k), "or_more": False}
                    for k in (1, 2, 3)]
    distribution.append({"incidents": 4, "households": sum(h for n, h in per if n >= 4), "or_more": True})
    concentration = []
    for top in TOP:
        k = math.ceil(households * top / 100) if households else 0
        held, left = 0, k
        for n, h in per:  # the k busiest households
            take = min(h, left)
            held, left = held + take * n, left - take
            if not left:
                break
        concentration.append({"top_pct": top, "households": k, "incidents": held, "share_pct": _pct(held, incidents)})
    return {"linked_incidents": incidents, "victim_households": households, "repeat_households": repeat_households,
            "repeat_households_pct": _pct(repeat_households, households), "repeat_incidents": repeat_incidents,
            "repeat_share_pct": _pct(repeat_incidents, incidents), "distribution": distribution,
            "concentration": concentration, "households": None}


def beat_victims(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, beats: list[int]) -> list[dict]:
    """Households of the beats with two or more incidents in the filter, busiest first, with the incidents."""
    where, params = incident_params(flt, scope)
    rows = session.execute(text(BEAT_VICTIMS.format(where=where)),
                           {**params, "beats": beats, "limit": LIST_LIMIT}).all()
    return [{
        "household_id": r.household_id, "address": r.address, "unit": r.unit, "floor": r.floor, "room": r.room,
        "beat": r.beat, "count": len(r.ids),
        "incidents": [{"id": i, "occurred_at": t.astimezone(LOCAL_TZ).isoformat(), "category": c, "summary": s}
                      for i, t, c, s in zip(r.ids, r.times, r.categories, r.summaries, strict=True)],
    } for r in rows]
