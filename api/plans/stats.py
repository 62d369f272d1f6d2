"""Live stats of any drawn area from the per-building / per-cell pre-aggregates (`area_stats`).

A building counts in an area when its point-on-surface lies inside (never split between areas);
incidents of the last 12 months and household-less open disputes count by their ~20 m grid cell.
The pre-aggregates are rebuilt when a draft is created, when a plan is published, and on first use.
"""

from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.plans import queries
from api.plans.geometry_input import wkb
from geo.geometry import geodesic_area_km2


def ensure_area_stats(session: Session, *, station_id: int, refresh: bool = False) -> None:
    """Build the station's pre-aggregates when missing (or always with `refresh`)."""
    if refresh or not session.execute(text(queries.STATS_FRESH), {"station_id": station_id}).scalar():
        session.execute(text(queries.REFRESH_STATS), {"station_id": station_id})


def area_stats(session: Session, *, area: BaseGeometry) -> dict[str, Any]:
    """Households, residents, floating, key persons, incidents (12 months), open disputes, villages, km²."""
    params = {"wkb": wkb(area)}
    for station_id in session.execute(text(queries.STATS_STATIONS_MISSING), params).scalars():
        ensure_area_stats(session, station_id=station_id, refresh=True)
    row = session.execute(text(queries.AREA_STATS), params).first()
    villages = session.execute(text(queries.AREA_VILLAGES), params).scalar()
    return {
        "households": int(row.households),
        "residents": int(row.residents),
        "floating": int(row.floating),
        "key_persons": int(row.key_persons),
        "incidents_12m": int(row.incidents_12m),
        "disputes_open": {
            "green": int(row.green),
            "yellow": int(row.yellow),
            "orange": int(row.orange),
            "red": int(row.red),
        },
        "buildings": int(row.buildings),
        "villages": int(villages),
        "area_km2": round(geodesic_area_km2(area), 4),
    }
