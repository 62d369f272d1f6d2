"""A/B of two checkouts of the app on the hot paths (lookup, tile render, tile 304, heat), interleaved in one run.

    set -a; . .holomap/holomap.env; set +a
    git archive OTHER_COMMIT | tar -x -C /tmp/other     # the checkout to compare with (B is this tree)
    .venv/bin/python bench/ab.py --old /tmp/other [--rounds 8] [--requests 150] [--cases heat,heat filtered]

Cases: `lookup`, `tile z16 render`, `tile 304` (as --user, default chief) and, as the leader over the whole
bureau and one year, `heat`, `heat filtered` (theft at night) and the dashboard's calls (`heat compact`,
`hotspots compact`, `beats compact`, `officers`, `repeat-locations`, `matrix`, `compare`); --cases picks some
(default: the first three).

Starts one uvicorn (uvloop + httptools, one worker, tile cache off) per tree and sends the same
sequential requests to each, alternating the order every round, so both see the same machine load. Prints
per case and tree: wall p50/p99 (ms), the server process's CPU per request (utime + stime delta / requests)
and the PostgreSQL backends' CPU per request (the backends whose client ports are the server's sockets),
with the ratio B/A, and the load average. On a machine shared with other work the CPU figures are the
steadier ones: wall time includes waiting for a core.
"""
import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.config import Settings  # noqa: E402
from bench._server import cpu_seconds, free_port, pct, token_for  # noqa: E402
from bench.lookup import SAMPLE_BUILDINGS, USER_BEATS  # noqa: E402
from bench.tiles import DENSEST, block  # noqa: E402

# the leader's analytics calls: heat (GeoJSON), and what the dashboard asks on opening (compact map answers)
ANALYTICS = {"heat": "/api/analytics/heat", "heat filtered": "/api/analytics/heat?category=theft&hours=0-6,22-23",
             "heat compact": "/api/analytics/heat?format=compact",
             "hotspots compact": "/api/analytics/hotspots?format=compact",
             "beats compact": "/api/analytics/beats?format=compact", "officers": "/api/analytics/officers",
             "repeat-locations": "/api/analytics/repeat-locations", "matrix": "/api/analytics/matrix",
             "compare": "/api/analytics/compare"}
CASES = ("lookup", "tile z16 render", "tile 304", *ANALYTICS)


def start(tree: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log", "--loop", "uvloop", "--http",
           "httptools"]
    proc = subprocess.Popen(cmd, cwd=tree, env={**os.environ, "HOLOMAP_TILE_CACHE": "0", "PYTHONPATH": str(tree)})
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit(f"{tree} did not start")


