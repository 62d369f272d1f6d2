"""Benchmark the heat map: one year of one category at county scale, hexagons and squares.

    set -a; . .holomap/holomap_county.env; set +a; .venv/bin/python bench/heat.py [--runs 30]
    # without the seeded county: an empty migrated database filled with synthetic incidents
    set -a; . .holomap/holomap_heatbench.env; set +a; .venv/bin/holomap migrate
    .venv/bin/python bench/heat.py --synthetic 2000000

Prints p50/p90 of the analytics SQL (api.analytics.service.cell_counts: floor() arithmetic on the stored
EPSG:3857 x/y over the covering index) and of the whole service call (cells → GeoJSON polygons), for
hexagons and squares; then, on a subset (one station, one month), the same arithmetic against the naive
join of ST_HexagonGrid / ST_SquareGrid to the points, both timed in this run, and their ratio.
"""
import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.analytics import service  # noqa: E402
from api.analytics.dependencies import AnalyticsScope  # noqa: E402
from api.analytics.filters import build_filter  # noqa: E402
from api.config import Settings  # noqa: E402

GOAL_MS = 30.0

# A county of 40 stations (8 × 5 boxes) around 118.0E 37.4N; hotspots as Gaussian clusters.
SYNTHETIC_STATIONS = """
INSERT INTO station (code, name, jurisdiction)
SELECT format('BENCH-%s', k), format('基准派出所%s', k),
       ST_Multi(ST_MakeEnvelope(117.75 + (k % 8) * 0.0625, 37.2 + (k / 8) * 0.08,
                                117.75 + (k % 8 + 1) * 0.0625, 37.2 + (k / 8 + 1) * 0.08, 4326))
FROM generate_series(0, 39) AS k
"""
SYNTHETIC_INCIDENTS = """
INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, status)
SELECT s.id, t.at, t.at, c.category, '110', ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), 'closed'
FROM generate_series(1, :n) AS g
CROSS JOIN LATERAL (SELECT random() AS r, random() AS u, random() AS v, random() AS w, g AS gg) AS rnd
CROSS JOIN LATERAL (
  SELECT CASE WHEN rnd.r < 0.3  -- 30 % in 60 clusters (Box-Muller offsets of ~400 m)
              THEN 117.76 + (mod(gg, 60) % 10) * 0.049
                   + 0.004 * sqrt(-2 * ln(rnd.u + 1e-12)) * cos(2 * pi() * rnd.v)
              ELSE 117.7501 + rnd.u * 0.4998 END AS lon,
         CASE WHEN rnd.r < 0.3
              THEN 37.22 + (mod(gg, 60) / 10) * 0.063
                   + 0.004 * sqrt(-2 * ln(rnd.u + 1e-12)) * sin(2 * pi() * rnd.v)
              ELSE 37.2001 + rnd.v * 0.3998 END AS lat
) AS p
CROSS JOIN LATERAL (
  SELECT timestamptz '2023-11-25 00:00+08' + (rnd.w * 3 * 365 * 86400) * interval '1 second' AS at
) AS t
CROSS JOIN LATERAL (  -- rnd.gg keeps the draw per row (an uncorrelated LATERAL runs once)
  SELECT (ARRAY['theft','theft','theft','fraud','fraud','fight','traffic','traffic','dispute','disturbance',
                'fire','missing','other'])[1 + floor(random() * 13 + 0 * rnd.gg)::int] AS category
) AS c
JOIN station s ON s.code = format('BENCH-%s', least(7, floor((p.lon - 117.75) / 0.0625)::int)
                                          + 8 * least(4, floor((p.lat - 37.2) / 0.08)::int))
"""
NAIVE = """
SELECT g.i, g.j, count(*)::int AS n
FROM station s
CROSS JOIN LATERAL {grid}(:size, ST_Transform(s.jurisdiction, 3857)) AS g
JOIN incident p ON p.station_id = s.id AND ST_Intersects(ST_Transform(p.location, 3857), g.geom)
WHERE s.id = :station AND p.occurred_at >= :start_at AND p.occurred_at < :end_at AND p.category = :category
GROUP BY 1, 2
"""


