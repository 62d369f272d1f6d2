"""Load drill (issue 15): 50 keep-alive connections on lookups and tiles, with 1 and 2 server workers.

    set -a; . .holomap/holomap_test_NAME_migrations.env; set +a   # a scratch database
    .venv/bin/python bench/load.py [--connections 50] [--seconds 15] [--workers 1 2]

Every lookup writes an audit row, and audit_log is append-only: run it on a scratch database, never on
the test database (a test counting lookup rows then fails). An empty database is migrated and seeded
with the demo district first and downgraded to empty again at the end (as bench/db_restart.py does).

The server is `holomap serve --workers N` as deployed (uvicorn.run, its access log on; 127.0.0.1). Cases,
each for --seconds after a short warm-up, every connection sending its next request as soon as the last
one was answered (after Retry-After when refused with 503 server.busy, as a well-behaved client):

- hello world: GET /config.json (static, no database, not under the load shedder) — the baseline;
- lookups as chief and as officer1: GET /api/lookup at building centroids in the user's beats (from the
  database), each one statement with its audit row;
- tiles: GET /tiles/{buildings,beats}/{z}/{x}/{y}.mvt for z14–z16 over the published beats' extent, the
  process tile cache on (the normal setting), as officer1.

Printed per case: answers/s, p50/p99 of the successful answers, 503 server.busy (load shedding: correct
behaviour, reported apart), any other 5xx, connection errors; the CPU used by the load generator (one
asyncio process on the same machine — it competes with the server and PostgreSQL for the cores), by
the server's processes, and by the whole machine (other people's work included), plus the load average.
Loopback only; bounded: --seconds (max 60) per case.
"""
import argparse
import asyncio
import math
import os
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings  # noqa: E402
from bench import _server as srv  # noqa: E402
from bench.db_restart import prepare  # noqa: E402
from bench.lookup import SAMPLE_BUILDINGS, USER_BEATS  # noqa: E402

BEATS_EXTENT = """
SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
FROM (SELECT ST_Extent(b.geom) AS e FROM beat b JOIN beat_plan p ON p.id = b.plan_id
      WHERE p.status = 'published') x
"""
MAX_TILES_PER_ZOOM = 400


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_urls(extent: dict) -> list[str]:
    urls = []
    for z in (14, 15, 16):
        xa, ya = tile_xy(extent["x0"], extent["y1"], z)  # north-west corner
        xb, yb = tile_xy(extent["x1"], extent["y0"], z)
        tiles = [(x, y) for y in range(ya, yb + 1) for x in range(xa, xb + 1)][:MAX_TILES_PER_ZOOM]
        urls += [f"/tiles/{layer}/{z}/{x}/{y}.mvt" for x, y in tiles for layer in ("buildings", "beats")]
    return urls


def lookup_urls(conn, username: str) -> list[str]:
    user = conn.execute(text("SELECT id, role, station_id FROM app_user WHERE username = :u"),
                        {"u": username}).mappings().one()
    beats = list(conn.execute(text(USER_BEATS), {"role": user["role"], "station_id": user["station_id"],
                                                  "user_id": user["id"]}).scalars())
    rows = conn.execute(text(SAMPLE_BUILDINGS), {"beats": beats}).mappings().all()
    if not rows:
        raise SystemExit(f"{username} has no buildings in scope")
    return [f"/api/lookup?lon={r['lon']}&lat={r['lat']}" for r in rows]


def machine_busy_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all cores so far (/proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


async def run_case(base: str, urls: list[str], headers: dict, connections: int, seconds: float) -> dict:
    """`connections` keep-alive clients for `seconds`, each cycling over `urls` from its own offset."""
    ok_ms: list[float] = []
    statuses: Counter = Counter()
    errors: Counter = Counter()
    end = time.monotonic() + seconds

    async def client(n: int) -> None:
        conn = srv.KeepAlive(base)
        i = n * 7919
        try:
            while time.monotonic() < end:
                url = urls[i % len(urls)]
                i += 1
                t0 = time.perf_counter()
                try:
                    status, hdrs, body = await conn.get(url, headers)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                    errors[type(exc).__name__] += 1
                    await asyncio.sleep(0.05)
                    continue
                took = (time.perf_counter() - t0) * 1000
                if status == 503 and b"server.busy" in body:
                    statuses["503 server.busy"] += 1
                    await asyncio.sleep(float(hdrs.get("retry-after", "1")))
                    continue
                statuses[str(status)] += 1
                if status < 400:
                    ok_ms.append(took)
        finally:
            conn.close()

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(connections)))
    elapsed = time.monotonic() - started
    return {"ok_ms": ok_ms, "statuses": statuses, "errors": errors, "elapsed": elapsed}


