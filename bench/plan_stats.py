"""Live beat stats: POST /api/beats/stats's query for a 1 km² polygon in the densest area, against a
naive count over building/household/person/incident in the same run. Goal: ≤ 20 ms p50.

With --plans: the planning round trips on a real uvicorn (issue 18): create a draft (goal ≤ 300 ms p50),
check it (≤ 100 ms), paint a village into a neighbouring beat (one edit; the answer carries the new
figures of the beats it changed: ≤ 30 ms), reload the plan and check it again after the paint, undo,
redo; then, in transactions that are rolled back (the plan in force never changes), publish the draft as
the chief and run the min-change proposal (≤ 5 s), printing the proposal's balance and households moved;
with a hello-world request (GET /api/health) and the raw SQL floor (SELECT 1) measured in the same run.
The drafts it makes are deleted.

Run against the county database for the figure that matters:
  make seed-county; set -a; . .holomap/holomap_county.env; set +a; .venv/bin/python bench/plan_stats.py
"""

import argparse
import math
import os
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


# a village bordering a unit of another beat, whose own beat keeps other villages (a paintable edit)
PAINTABLE = """
WITH owner AS (SELECT u.village_id, u.beat_id FROM plan_unit u WHERE u.plan_id = :p AND u.beat_id IS NOT NULL)
SELECT v.id AS village_id, o.beat_id AS home, n.beat_id AS target
FROM village v JOIN owner o ON o.village_id = v.id
JOIN village w ON w.id <> v.id AND w.station_id = v.station_id AND ST_Intersects(w.geom, v.geom)
JOIN owner n ON n.village_id = w.id AND n.beat_id <> o.beat_id
WHERE (SELECT count(*) FROM owner x WHERE x.beat_id = o.beat_id) >= 3
LIMIT 1
"""


def _transaction_figures(owner, settings, plan_id: int, chief: str, worktree_sql: bool) -> dict[str, float]:
    """Publish and the min-change proposal of a draft, each in a transaction that is rolled back (the
    county's plan in force is never changed). On the owner's connection as the station chief; with
    `worktree_sql` this checkout's holomap_reassign_beats is used as a pg_temp copy (for a database whose
    program is older than the checkout; nothing is installed)."""
    from api.auth.service import CurrentUser
    from api.plans import queries
    from api.plans.publish import publish_plan
    from api.plans.rebalance import rebalance
    from api.plans.service import get_plan_row

    out = {}
    reassign = queries.REASSIGN_BEATS
    with Session(owner) as session:
        if worktree_sql:
            body = (Path(__file__).resolve().parent.parent / "api/plans/sql/reassign_beats.sql").read_text()
            body = body.replace("CREATE OR REPLACE FUNCTION holomap_reassign_beats",
                                "CREATE OR REPLACE FUNCTION pg_temp.holomap_reassign_beats")
            session.connection().exec_driver_sql(body)
            session.commit()  # a temporary function lives as long as the connection
            queries.REASSIGN_BEATS = reassign.replace("FROM holomap_reassign_beats",
                                                      "FROM pg_temp.holomap_reassign_beats")
        try:
            row = session.execute(text("SELECT id, station_id FROM app_user WHERE username = :u"), {"u": chief}).one()
            session.execute(text("SELECT set_config('holomap.user_id', :u, true)"), {"u": str(row.id)})
            user = CurrentUser(id=row.id, username=chief, display_name=chief, role="station_chief",
                               station_id=row.station_id)
            plan = get_plan_row(session=session, user=user, plan_id=plan_id)
            start = time.perf_counter()
            result = publish_plan(session, user=user, plan=plan, settings=settings)
            out["publish"] = (time.perf_counter() - start) * 1000
            out["publish_households"] = result["households"]
            session.rollback()
            session.execute(text("SELECT set_config('holomap.user_id', :u, true)"), {"u": str(row.id)})
            plan = get_plan_row(session=session, user=user, plan_id=plan_id)
            start = time.perf_counter()
            proposal = rebalance(session, plan=plan, balance_on="residents", target_ratio=2.0)
            out["propose"] = (time.perf_counter() - start) * 1000
            out["proposal"] = proposal
            session.rollback()
            # the same on a draft nobody painted (the plan in force: whole communities cannot balance the urban
            # beats there, so the model of village parts runs)
            from api.plans.service import create_draft

            session.execute(text("SELECT set_config('holomap.user_id', :u, true)"), {"u": str(row.id)})
            fresh = get_plan_row(session=session, user=user,
                                 plan_id=create_draft(session=session, user=user, name="bench fresh", based_on=None))
            start = time.perf_counter()
            proposal = rebalance(session, plan=fresh, balance_on="residents", target_ratio=2.0)
            out["propose_fresh"] = (time.perf_counter() - start) * 1000
            out["proposal_fresh"] = proposal
            session.rollback()
        finally:
            queries.REASSIGN_BEATS = reassign
    return out


