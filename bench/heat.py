"""Benchmark the heat map: one year of one category at county scale, hexagons and squares.

    set -a; . .holomap/holomap_county.env; set +a; .venv/bin/python bench/heat.py [--runs 30]
    # without the seeded county: an empty migrated database filled with synthetic incidents
    set -a; . .holomap/holomap_heatbench.env; set +a; .venv/bin/holomap migrate
    .venv/bin/python bench/heat.py --synthetic 2000000

Times the whole service call of `GET /api/analytics/heat` (api.analytics.service.heat: incident columns of
the in-process cache → cells → GeoJSON text), p50/p90 over `--runs`, for hexagons and squares, bureau-wide
(the most frequent and the median category) at the dashboard's sizes and for one station, against the
previous path timed in the same run (SQL floor() arithmetic over the covering index + one dict per
feature); checks that both give the same cells. Also: the first call with an empty cache (loads a year of
one category), a call after one chunk changed (what a new incident costs the next request), `--http`
the endpoint through uvicorn as the leader, and, on a subset (one station, one month), the arithmetic
against the naive join of ST_HexagonGrid / ST_SquareGrid to the points.
"""
import argparse
import dataclasses
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.analytics import cells, service  # noqa: E402
from api.analytics.dependencies import AnalyticsScope  # noqa: E402
from api.analytics.filters import build_filter  # noqa: E402
from api.config import Settings  # noqa: E402
from geo import binning  # noqa: E402

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


def once(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t0) * 1000.0, result


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


def previous_feature(cell: str, i: int, j: int, size: float, properties: dict) -> dict:
    """One GeoJSON feature as the service built it before geo/cellgeojson.py."""
    ring = [[round(x, 6), round(y, 6)] for x, y in binning.cell_polygon(cell, i, j, size).exterior.coords]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"cell": f"{i},{j}", **properties}}


def previous_heat(session, *, flt, scope, cell, size) -> dict:
    """The path before the cache: SQL cell counts, then one dict per feature (FastAPI serialised it)."""
    counts = service.sql_cell_counts(session=session, flt=flt, scope=scope, cell=cell, size=size)
    features = [previous_feature(cell, i, j, size, {"count": n}) for (i, j), n in sorted(counts.items())]
    return {"type": "FeatureCollection", "features": features, "total": sum(counts.values())}


def same_features(new: dict, old: dict) -> bool:
    """Same cells, counts and rings (coordinates to the 6th decimal)."""
    if len(new["features"]) != len(old["features"]):
        return False
    for a, b in zip(new["features"], old["features"], strict=True):
        if a["properties"] != b["properties"]:
            return False
        ra, rb = a["geometry"]["coordinates"][0], b["geometry"]["coordinates"][0]
        if len(ra) != len(rb) or any(abs(p - q) > 1.5e-6 for u, v in zip(ra, rb, strict=True)
                                     for p, q in zip(u, v, strict=True)):
            return False
    return True


def stale_one_chunk() -> None:
    """Make the most recently used cached chunk look changed, as a new incident in it would."""
    key, chunk = next(reversed(cells.CACHE._chunks.items()))
    cells.CACHE._chunks[key] = dataclasses.replace(chunk, gen=-1)


