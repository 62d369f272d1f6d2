"""Reading the current beats."""
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.beats import queries


def current_beats_geojson(*, session: Session, station_id: int | None, beats_in_scope: list[int]) -> str:
    """Current beats (of one station, or all when station_id is None) as GeoJSON text."""
    return session.execute(
        text(queries.CURRENT_BEATS_GEOJSON), {"station_id": station_id, "beats": beats_in_scope}
    ).scalar_one()
