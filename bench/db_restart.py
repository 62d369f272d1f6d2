"""Drill: the database goes away and comes back under a light mixed load; how fast do requests fail and recover?

    set -a; . .holomap/holomap_test_NAME_migrations.env; set +a   # a scratch database (its name says so)
    .venv/bin/python bench/db_restart.py [--outages 3] [--down 3] [--rate 10]

The app (real uvicorn on 127.0.0.1) reaches PostgreSQL through a loopback TCP forwarder run by this script
(tests/tcp_proxy.py). An outage is the forwarder stopping: its port closed and every forwarded connection
reset, which is what the app sees when the database restarts. The machine's PostgreSQL is never stopped.
A last phase ends every connection of the app with pg_terminate_backend instead.

Load: lookups (GET /api/lookup, one_row) and writes (POST /api/visits, a session) from a few
workers at --rate requests/s each. Printed per outage: the slowest answer while the database was away
(goal < 1 s), the answers by status and code, and seconds from the database being back to the first
success of each kind (goal < 1 s); at the end, acknowledged (201) writes missing from the database (goal 0).

An empty scratch database is migrated and seeded first and downgraded to empty again at the end.
"""
import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import create_engine, inspect, make_url, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings  # noqa: E402
from bench._server import token_for, uvicorn_server  # noqa: E402
from tests.tcp_proxy import TcpProxy  # noqa: E402

SCRATCH_WORDS = ("test", "scratch", "drill", "bench")
OFFICER_PLACES = """
SELECT DISTINCT h.id AS household_id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat
FROM app_user u JOIN beat_member m ON m.user_id = u.id JOIN household h ON h.beat_id = m.beat_id
JOIN building b ON b.id = h.building_id
WHERE u.username = :username ORDER BY h.id LIMIT 200
"""


class Load:
    """Workers sending lookups and writes until stopped; every answer is recorded with its times."""

    def __init__(self, base: str, token: str, places: list[dict], marker: str, rate: float,
                 tiles: list[str] | None = None):
        self.base, self.places, self.marker, self.tiles = base, places, marker, tiles or []
        self.headers = {"Authorization": f"Bearer {token}"}
        self.pause = 1 / rate
        self.records: list[dict] = []
        self.acknowledged: list[int] = []
        self.sent_writes = 0
        self.running = True

    async def worker(self, kind: str, n: int) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=30, headers=self.headers) as client:
            i = n
            while self.running:
                place = self.places[i % len(self.places)]
                i += 7
                started = time.monotonic()
                try:
                    if kind == "lookup":
                        r = await client.get("/api/lookup", params={"lon": place["lon"], "lat": place["lat"]})
                    elif kind == "tile":  # a vector tile (cached or not: either way a statement first)
                        r = await client.get(self.tiles[i % len(self.tiles)])
                    else:
                        self.sent_writes += 1
                        r = await client.post("/api/visits", json={
                            "household_id": place["household_id"], "notes": f"{self.marker} {n}-{i}",
                            "checklist": {}})
                    status = r.status_code
                    code = r.json().get("code") if status >= 400 and r.content else None
                    if kind == "write" and status == 201:
                        self.acknowledged.append(r.json()["id"])
                except httpx.HTTPError as exc:
                    status, code = 0, type(exc).__name__
                self.records.append({"kind": kind, "start": started, "end": time.monotonic(),
                                     "status": status, "code": code})
                await asyncio.sleep(self.pause)


def outage_figures(records: list[dict], down_at: float, up_at: float) -> dict:
    during = [r for r in records if down_at <= r["start"] < up_at]
    slowest = max((r["end"] - r["start"] for r in during), default=0.0)
    answers = Counter(f"{r['kind']} {r['status']}{' ' + r['code'] if r['code'] else ''}" for r in during)
    first = {}
    for kind in ("lookup", "write"):
        ok = [r["end"] for r in records if r["kind"] == kind and r["start"] >= up_at
              and r["status"] in (200, 201)]
        first[kind] = min(ok) - up_at if ok else None
    return {"slowest_while_down": slowest, "answers": answers, "first_success": first}


def prepare(settings: Settings) -> bool:
    """Migrate and seed an empty scratch database; True when this run did (and should undo it)."""
    engine = create_engine(settings.owner_url)
    try:
        if "app_user" in inspect(engine).get_table_names():
            with engine.connect() as conn:  # migrated by the test suite's migration test, but no data?
                if conn.execute(text("SELECT EXISTS (SELECT FROM app_user)")).scalar_one():
                    return False
    finally:
        engine.dispose()
    import seed
    from api import dbprogram

    print("[drill] empty scratch database: migrating and seeding the demo district …")
    dbprogram.upgrade(settings.owner_url)
    seed.run(engine_url=settings.owner_url, scale="demo", seed=20261125, if_empty=True)
    return True