def socket_ports(pid: int) -> set[int]:
    """Local TCP ports of the process's sockets (its connections to PostgreSQL among them)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if parts[9] in inodes:
                    ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


def backend_pids(engine, pid: int) -> list[int]:
    ports = socket_ports(pid)
    with engine.connect() as conn:  # a fresh connection each time (pre-pinged): the run outlives a terminated one
        rows = conn.execute(text("SELECT pid, client_port FROM pg_stat_activity WHERE client_port IS NOT NULL")).all()
    return [r.pid for r in rows if r.client_port in ports]


def run(client: httpx.Client, urls: list[str], headers: dict, ok: tuple[int, ...]) -> list[float]:
    lat = []
    for url in urls:
        t0 = time.perf_counter()
        r = client.get(url, headers=headers)
        lat.append((time.perf_counter() - t0) * 1000)
        if r.status_code not in ok:
            raise SystemExit(f"unexpected {r.status_code} from {url}: {r.text[:200]}")
    return lat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the other checkout (A); B is this tree")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=150, help="per case, tree and round")
    parser.add_argument("--user", default="chief")
    parser.add_argument("--cases", default=",".join(CASES[:3]), help="comma-separated, of: " + ", ".join(CASES))
    args = parser.parse_args()
    settings = Settings()
    engine = create_engine(settings.owner_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    owner = engine.connect()
    user = owner.execute(text("SELECT id, role, station_id FROM app_user WHERE username = :u"),
                         {"u": args.user}).mappings().one()
    beats = list(owner.execute(text(USER_BEATS), {"role": user["role"], "station_id": user["station_id"],
                                                   "user_id": user["id"]}).scalars())
    buildings = owner.execute(text(SAMPLE_BUILDINGS), {"beats": beats}).mappings().all()
    spot = owner.execute(text(DENSEST)).mappings().one()
    owner.close()
    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {token_for(settings, args.user)}"}
    leader = {"Authorization": f"Bearer {token_for(settings, 'leader')}"}
    trees = {"A": Path(args.old).resolve(), "B": ROOT}
    servers = {name: start(tree) for name, tree in trees.items()}
    clients = {name: httpx.Client(base_url=base, timeout=60) for name, (_, base) in servers.items()}
    tiles = [f"/tiles/buildings/16/{x}/{y}.mvt" for (_, x, y) in block(spot["lon"], spot["lat"], 16)]
    etag = clients["B"].get(tiles[4], headers=headers).headers["etag"]
    cases = tuple(c for c in args.cases.split(",") if c)
    if unknown := set(cases) - set(CASES):
        raise SystemExit(f"unknown cases {sorted(unknown)}; known: {', '.join(CASES)}")
    figures = {(c, t): {"lat": [], "cpu": 0.0, "pg": 0.0, "n": 0} for c in cases for t in trees}
    loads = []
    try:
        for client in clients.values():  # warm-up: connections, plans, imports
            run(client, [f"/api/lookup?lon={b['lon']}&lat={b['lat']}" for b in buildings[:30]], headers, (200,))
            run(client, tiles * 3, headers, (200, 204))
            run(client, [ANALYTICS[c] for c in cases if c in ANALYTICS] * 3, leader, (200,))
        for rnd in range(args.rounds):
            loads.append(os.getloadavg()[0])
            picks = [rng.choice(buildings) for _ in range(args.requests)]
            urls = {"lookup": [f"/api/lookup?lon={b['lon']}&lat={b['lat']}" for b in picks],
                    "tile z16 render": [tiles[i % len(tiles)] for i in range(args.requests)],
                    "tile 304": [tiles[4]] * args.requests,
                    **{name: [url] * args.requests for name, url in ANALYTICS.items()}}
            order = ("A", "B") if rnd % 2 == 0 else ("B", "A")
            for case in cases:
                extra = {"If-None-Match": etag} if case == "tile 304" else {}
                for name in order:
                    proc = servers[name][0]
                    backends = backend_pids(engine, proc.pid)
                    cpu0, pg0 = cpu_seconds([proc.pid]), cpu_seconds(backends)
                    lat = run(clients[name], urls[case], {**(leader if case in ANALYTICS else headers), **extra},
                              (200, 204, 304))
                    fig = figures[(case, name)]
                    fig["cpu"] += cpu_seconds([proc.pid]) - cpu0
                    fig["pg"] += cpu_seconds(backend_pids(engine, proc.pid)) - pg0 if backends else 0.0
                    fig["lat"] += lat
                    fig["n"] += len(lat)
    finally:
        for client in clients.values():
            client.close()
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)
    print(f"A = {trees['A']}, B = {trees['B']}; {args.rounds} rounds × {args.requests} requests per case and"
          f" tree, alternating; load average during the run {min(loads):.1f}–{max(loads):.1f}")
    print(f"{'case':18} {'tree':4} {'p50 ms':>8} {'p99 ms':>8} {'app CPU ms/req':>15} {'PG CPU ms/req':>14}")
    for case in cases:
        row = {}
        for name in trees:
            fig = figures[(case, name)]
            row[name] = (pct(fig["lat"], 50), pct(fig["lat"], 99), fig["cpu"] * 1000 / fig["n"],
                         fig["pg"] * 1000 / fig["n"])
            print(f"{case:18} {name:4} {row[name][0]:8.2f} {row[name][1]:8.2f} {row[name][2]:15.3f}"
                  f" {row[name][3]:14.3f}")
        ratio = [b / a if a else float("nan") for a, b in zip(row["A"], row["B"], strict=True)]
        print(f"{case:18} {'B/A':4} {ratio[0]:8.2f} {ratio[1]:8.2f} {ratio[2]:15.2f} {ratio[3]:14.2f}")


if __name__ == "__main__":
    main()
