"""Benchmark the GETs each screen calls, at county scale, through a real uvicorn (one worker).

    set -a; . .holomap/holomap_county.env; set +a; .venv/bin/python bench/screens.py [--runs 30]

Cases: search per query kind (full ID number, ID last 4, phone last 4, plate prefix, full plate, full
name, name fragment, address fragment) as the chief and officer1; analytics beats / officers / compare /
hotspots / heat / matrix as the leader; the worklist as the chief and officer1; lookup and floorplan as the
chief. Each case: the first request ("cold", after the server started), then p50/p99 over --runs
requests, the mean response size, the ratio of p50 to the hello-world `/config.json` p50 and, where one
exists, to a raw SQL floor timed in the same run on one connection (e.g. the unique-index probe of an
ID number). Goals (issue 22): search p50 ≤ 10 ms for the chief; every screen GET p50 ≤ 50 ms,
p99 ≤ 200 ms, ≤ 500 KB; worklist p50 ≤ 30 ms for the chief.
"""
import argparse
import random
import sys
import time
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings  # noqa: E402
from api.db import libpq_url  # noqa: E402
from bench._server import pct, token_for, uvicorn_server  # noqa: E402

# a resident of the user's beats with a phone, and a vehicle of the beats (for the search terms)
SAMPLE_PERSON = """
SELECT p.name, p.id_number, p.phone FROM person p JOIN household h ON h.id = p.household_id
WHERE h.beat_id = ANY(CAST(:beats AS integer[])) AND p.moved_out IS NULL AND p.phone IS NOT NULL
  AND length(p.name) >= 3
ORDER BY p.id LIMIT 1 OFFSET :offset
"""
SAMPLE_VEHICLE = """
SELECT v.plate FROM vehicle v JOIN household h ON h.id = v.household_id
WHERE h.beat_id = ANY(CAST(:beats AS integer[])) ORDER BY v.id LIMIT 1 OFFSET :offset
"""
SAMPLE_BUILDING = """
SELECT b.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, b.address, count(*) AS n
FROM building b JOIN household h ON h.building_id = b.id
WHERE h.beat_id = ANY(CAST(:beats AS integer[]))
GROUP BY b.id ORDER BY count(*) DESC, b.id LIMIT 1
"""
# raw SQL floors (owner connection, no RLS): what an index probe costs without HTTP, auth or scope
FLOORS = {
    "id": "SELECT id FROM person WHERE id_number = %s",
    "plate": "SELECT id FROM vehicle WHERE plate = %s",
}
GOAL_P50, GOAL_P99, GOAL_KB = 50.0, 200.0, 500.0


def _ok(r: httpx.Response) -> None:
    if r.status_code != 200:
        raise SystemExit(f"unexpected {r.status_code} from {r.request.url}: {r.text[:300]}")


def _user_beats(conn, username: str) -> list[int]:
    return list(conn.execute(text("SELECT b.id FROM app_user u, holomap_user_beats(u.id) b WHERE u.username = :u"),
                             {"u": username}).scalars())


