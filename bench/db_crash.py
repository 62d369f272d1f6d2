"""Drill: PostgreSQL crashes (`pg_ctlcluster … stop -m immediate`) and restarts under a mixed load (issue 15).

    sudo .venv/bin/python bench/db_crash.py [--restarts 1] [--down 5] [--rate 20]     # root only

Never touches the machine's clusters: a throw-away cluster `VERSION/drill` is created on a free port
(pg_createcluster), prepared by scripts/bootstrap-db.sh (HOLOMAP_PGPORT=<port>: roles, database
holomap_drill, PostGIS, pg_trgm; it writes .holomap/holomap_drill.env, removed at the end), migrated and
seeded with the demo district; the app runs on it (uvicorn, one worker, 127.0.0.1). Load: lookups and
tiles (one_row) and visit writes (POST /api/visits, a session) as officer1, each worker at
--rate requests/s; every acknowledged (201) visit id is kept. Then, per restart: stop -m immediate (a
crash: no checkpoint, recovery replays the WAL), --down seconds, start, pg_isready polled every 20 ms.

Printed per restart: the answers while the database was down and while it was starting (status, code,
latency; goal: 503 within 1 s), seconds from pg_isready's first success to the first successful lookup,
tile and write (goal ≤ 1 s); at the end, acknowledged writes missing after the restarts (goal 0).
The cluster is dropped at the end, also on failure (try/finally). Bounded: every wait has a limit.
"""
import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import free_port, pct, token_for, uvicorn_server  # noqa: E402
from bench.db_restart import OFFICER_PLACES, Load, prepare  # noqa: E402
from bench.load import BEATS_EXTENT, tile_urls  # noqa: E402

CLUSTER = "drill"
DB = "holomap_drill"
OK = (200, 201, 204, 304)


def run(*cmd: str, timeout: float = 120, env: dict | None = None) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    return done.stdout


def clusters() -> list[list[str]]:
    return [line.split() for line in run("pg_lsclusters", "-h").splitlines() if line.strip()]


def is_ready(port: int) -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], timeout=5).returncode == 0