def measure(proc, base: str, urls: list[str], headers: dict, args) -> dict:
    asyncio.run(run_case(base, urls, headers, args.connections, min(args.warmup, 10)))  # caches, pools
    pids = srv.process_tree(proc.pid)
    gen0, srv0, (busy0, total0) = time.process_time(), srv.cpu_seconds(pids), machine_busy_jiffies()
    result = asyncio.run(run_case(base, urls, headers, args.connections, min(args.seconds, 60)))
    gen1, srv1, (busy1, total1) = time.process_time(), srv.cpu_seconds(pids), machine_busy_jiffies()
    wall = result["elapsed"]
    result.update(gen_cpu=(gen1 - gen0) / wall, srv_cpu=(srv1 - srv0) / wall,
                  machine=(busy1 - busy0) / max(1, total1 - total0) * os.cpu_count(),
                  loadavg=os.getloadavg()[0])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0, help="per case (max 60)")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--env", action="append", default=[], help="server setting K=V (repeatable)")
    args = parser.parse_args()
    settings = Settings()
    os.environ.setdefault("TQDM_DISABLE", "1")  # the seed's progress bars
    seeded = prepare(settings)
    try:
        run_all(args, settings)
    finally:
        if seeded:
            from alembic import command

            from api.cli import _alembic_config

            command.downgrade(_alembic_config(settings.owner_url), "base")


def run_all(args, settings: Settings) -> None:
    engine = create_engine(settings.owner_url)
    with engine.connect() as conn:
        extent = conn.execute(text(BEATS_EXTENT)).mappings().one()
        lookups = {u: lookup_urls(conn, u) for u in ("chief", "officer1")}
    engine.dispose()
    tiles = tile_urls(extent)
    auth = {u: {"Authorization": f"Bearer {srv.token_for(settings, u)}"} for u in ("chief", "officer1")}
    cases = [("hello world /config.json", ["/config.json"], {}),
             (f"lookup as chief ({len(lookups['chief'])} buildings)", lookups["chief"], auth["chief"]),
             (f"lookup as officer1 ({len(lookups['officer1'])} buildings)", lookups["officer1"],
              auth["officer1"]),
             (f"tiles z14-16 cache on ({len(tiles)} tiles)", tiles, auth["officer1"])]
    env = dict(kv.split("=", 1) for kv in args.env)
    print(f"{args.connections} keep-alive connections, {args.seconds:g} s per case, {os.cpu_count()} cores; "
          f"server: holomap serve --workers N, settings {env or 'default'}; "
          f"load average before {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = []
    for workers in args.workers:
        proc, base = srv.start_server(env, workers=workers, cli=True)
        try:
            for name, urls, headers in cases:
                rows.append((workers, name, measure(proc, base, urls, headers, args)))
        finally:
            srv.stop_server(proc)
    report(rows)


def report(rows: list) -> None:
    print(f"\n{'w':>2} {'case':42} {'answers':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'503 busy':>8} "
          f"{'other':>22} {'gen CPU':>7} {'server':>7} {'machine':>7} {'load1':>5}")
    hello = {}
    for workers, name, r in rows:
        n = sum(r["statuses"].values())
        busy = r["statuses"].get("503 server.busy", 0)
        ok = r["ok_ms"]
        rps = len(ok) / r["elapsed"]
        if name.startswith("hello"):
            hello[workers] = rps
        other = {k: v for k, v in r["statuses"].items() if not (k.startswith("2") or k.startswith("3"))
                 and k != "503 server.busy"}
        other.update({f"conn {k}": v for k, v in r["errors"].items()})
        p50 = f"{srv.pct(ok, 50):7.1f}" if ok else f"{'-':>7}"
        p99 = f"{srv.pct(ok, 99):7.1f}" if ok else f"{'-':>7}"
        print(f"{workers:2d} {name:42} {n:8d} {rps:7.0f} {p50} {p99} {busy:8d} {str(other or '-'):>22} "
              f"{r['gen_cpu'] * 100:6.0f}% {r['srv_cpu'] * 100:6.0f}% {r['machine'] * 100:6.0f}% "
              f"{r['loadavg']:5.2f}")
    print("\nreq/s counts successful answers (2xx/304); CPU in % of one core (200% = the whole machine).")
    print("ratios to hello world in the same server:")
    for workers, name, r in rows:
        if not name.startswith("hello") and hello.get(workers):
            print(f"  {workers} worker(s) {name:42} {len(r['ok_ms']) / r['elapsed'] / hello[workers]:.2f}")
    five = [(w, n, k, v) for w, n, r in rows for k, v in r["statuses"].items()
            if k.startswith("5") and k != "503 server.busy"]
    print("5xx other than load shedding: " + (", ".join(f"{w}w {n}: {k} ×{v}" for w, n, k, v in five)
                                              if five else "none"))


if __name__ == "__main__":
    main()
