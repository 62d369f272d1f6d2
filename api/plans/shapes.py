"""What a plan's check and diff read of beats, buildings and villages alone, kept per version of those layers.

The beat of each building under the plan (BUILDING_BEATS), the land changing beat against the plan in force
(DIFF_AREAS), the villages split between beats by their buildings (SPLIT_VILLAGES) and the buildings in no
beat (UNCOVERED_BUILDINGS) depend only on beats and their plans, buildings' places and villages: the layer
versions of api/tiles/sql/layer_version.sql change with every statement that changes them. A version's
(version, changed_at) is never seen twice (a rolled-back bump leaves a clock time no one reads again), so a
key found is current, and any request that finds it sees the data it was computed from; each part is computed
by the first request that needs it (issue 22: ~30 ms of a county station's check, ~15 ms of its diff).
Households and residents have no version: the diff reads them on every call.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics.cells import _database
from api.analytics.versioned import VersionedCache
from api.plans import queries

# beats and their plans; buildings' ids, stations, villages, addresses and centroids; villages
VERSIONS = """
SELECT layer, version, changed_at FROM layer_version WHERE layer IN ('beats', 'buildings', 'villages') ORDER BY layer
"""


class PlanShapes:
    """The parts of one plan at one version of the layers, each read once, when first asked for."""

    def __init__(self, plan_id: int, station_id: int) -> None:
        self.params = {"plan_id": plan_id, "station_id": station_id}
        self._parts: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _part(self, name: str, session: Session, read: Callable[[Session], Any]) -> Any:
        with self._lock:
            if name not in self._parts:
                self._parts[name] = read(session)
            return self._parts[name]

    def building_beats(self, session: Session) -> tuple[str, str]:
        """BUILDING_BEATS as (building ids, beat ids) integer[] literals (~60 KB for ~5,000 buildings)."""
        def read(s: Session) -> tuple[str, str]:
            rows = s.execute(text(queries.BUILDING_BEATS), self.params).all()
            return ("{" + ",".join(str(r.building_id) for r in rows) + "}",
                    "{" + ",".join(str(r.beat_id) for r in rows) + "}")
        return self._part("building_beats", session, read)

    def areas(self, session: Session) -> list[tuple[str, str, float, dict]]:
        """DIFF_AREAS rows: from and to codes, m² (rounded to 0.1) and the geometry, parsed."""
        return self._part("areas", session, lambda s: [
            (a.from_code, a.to_code, round(float(a.area_m2), 1), json.loads(a.geometry))
            for a in s.execute(text(queries.DIFF_AREAS), self.params)])

    def split_villages(self, session: Session) -> list[Any]:
        """SPLIT_VILLAGES rows (the villages whose buildings fall into more than one beat)."""
        return self._part("split_villages", session,
                          lambda s: s.execute(text(queries.SPLIT_VILLAGES), self.params).all())

    def uncovered(self, session: Session) -> Any:
        """The UNCOVERED_BUILDINGS row (count, a point, the first ids)."""
        return self._part("uncovered", session,
                          lambda s: s.execute(text(queries.UNCOVERED_BUILDINGS), self.params).first())


SHAPES: VersionedCache[PlanShapes] = VersionedCache(32)


def plan_shapes(session: Session, *, plan_id: int, station_id: int) -> PlanShapes:
    """The plan's PlanShapes at the versions this transaction sees."""
    versions = tuple(tuple(r) for r in session.execute(text(VERSIONS)))
    key = (_database(session), plan_id, station_id, versions) if len(versions) == 3 else None
    return SHAPES.get(key, lambda: PlanShapes(plan_id, station_id))