async def wait_ready(port: int, limit_s: float = 120) -> float:
    """monotonic() of pg_isready's first success, polling every 20 ms."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if await asyncio.to_thread(is_ready, port):
            return time.monotonic()
        await asyncio.sleep(0.02)
    raise RuntimeError(f"the drill cluster did not accept connections within {limit_s:.0f} s")


def create_cluster(version: str, port: int) -> dict:
    """The throw-away cluster, started and bootstrapped; its URLs (from .holomap/holomap_drill.env)."""
    print(f"[drill] pg_createcluster {version} {CLUSTER} -p {port}")
    run("pg_createcluster", version, CLUSTER, "-p", str(port))
    run("pg_ctlcluster", version, CLUSTER, "start")
    run("scripts/bootstrap-db.sh", DB, env={"HOLOMAP_PGPORT": str(port), "HOLOMAP_PGHOST": "127.0.0.1"},
        timeout=300)
    env_file = ROOT / ".holomap" / f"{DB}.env"
    urls = dict(line.split("=", 1) for line in env_file.read_text().split() if "=" in line)
    if f":{port}/" not in urls["DATABASE_URL"]:
        raise RuntimeError(f"bootstrap-db.sh did not use the drill cluster on port {port}")
    return urls


async def drill(args, base: str, token: str, places: list[dict], tiles: list[str], marker: str,
                version: str, port: int) -> tuple[Load, list[dict]]:
    load = Load(base, token, places, marker, args.rate, tiles=tiles)
    tasks = [asyncio.create_task(load.worker("lookup", n)) for n in range(args.lookups)]
    tasks += [asyncio.create_task(load.worker("tile", n + 500)) for n in range(args.tiles)]
    tasks += [asyncio.create_task(load.worker("write", n + 1000)) for n in range(args.writers)]
    events = []
    try:
        await asyncio.sleep(args.warm)
        for _ in range(args.restarts):
            event = {"down_at": time.monotonic()}
            await asyncio.to_thread(run, "pg_ctlcluster", version, CLUSTER, "stop", "-m", "immediate")
            event["stopped_at"] = time.monotonic()
            await asyncio.sleep(args.down)
            event["start_at"] = time.monotonic()
            starting = asyncio.create_task(asyncio.to_thread(run, "pg_ctlcluster", version, CLUSTER, "start"))
            event["ready_at"] = await wait_ready(port)
            await starting
            event["started_at"] = time.monotonic()  # pg_ctlcluster start returned
            await asyncio.sleep(args.after)
            events.append(event)
    finally:
        load.running = False
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
    return load, events


def figures(records: list[dict], e: dict) -> dict:
    def phase(t0: float, t1: float) -> dict:
        rs = [r for r in records if t0 <= r["start"] < t1]
        took = [r["end"] - r["start"] for r in rs]
        return {"n": len(rs), "answers": Counter(
            f"{r['kind']} {r['status']}{' ' + r['code'] if r['code'] else ''}" for r in rs),
            "p50": pct(took, 50) if took else None, "max": max(took, default=None),
            "over_1s": sum(t > 1 for t in took)}

    first = {}
    for kind in ("lookup", "tile", "write"):
        ok = [r["end"] for r in records if r["kind"] == kind and r["status"] in OK
              and r["start"] >= e["down_at"] and r["end"] >= e["ready_at"]]
        first[kind] = min(ok) - e["ready_at"] if ok else None
    return {"down": phase(e["down_at"], e["start_at"]), "starting": phase(e["start_at"], e["ready_at"]),
            "first": first, "start_to_ready": e["ready_at"] - e["start_at"],
            "ctl_returned": e["started_at"] - e["ready_at"]}


def report(args, load: Load, events: list[dict], stored: set[int]) -> None:
    print(f"\n[drill] {len(load.records)} requests: {args.lookups} lookup, {args.tiles} tile, {args.writers} write "
          f"workers at {args.rate:g}/s each; {len(events)} crash(es) (stop -m immediate), down {args.down:g} s")
    recoveries = []
    for k, e in enumerate(events, 1):
        f = figures(load.records, e)
        print(f"crash {k}: start → pg_isready {f['start_to_ready']:.2f} s; pg_ctlcluster start returned "
              f"{f['ctl_returned']:+.2f} s after pg_isready")
        for name in ("down", "starting"):
            ph = f[name]
            if ph["n"]:
                print(f"  while {name:8}: {ph['n']} answers, latency p50 {ph['p50'] * 1000:.0f} ms, max "
                      f"{ph['max'] * 1000:.0f} ms, {ph['over_1s']} over 1 s (goal 503 within 1 s)")
                print("      " + ", ".join(f"{a}: {n}" for a, n in sorted(ph["answers"].items())))
        fmt = {kind: "never" if v is None else f"{v:.3f} s" for kind, v in f["first"].items()}
        recoveries += [v for v in f["first"].values() if v is not None]
        print(f"  first success after pg_isready: lookup {fmt['lookup']}, tile {fmt['tile']}, "
              f"write {fmt['write']} (goal ≤ 1 s)")
    statuses = Counter(r["status"] for r in load.records)
    print(f"all answers by status: {dict(sorted(statuses.items(), key=lambda kv: str(kv[0])))}")
    bad = [r for r in load.records if r["status"] not in (*OK, 503)]
    print("answers other than success or 503: "
          + (str(Counter((r["kind"], r["status"], r["code"]) for r in bad)) if bad else "none"))
    acked = set(load.acknowledged)
    lost = acked - stored
    print(f"writes: {load.sent_writes} sent, {len(acked)} acknowledged (201), {len(lost)} acknowledged but "
          f"missing after the restart(s) (goal 0), {len(stored - acked)} stored without an acknowledgement")
    if recoveries:
        print(f"first success after pg_isready: median {statistics.median(recoveries):.3f} s, "
              f"worst {max(recoveries):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", default="15", help="PostgreSQL major version of the drill cluster")
    parser.add_argument("--restarts", type=int, default=1, help="crashes (max 5)")
    parser.add_argument("--down", type=float, default=5.0, help="seconds between the crash and the start")
    parser.add_argument("--warm", type=float, default=3.0)
    parser.add_argument("--after", type=float, default=5.0, help="seconds of load after each restart")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second of each worker")
    parser.add_argument("--lookups", type=int, default=4)
    parser.add_argument("--tiles", type=int, default=2)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--user", default="officer1")
    args = parser.parse_args()
    args.restarts = max(1, min(args.restarts, 5))
    args.down = min(args.down, 60)
    if os.geteuid() != 0:
        raise SystemExit("bench/db_crash.py creates, crashes and drops a PostgreSQL cluster: run it as root")
    existing = clusters()
    if any(c[0] == args.version and c[1] == CLUSTER for c in existing):
        raise SystemExit(f"a cluster {args.version}/{CLUSTER} exists already (an interrupted drill?); "
                         f"drop it first: pg_dropcluster {args.version} {CLUSTER} --stop")
    used = {c[2] for c in existing}
    port = free_port()
    while str(port) in used:
        port = free_port()

    env_file = ROOT / ".holomap" / f"{DB}.env"
    created = False
    try:
        created = True  # pg_createcluster may fail half-way: drop whatever it made
        urls = create_cluster(args.version, port)
        os.environ["DATABASE_URL"] = urls["DATABASE_URL"]
        os.environ["HOLOMAP_OWNER_DATABASE_URL"] = urls["HOLOMAP_OWNER_DATABASE_URL"]
        from api.config import Settings

        settings = Settings()
        started = time.monotonic()
        os.environ.setdefault("TQDM_DISABLE", "1")  # the seed's progress bars
        prepare(settings)
        print(f"[drill] migrated and seeded in {time.monotonic() - started:.0f} s")
        owner = create_engine(settings.owner_url)
        try:
            with owner.connect() as conn:
                places = [dict(r) for r in conn.execute(text(OFFICER_PLACES), {"username": args.user}).mappings()]
                tiles = tile_urls(conn.execute(text(BEATS_EXTENT)).mappings().one())
            token = token_for(settings, args.user)
            marker = f"crash-{uuid.uuid4().hex[:12]}"
            with tempfile.TemporaryFile("w+") as log:
                with uvicorn_server(log=log) as base:
                    load, events = asyncio.run(drill(args, base, token, places, tiles, marker, args.version,
                                                     port))
                log.seek(0)
                logged = Counter(line.strip() for line in log if line.strip())
            owner.dispose()  # its pooled connection died with the crash
            with owner.connect() as conn:
                stored = set(conn.execute(text("SELECT id FROM visit WHERE notes LIKE :m"),
                                          {"m": f"{marker} %"}).scalars())
        finally:
            owner.dispose()
        report(args, load, events, stored)
        print("server log lines: " + ("; ".join(f"{n} × {line[:100]}" for line, n in logged.most_common(5))
                                      or "none"))
    finally:
        if created:
            print(f"[drill] pg_dropcluster {args.version} {CLUSTER} --stop")
            try:
                run("pg_dropcluster", args.version, CLUSTER, "--stop")
            except RuntimeError as exc:
                print(f"[drill] {exc}", file=sys.stderr)
        env_file.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
