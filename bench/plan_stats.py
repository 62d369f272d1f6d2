"""Live beat stats: POST /api/beats/stats's query for a 1 km² polygon in the densest area, against a
naive count over building/household/person/incident in the same run. Goal: ≤ 20 ms p50.

Run against the county database for the figure that matters:
  make seed-county; set -a; . .holomap/holomap_county.env; set +a; .venv/bin/python bench/plan_stats.py
"""

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shapely.geometry import Polygon  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from api.config import get_settings  # noqa: E402
from api.plans.stats import area_stats  # noqa: E402

# the ~1 km cell with the most households (from the pre-aggregates)
DENSEST = """
SELECT floor(ST_X(pt) / 0.0113) * 0.0113 AS x, floor(ST_Y(pt) / 0.009) * 0.009 AS y, sum(households) AS n
FROM area_stats GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1
"""
NAIVE = """
WITH a AS (SELECT ST_GeomFromWKB(:wkb, 4326) AS g)
SELECT (SELECT count(*) FROM building b, a WHERE ST_Intersects(b.centroid, a.g)),
       (SELECT count(*) FROM household h JOIN building b ON b.id = h.building_id, a
         WHERE ST_Intersects(b.centroid, a.g)),
       (SELECT count(*) FROM person p JOIN household h ON h.id = p.household_id
         JOIN building b ON b.id = h.building_id, a
         WHERE ST_Intersects(b.centroid, a.g) AND p.moved_out IS NULL),
       (SELECT count(*) FROM incident i, a WHERE ST_Intersects(i.location, a.g)
         AND i.occurred_at >= now() - interval '12 months')
"""


def square_km2(lon: float, lat: float, vertices_per_side: int = 12) -> Polygon:
    """A 1 km × 1 km square (south-west corner at lon, lat) with many vertices, like a drawn beat."""
    dx = 1000.0 / (111_320.0 * math.cos(math.radians(lat)))
    dy = 1000.0 / 110_540.0
    corners = [(lon, lat), (lon + dx, lat), (lon + dx, lat + dy), (lon, lat + dy)]
    ring = []
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1], strict=True):
        ring += [
            (x0 + (x1 - x0) * i / vertices_per_side, y0 + (y1 - y0) * i / vertices_per_side)
            for i in range(vertices_per_side)
        ]
    return Polygon(ring)


def timed(fn, runs: int) -> list[float]:
    fn()  # warm caches and plans
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    engine = create_engine(get_settings().database_url)
    with Session(engine) as session:
        if not session.execute(text("SELECT EXISTS (SELECT 1 FROM area_stats)")).scalar():
            session.execute(text("SELECT holomap_refresh_area_stats(NULL)"))
            session.commit()
        cell = session.execute(text(DENSEST)).first()
        if cell is None:
            sys.exit("no data: seed the database first (holomap seed)")
        area = square_km2(cell.x, cell.y)
        counts = {"buildings": 0, "households": 0}
        figures = area_stats(session, area=area)
        counts.update(figures)
        fast = timed(lambda: area_stats(session, area=area), args.runs)
        naive = timed(lambda: session.execute(text(NAIVE), {"wkb": area.wkb}).first(), args.runs)
        rows = session.execute(text("SELECT count(*) FROM area_stats")).scalar()
        buildings = session.execute(text("SELECT count(*) FROM building")).scalar()
    p50_fast, p50_naive = statistics.median(fast), statistics.median(naive)
    p95 = lambda xs: sorted(xs)[int(0.95 * (len(xs) - 1))]  # noqa: E731
    print(f"database: {engine.url.database}  buildings: {buildings:,}  area_stats rows: {rows:,}")
    print(
        f"densest 1 km² at ({cell.x:.4f}, {cell.y:.4f}): {counts['buildings']:,} buildings, "
        f"{counts['households']:,} households, {counts['residents']:,} residents, "
        f"{counts['incidents_12m']:,} incidents (12 months)"
    )
    print(
        f"pre-aggregated stats (service call): p50 {p50_fast:6.2f} ms  p95 {p95(fast):6.2f} ms"
        "  (goal ≤ 20 ms)"
    )
    print(f"naive counts (baseline):             p50 {p50_naive:6.2f} ms  p95 {p95(naive):6.2f} ms")
    print(f"speed-up: {p50_naive / p50_fast:.1f}×")
    engine.dispose()


if __name__ == "__main__":
    main()