def timed(fn, runs: int) -> tuple[list[float], object]:
    """Run fn() `runs` times after one warm-up; milliseconds per run and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return times, result


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fill_synthetic(engine, n: int) -> None:
    with engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM incident")).scalar():
            print("[bench] incident is not empty; --synthetic skipped")
            return
        t0 = time.perf_counter()
        conn.execute(text(SYNTHETIC_STATIONS))
        conn.execute(text(SYNTHETIC_INCIDENTS), {"n": n})
        print(f"[bench] loaded {n:,} synthetic incidents in {time.perf_counter() - t0:.0f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) incident"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--size", type=float, default=500.0, help="cell size in EPSG:3857 metres")
    parser.add_argument("--synthetic", type=int, default=0, help="fill an empty incident table with N rows")
    args = parser.parse_args()
    settings = Settings()
    if args.synthetic:
        fill_synthetic(create_engine(settings.owner_url), args.synthetic)
    engine = create_engine(settings.database_url)
    with Session(engine) as session:
        total = session.execute(text("SELECT count(*) FROM incident")).scalar()
        last = session.execute(text("SELECT max(occurred_at) FROM incident")).scalar()
        category = session.execute(text(
            "SELECT category FROM incident GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")).scalar()
        end = last.date() if last else date.today()
        year = build_filter(start=date(end.year - 1, end.month, end.day), end=end, category=[category],
                            hours=None, weekdays=None)
        bureau = AnalyticsScope(station_ids=None)
        print(f"incidents: {total:,}; heat of {year.start} … {year.end}, size {args.size:g} m, "
              f"{args.runs} runs; goal p50 ≤ {GOAL_MS:g} ms")
        typical = session.execute(text(
            "SELECT category FROM (SELECT category, count(*) AS n FROM incident GROUP BY 1) c "
            "ORDER BY n LIMIT 1 OFFSET (SELECT count(DISTINCT category) / 2 FROM incident)")).scalar()
        busiest = session.execute(text(
            "SELECT station_id FROM incident GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")).scalar()
        cases = [(f"bureau, {category!r} (most frequent)", year, bureau),
                 (f"bureau, {typical!r} (median category)", build_filter(
                     start=year.start, end=year.end, category=[typical], hours=None, weekdays=None), bureau),
                 (f"one station ({busiest}), {category!r}", year, AnalyticsScope(station_ids=(busiest,)))]
        for label, flt, scope in cases:
            print(f" {label}")
            for cell in ("hex", "square"):
                sql_ms, cells = timed(lambda c=cell, f=flt, s=scope: service.cell_counts(
                    session, flt=f, scope=s, cell=c, size=args.size), args.runs)
                full_ms, body = timed(lambda c=cell, f=flt, s=scope: service.heat(
                    session, flt=f, scope=s, cell=c, size=args.size), max(5, args.runs // 3))
                verdict = "OK" if statistics.median(sql_ms) <= GOAL_MS else "OVER GOAL"
                p50 = statistics.median(sql_ms)
                print(f"  {cell:6} SQL p50 {p50:7.1f} ms  p90 {pct(sql_ms, 0.9):7.1f} ms "
                      f"[{verdict}]  cells {len(cells):,}  incidents {sum(cells.values()):,}  | with GeoJSON "
                      f"p50 {statistics.median(full_ms):7.1f} ms")
        plan = session.execute(text("EXPLAIN " + service.queries.SQUARE_CELLS.format(
            where=service.incident_params(year, bureau)[0])), {**service.incident_params(year, bureau)[1],
                                                              "size": args.size}).scalars().all()
        scan = next((line.strip() for line in plan if "Scan" in line), "?")
        print(f"  plan: {scan}")

        station = session.execute(text(
            "SELECT station_id FROM incident GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")).scalar()
        month = build_filter(start=date(end.year, end.month, 1), end=end if end.day > 1 else end,
                             category=[category], hours=None, weekdays=None)
        one = AnalyticsScope(station_ids=(station,))
        print(f"subset: station {station}, {month.start} … {month.end}, {category!r}, size {args.size:g} m")
        for cell, grid in (("hex", "ST_HexagonGrid"), ("square", "ST_SquareGrid")):
            fast_ms, fast = timed(lambda c=cell: service.cell_counts(
                session, flt=month, scope=one, cell=c, size=args.size), args.runs)
            params = {"size": args.size, "station": station, "start_at": month.start_at,
                      "end_at": month.end_at, "category": category}
            naive_sql = text(NAIVE.format(grid=grid))
            naive_ms, rows = timed(lambda q=naive_sql, p=params: session.execute(q, p).all(),
                                   max(3, args.runs // 10))
            naive = {(r.i, r.j): r.n for r in rows}
            same = ("same cells" if naive == fast
                    else f"differs ({sum(naive.values())} vs {sum(fast.values())} incidents)")
            ratio = statistics.median(naive_ms) / statistics.median(fast_ms)
            print(f"  {cell:6} arithmetic p50 {statistics.median(fast_ms):7.2f} ms   naive {grid} join p50 "
                  f"{statistics.median(naive_ms):8.1f} ms   ratio {ratio:6.0f}×   ({same})")


if __name__ == "__main__":
    main()
