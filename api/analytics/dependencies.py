"""Who may read analytics, and over which stations.

Analytics are aggregates only. Leaders and admins read the whole bureau (optionally one station via
`?station=<code>`); station chiefs, planners, community officers and auxiliaries read their own
station (a beat officer reading the pattern of the station's incidents is part of the job and sees
no personal data here). Grid members are not police and get 403. Officer statistics (staff
performance) are for leaders, admins and the station's chief only.
"""
from dataclasses import dataclass

from fastapi import Depends, Query
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import queries
from api.auth.dependencies import read_user, require_capability, signed_in_read_session
from api.auth.service import CurrentUser
from api.db import DbSession
from api.errors import Forbidden, NotFound


@dataclass(frozen=True)
class AnalyticsScope:
    """Stations an analytics answer covers; None means the whole bureau."""

    station_ids: tuple[int, ...] | None

    @property
    def stations_param(self) -> list[int] | None:
        return list(self.station_ids) if self.station_ids is not None else None


def _scope(session: Session, user: CurrentUser, station: str | None) -> AnalyticsScope:
    if user.can("bureau.read"):
        if station is None:
            return AnalyticsScope(station_ids=None)
        station_id = session.execute(text(queries.STATION_BY_CODE), {"code": station}).scalar()
        if station_id is None:
            raise NotFound(f"station {station!r} not found; use a station code",
                           code="station.not_found", params={"station": station})
        return AnalyticsScope(station_ids=(station_id,))
    if user.station_id is None:
        raise Forbidden("your account belongs to no station; ask the administrator to assign one",
                        code="account.no_station")
    if station is not None:
        own = session.execute(text(queries.STATION_BY_CODE), {"code": station}).scalar()
        if own != user.station_id:
            raise Forbidden("you may read analytics of your own station only", code="analytics.other_station")
    return AnalyticsScope(station_ids=(user.station_id,))


def analytics_scope(
    *,
    station: str | None = Query(None, description="station code (leaders and admins; default: all)"),
    user: CurrentUser = Depends(require_capability("analytics.read")),
    session: DbSession,
) -> AnalyticsScope:
    """FastAPI dependency: the stations the user's analytics question covers."""
    return _scope(session, user, station)


def officer_stats_scope(
    *,
    station: str | None = Query(None, description="station code (leaders and admins; default: all)"),
    user: CurrentUser = Depends(require_capability("analytics.officers")),
    session: DbSession,
) -> AnalyticsScope:
    """FastAPI dependency: stations whose officer statistics the user may read."""
    return _scope(session, user, station)


def analytics_read_scope(
    *,
    station: str | None = Query(None, description="station code (leaders and admins; default: all)"),
    user: CurrentUser = Depends(require_capability("analytics.read", read_user)),
    session: Session = Depends(signed_in_read_session),
) -> AnalyticsScope:
    """As `analytics_scope`, with the user and the station read on the read engine (a hot standby when one
    is configured): for the aggregate routes that answer from it, so they keep answering in a failover."""
    return _scope(session, user, station)