async def drill(args, settings: Settings, proxy: TcpProxy, base: str, places: list[dict], marker: str) -> dict:
    token = token_for(settings, args.user)
    load = Load(base, token, places, marker, args.rate)
    workers = [asyncio.create_task(load.worker("lookup", n)) for n in range(args.lookups)]
    workers += [asyncio.create_task(load.worker("write", n + 1000)) for n in range(args.writers)]
    outages = []
    await asyncio.sleep(args.warm)
    for _ in range(args.outages):
        down_at = time.monotonic()
        await asyncio.to_thread(proxy.stop)
        await asyncio.sleep(args.down)
        await asyncio.to_thread(proxy.resume)
        up_at = time.monotonic()  # accepting connections again
        await asyncio.sleep(args.after)
        outages.append(("outage", down_at, up_at))
    # an administrator (or a crash) ends every connection of the app; the database stays up
    killed_at = time.monotonic()
    engine = create_engine(settings.owner_url)
    with engine.begin() as conn:
        killed = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND client_port = ANY(:ports)"),
            {"ports": sorted(proxy.upstream_ports)}).scalar_one()
    engine.dispose()
    await asyncio.sleep(args.after)
    outages.append((f"pg_terminate_backend ×{killed}", killed_at, killed_at))
    load.running = False
    await asyncio.gather(*workers)
    return {"load": load, "outages": outages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outages", type=int, default=3)
    parser.add_argument("--down", type=float, default=3.0, help="seconds each outage lasts")
    parser.add_argument("--warm", type=float, default=3.0)
    parser.add_argument("--after", type=float, default=3.0, help="seconds of load after each outage")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second of each worker")
    parser.add_argument("--lookups", type=int, default=4, help="lookup workers")
    parser.add_argument("--writers", type=int, default=2, help="write workers")
    parser.add_argument("--user", default="officer1")
    parser.add_argument("--keep", action="store_true", help="leave a database this run seeded as it is")
    args = parser.parse_args()

    settings = Settings()
    url = make_url(settings.database_url)
    if not any(word in (url.database or "") for word in SCRATCH_WORDS):
        raise SystemExit(f"refusing to drill on {url.database!r}: name a scratch database "
                         f"(its name contains one of {', '.join(SCRATCH_WORDS)})")
    seeded = prepare(settings)
    marker = f"drill-{uuid.uuid4().hex[:12]}"
    owner = create_engine(settings.owner_url)
    try:
        with owner.connect() as conn:
            places = [dict(r) for r in conn.execute(text(OFFICER_PLACES), {"username": args.user}).mappings()]
        if not places:
            raise SystemExit(f"{args.user} has no households in the database's beats")
        with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
            proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            with uvicorn_server(env={"DATABASE_URL": proxied}) as base:
                result = asyncio.run(drill(args, settings, proxy, base, places, marker))
        load = result["load"]
        with owner.begin() as conn:
            stored = set(conn.execute(text("SELECT id FROM visit WHERE notes LIKE :m"),
                                      {"m": f"{marker} %"}).scalars())
            conn.execute(text("DELETE FROM visit WHERE notes LIKE :m"), {"m": f"{marker} %"})
    finally:
        owner.dispose()
        if seeded and not args.keep:
            from alembic import command

            from api.cli import _alembic_config

            command.downgrade(_alembic_config(settings.owner_url), "base")

    report(args, load, result["outages"], stored)


def report(args, load: Load, outages: list, stored: set[int]) -> None:
    print(f"\n[drill] {len(load.records)} requests: {args.lookups} lookup and {args.writers} write workers at "
          f"{args.rate:g}/s each; {args.outages} outages of {args.down:g} s, then one pg_terminate_backend")
    print(f"{'event':28} {'slowest answer while down':>26} {'lookup back after':>18} {'write back after':>17}")
    recoveries = []
    for name, down_at, up_at in outages:
        f = outage_figures(load.records, down_at, up_at)
        first = f["first_success"]
        recoveries += [v for v in first.values() if v is not None]
        fmt = {k: "never" if v is None else f"{v:.3f} s" for k, v in first.items()}
        slowest = f"{f['slowest_while_down']:.3f} s" if up_at > down_at else "—"
        print(f"{name:28} {slowest:>26} {fmt['lookup']:>18} {fmt['write']:>17}")
        if f["answers"]:
            print("    answers while down: " + ", ".join(f"{k}: {v}" for k, v in sorted(f["answers"].items())))
    if len(outages) > 0:
        last = outages[-1]
        after_kill = [r for r in load.records if r["start"] >= last[1]]
        failed = Counter(f"{r['kind']} {r['status']} {r['code']}" for r in after_kill if r["status"] >= 400)
        print(f"    after pg_terminate_backend: {dict(failed) or 'no failed request'}")
    statuses = Counter(r["status"] for r in load.records)
    print(f"all answers by status: {dict(sorted(statuses.items()))}")
    bad = [r for r in load.records if r["status"] not in (200, 201, 503)]
    if bad:
        print(f"    unexpected answers: {Counter((r['status'], r['code']) for r in bad)}")
    acked = set(load.acknowledged)
    lost = acked - stored
    unacked_written = stored - acked
    print(f"writes: {load.sent_writes} sent, {len(acked)} acknowledged (201), {len(lost)} acknowledged but lost, "
          f"{len(unacked_written)} written without an acknowledgement")
    if recoveries:
        print(f"first success after the database is back: median {statistics.median(recoveries):.3f} s, "
              f"worst {max(recoveries):.3f} s (goal < 1 s)")


if __name__ == "__main__":
    main()