def search_terms(conn, beats: list[int], rng: random.Random) -> dict[str, str]:
    """One term per query kind, drawn from the user's beats."""
    n = conn.execute(text("SELECT count(*) FROM person p JOIN household h ON h.id = p.household_id "
                          "WHERE h.beat_id = ANY(CAST(:b AS integer[]))"), {"b": beats}).scalar()
    person = conn.execute(text(SAMPLE_PERSON), {"beats": beats, "offset": rng.randrange(max(1, n // 2))}).one()
    nv = conn.execute(text("SELECT count(*) FROM vehicle v JOIN household h ON h.id = v.household_id "
                           "WHERE h.beat_id = ANY(CAST(:b AS integer[]))"), {"b": beats}).scalar()
    plate = conn.execute(text(SAMPLE_VEHICLE), {"beats": beats, "offset": rng.randrange(max(1, nv))}).scalar()
    building = conn.execute(text(SAMPLE_BUILDING), {"beats": beats}).one()
    return {
        "full ID": person.id_number, "ID last 4": person.id_number[-4:], "phone last 4": person.phone[-4:],
        "plate prefix": plate[:3], "full plate": plate, "full name": person.name, "name fragment": person.name[:2],
        "address fragment": building.address[-4:],
    }


def floor_times(settings: Settings, sql: str, value: str, runs: int) -> list[float]:
    out = []
    with psycopg.connect(libpq_url(settings.owner_url), autocommit=True, options="-c jit=off") as conn:
        conn.execute(sql, (value,)).fetchall()
        for _ in range(runs):
            t0 = time.perf_counter()
            conn.execute(sql, (value,)).fetchall()
            out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(client: httpx.Client, url: str, headers: dict, runs: int) -> dict:
    t0 = time.perf_counter()
    r = client.get(url, headers=headers)
    cold = (time.perf_counter() - t0) * 1000
    _ok(r)
    if cold > 2000:  # a very slow case: fewer runs, or the benchmark takes an hour
        runs = min(runs, 5)
    lat, sizes = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(url, headers=headers)
        lat.append((time.perf_counter() - t0) * 1000)
        _ok(r)
        sizes.append(len(r.content))
    return {"cold": cold, "p50": pct(lat, 50), "p99": pct(lat, 99), "kb": sum(sizes) / len(sizes) / 1024,
            "n": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--only", default="", help="run only cases whose name contains this text")
    args = parser.parse_args()
    settings = Settings()
    rng = random.Random(args.seed)
    engine = create_engine(settings.owner_url)
    with engine.connect() as conn:
        beats = {u: _user_beats(conn, u) for u in ("chief", "officer1")}
        terms = {u: search_terms(conn, b, rng) for u, b in beats.items()}
        building = conn.execute(text(SAMPLE_BUILDING), {"beats": beats["chief"]}).one()
        counts = conn.execute(text("SELECT (SELECT count(*) FROM person), (SELECT count(*) FROM incident),"
                                   " (SELECT count(*) FROM beat), (SELECT count(*) FROM vehicle)")).one()
    print(f"database: {counts[0]:,} persons, {counts[1]:,} incidents, {counts[2]:,} beats, {counts[3]:,} vehicles;"
          f" chief {len(beats['chief'])} beats, officer1 {len(beats['officer1'])} beats")
    cases: list[tuple[str, str, str, tuple[str, str] | None]] = []  # name, user, url, floor
    for user in ("chief", "officer1"):
        for kind, term in terms[user].items():
            floor = ("id", term) if kind == "full ID" else ("plate", term) if kind == "full plate" else None
            cases.append((f"search {kind} ({user})", user, "/api/search?" + httpx.QueryParams(q=term).__str__(),
                          floor))
    for path in ("beats", "officers", "compare", "hotspots", "heat", "matrix"):
        cases.append((f"analytics/{path} (leader, 1 year)", "leader", f"/api/analytics/{path}", None))
    for user in ("chief", "officer1"):
        cases.append((f"worklist ({user})", user, "/api/worklist", None))
        cases.append((f"worklist/month ({user})", user, "/api/worklist/month", None))
    cases.append(("lookup (chief)", "chief", f"/api/lookup?lon={building.lon}&lat={building.lat}", None))
    cases.append((f"floorplan ({building.n} households, chief)", "chief",
                  f"/api/buildings/{building.id}/floorplan", None))
    cases.append(("beats (chief)", "chief", "/api/beats", None))
    cases = [c for c in cases if args.only in c[0]]

    tokens = {u: {"Authorization": f"Bearer {token_for(settings, u)}"} for u in ("chief", "officer1", "leader")}
    rows = []
    with uvicorn_server() as base, httpx.Client(base_url=base, timeout=120) as client:
        for _ in range(50):
            client.get("/config.json")
        hello = measure(client, "/config.json", {}, max(args.runs, 200))
        for name, user, url, floor in cases:
            row = {"name": name, **measure(client, url, tokens[user], args.runs)}
            if floor:
                row["floor"] = pct(floor_times(settings, FLOORS[floor[0]], floor[1], 200), 50)
            rows.append(row)
    print(f"{'case':46} {'n':>4} {'cold ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'KB':>8} {'×hello':>7} "
          f"{'floor ms':>8} {'×floor':>7}  goal")
    print(f"{'GET /config.json (hello world, no DB)':46} {hello['n']:4d} {hello['cold']:8.2f} {hello['p50']:8.2f}"
          f" {hello['p99']:8.2f} {hello['kb']:8.1f}")
    for r in rows:
        goal_p50 = 10.0 if r["name"].startswith("search") and "chief" in r["name"] else \
            30.0 if r["name"] == "worklist (chief)" else GOAL_P50
        met = r["p50"] <= goal_p50 and r["p99"] <= GOAL_P99 and r["kb"] <= GOAL_KB
        floor = f"{r['floor']:8.2f} {r['p50'] / r['floor']:7.0f}" if "floor" in r else f"{'':8} {'':7}"
        print(f"{r['name']:46} {r['n']:4d} {r['cold']:8.1f} {r['p50']:8.1f} {r['p99']:8.1f} {r['kb']:8.1f}"
              f" {r['p50'] / hello['p50']:7.0f} {floor}  {'ok' if met else 'OVER'} (p50 ≤ {goal_p50:g})")


if __name__ == "__main__":
    main()