def plans_bench(runs: int, planner: str, chief: str = "chief", worktree_sql: bool = False) -> None:
    from bench._server import owner_engine, pct, token_for, uvicorn_server

    settings = get_settings()
    headers = {"Authorization": f"Bearer {token_for(settings, planner)}"}
    owner = owner_engine(settings)
    made: list[int] = []
    figures: dict[str, list[float]] = {
        k: [] for k in ("hello", "sql_floor", "create", "check", "paint", "reload", "check_after", "undo", "redo",
                  "publish", "propose", "propose_fresh")
    }
    proposals: list[dict] = []
    fresh_proposals: list[dict] = []

    def clock(name, fn):
        start = time.perf_counter()
        out = fn()
        figures[name].append((time.perf_counter() - start) * 1000)
        return out

    import httpx

    with uvicorn_server() as base, httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        client.get("/api/health")
        try:
            for i in range(runs):
                clock("hello", lambda: client.get("/api/health"))
                with owner.connect() as conn:
                    clock("sql_floor", lambda conn=conn: conn.execute(text("SELECT 1")).scalar())
                r = clock("create", lambda i=i: client.post("/api/plans", json={"name": f"bench {i}"}))
                assert r.status_code == 201, r.text
                plan_id = r.json()["id"]
                made.append(plan_id)
                r = clock("check", lambda plan_id=plan_id: client.get(f"/api/plans/{plan_id}/check"))
                assert r.status_code == 200, r.text
                with owner.connect() as conn:
                    edit = conn.execute(text(PAINTABLE), {"p": plan_id}).first()
                if edit is not None:
                    body = {"beat_id": edit.target, "village_ids": [edit.village_id]}
                    r = clock("paint", lambda plan_id=plan_id, body=body:
                              client.post(f"/api/plans/{plan_id}/assign", json=body))
                    assert r.status_code == 200, r.text
                    assert r.json()["beats"], "the paint answers with the changed beats' figures"
                    r = clock("reload", lambda plan_id=plan_id: client.get(f"/api/plans/{plan_id}"))
                    assert r.status_code == 200, r.text
                    r = clock("check_after", lambda plan_id=plan_id: client.get(f"/api/plans/{plan_id}/check"))
                    assert r.status_code == 200, r.text
                    r = clock("undo", lambda plan_id=plan_id: client.post(f"/api/plans/{plan_id}/undo"))
                    assert r.status_code == 200, r.text
                    r = clock("redo", lambda plan_id=plan_id: client.post(f"/api/plans/{plan_id}/redo"))
                    assert r.status_code == 200, r.text
                    if i < max(1, runs // 3):  # the slow steps, fewer times
                        got = _transaction_figures(owner, settings, plan_id, chief, worktree_sql)
                        figures["publish"].append(got["publish"])
                        figures["propose"].append(got["propose"])
                        figures["propose_fresh"].append(got["propose_fresh"])
                        proposals.append(got["proposal"] | {"publish_households": got["publish_households"]})
                        fresh_proposals.append(got["proposal_fresh"])
        finally:
            for plan_id in made:
                client.delete(f"/api/plans/{plan_id}")
    owner.dispose()
    hello = statistics.median(figures["hello"])
    goals = {"create": 300, "check": 100, "check_after": 100, "paint": 30, "propose": 5000, "propose_fresh": 5000}
    print(f"database: {engine_name(settings)}  runs: {runs}  load average: {os.getloadavg()[0]:.1f}")
    for name, values in figures.items():
        if not values:
            continue
        p50 = statistics.median(values)
        goal = f"  (goal ≤ {goals[name]} ms)" if name in goals else ""
        print(f"{name:10s} p50 {p50:8.2f} ms  p95 {pct(values, 95):8.2f} ms  ×hello {p50 / hello:6.1f}{goal}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for p in proposals[:1]:
        print(f"publish (rolled back) re-assigned {p['publish_households']} households")
    for name, p in [("after the paint", p) for p in proposals] + [("unpainted draft", p) for p in fresh_proposals]:
        print(f"min-change proposal ({name}): residents max/min by kind {p['balance_ratio_by_kind']} (target "
              f"{p['target_ratio']}, met: {p['target_met']}), {p['households_moved']} households / "
              f"{p['villages_moved']} villages moved ({p.get('villages_split', 0)} split, "
              f"{p.get('buildings_moved', 0)} buildings of them moved), optimal: {p['optimal']}, "
              f"searched: {p.get('search')}")


def engine_name(settings) -> str:
    return create_engine(settings.database_url).url.database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--plans", action="store_true", help="time draft, check, paint and undo instead")
    parser.add_argument("--planner", default="planner")
    parser.add_argument("--chief", default="chief", help="publishes (rolled back) with --plans")
    parser.add_argument("--worktree-sql", action="store_true",
                        help="use this checkout's holomap_reassign_beats as a pg_temp copy (nothing installed)")
    args = parser.parse_args()
    if args.plans:
        plans_bench(args.runs, args.planner, args.chief, args.worktree_sql)
        return
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