def http_figures(settings, cases, sizes, runs: int) -> None:
    import httpx

    from bench._server import token_for, uvicorn_server

    token = token_for(settings, "leader")
    with uvicorn_server() as base, httpx.Client(base_url=base, timeout=30) as client:
        headers = {"Authorization": f"Bearer {token}"}
        print(f"HTTP GET /api/analytics/heat as leader (uvicorn, one worker), {runs} runs")
        for label, flt, _scope, station_code in cases:
            for size in sizes:
                for cell in ("hex", "square"):
                    params = {"start": flt.start.isoformat(), "end": flt.end.isoformat(),
                              "category": list(flt.categories), "cell": cell, "size_m": size}
                    if station_code:
                        params["station"] = station_code
                    lat, r = timed(lambda p=params: client.get("/api/analytics/heat", params=p,
                                                               headers=headers), runs)
                    r.raise_for_status()
                    print(f"  {label:34} {cell:6} {size:6g} m  p50 {statistics.median(lat):7.1f} ms  "
                          f"p90 {pct(lat, 0.9):7.1f} ms  {len(r.content) / 1024:7.0f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sizes", default="250,500,1000,2000", help="cell sizes (EPSG:3857 m) bureau-wide")
    parser.add_argument("--synthetic", type=int, default=0, help="fill an empty incident table with N rows")
    parser.add_argument("--http", action="store_true", help="also time the endpoint through uvicorn")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive grid join comparison")
    args = parser.parse_args()
    sizes = [float(v) for v in args.sizes.split(",")]
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
        print(f"incidents: {total:,}; heat of {year.start} … {year.end}, {args.runs} runs; "
              f"goal p50 ≤ {GOAL_MS:g} ms for the whole service call (cells → GeoJSON text)")
        typical = session.execute(text(
            "SELECT category FROM (SELECT category, count(*) AS n FROM incident GROUP BY 1) c "
            "ORDER BY n LIMIT 1 OFFSET (SELECT count(DISTINCT category) / 2 FROM incident)")).scalar()
        busiest, busiest_code = session.execute(text(
            "SELECT i.station_id, s.code FROM incident i JOIN station s ON s.id = i.station_id "
            "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1")).one()
        median_year = build_filter(start=year.start, end=year.end, category=[typical], hours=None, weekdays=None)
        cases = [(f"bureau, {category!r} (most frequent)", year, bureau, None, sizes),
                 (f"bureau, {typical!r} (median category)", median_year, bureau, None, [500.0]),
                 (f"one station ({busiest_code}), {category!r}", year, AnalyticsScope(station_ids=(busiest,)),
                  busiest_code, [500.0])]
        for label, flt, scope, _, case_sizes in cases:
            cells.CACHE.clear()
            cold_ms, _ = once(lambda f=flt, s=scope: service.heat(session=session, flt=f, scope=s, cell="hex",
                                                                   size=500.0))
            print(f" {label}: first call with an empty cache {cold_ms:.0f} ms")
            for size in case_sizes:
                for cell in ("hex", "square"):
                    new_ms, body = timed(lambda c=cell, f=flt, s=scope, z=size: service.heat(
                        session=session, flt=f, scope=s, cell=c, size=z), args.runs)
                    stale_ms = []
                    for _ in range(5):
                        stale_one_chunk()
                        stale_ms.append(once(lambda c=cell, f=flt, s=scope, z=size: service.heat(
                            session=session, flt=f, scope=s, cell=c, size=z))[0])
                    old_ms, old = timed(lambda c=cell, f=flt, s=scope, z=size: previous_heat(
                        session, flt=f, scope=s, cell=c, size=z), max(3, args.runs // 10))
                    new = json.loads(body)
                    same = "same cells" if same_features(new, old) and new["total"] == old["total"] else "DIFFER"
                    p50 = statistics.median(new_ms)
                    verdict = "OK" if p50 <= GOAL_MS else "OVER GOAL"
                    print(f"  {cell:6} {size:6g} m  p50 {p50:6.1f} ms  p90 {pct(new_ms, 0.9):6.1f} ms [{verdict}]"
                          f"  after a change {statistics.median(stale_ms):5.1f} ms  | before p50 "
                          f"{statistics.median(old_ms):6.1f} ms ({statistics.median(old_ms) / p50:4.0f}×)"
                          f"  cells {len(new['features']):,}  incidents {new['total']:,}  {len(body) / 1024:.0f} KB"
                          f"  ({same})")
        if args.http:
            http_figures(settings, [(label, flt, scope, code) for label, flt, scope, code, _ in cases], [500.0],
                         args.runs)
        if args.no_naive:
            return
        station = busiest
        month = build_filter(start=date(end.year, end.month, 1), end=end if end.day > 1 else end,
                             category=[category], hours=None, weekdays=None)
        one = AnalyticsScope(station_ids=(station,))
        print(f"subset: station {station}, {month.start} … {month.end}, {category!r}, size 500 m")
        for cell, grid in (("hex", "ST_HexagonGrid"), ("square", "ST_SquareGrid")):
            fast_ms, fast = timed(lambda c=cell: service.sql_cell_counts(
                session=session, flt=month, scope=one, cell=c, size=500.0), args.runs)
            params = {"size": 500.0, "station": station, "start_at": month.start_at,
                      "end_at": month.end_at, "category": category}
            naive_sql = text(NAIVE.format(grid=grid))
            naive_ms, rows = timed(lambda q=naive_sql, p=params: session.execute(q, p).all(),
                                   max(3, args.runs // 10))
            naive = {(r.i, r.j): r.n for r in rows}
            same = ("same cells" if naive == fast
                    else f"differs ({sum(naive.values())} vs {sum(fast.values())} incidents)")
            ratio = statistics.median(naive_ms) / statistics.median(fast_ms)
            print(f"  {cell:6} SQL arithmetic p50 {statistics.median(fast_ms):7.2f} ms   naive {grid} join p50 "
                  f"{statistics.median(naive_ms):8.1f} ms   ratio {ratio:6.0f}×   ({same})")


if __name__ == "__main__":
    main()
