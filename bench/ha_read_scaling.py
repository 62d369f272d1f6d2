"""Read scaling on the high-availability rehearsal (issue 20): 1 vs 2 PostgreSQL nodes, 1 vs 2 app hosts.

    sudo make ha                                   # scripts/ha-up.sh: the cluster, demo data
    .venv/bin/python bench/ha_read_scaling.py [--connections 16] [--seconds 8]

Four layouts, each a fresh set of app processes (uvicorn, one worker each, no access log) on the
rehearsal's database; the load generator spreads its keep-alive connections over the layout's app hosts:

  1 node  × 1 host   DATABASE_URL only: every read on the primary
  2 nodes × 1 host   HOLOMAP_READ_DATABASE_URL = the standby: tiles, OGC and heat read there
  1 node  × 2 hosts
  2 nodes × 2 hosts

Cases: hello world (GET /config.json, no database: the baseline of the app host), vector tiles z14–16
with the process tile cache off (every tile rendered by PostGIS), OGC items (100 beats a page), heat
(the station's incidents, 500 m hexagons) and, as the control, lookups (personal: always the primary,
unchanged by the standby). The raw SQL floor: the same tile statements run by psycopg directly on 16
connections against one node and split over both, in the same run.

Printed per layout and case: answers/s, p50/p99 ms, errors; then the ratios 2 nodes / 1 node and
2 hosts / 1 host, and each case / hello world. Every process of the rehearsal, the generator and other
people's work share this machine's cores: the load average is printed with the figures.
"""
import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.config import Settings  # noqa: E402
from api.db import libpq_url  # noqa: E402
from api.tiles import service as tiles  # noqa: E402
from bench import _server as srv  # noqa: E402
from bench.load import BEATS_EXTENT, lookup_urls, run_case, tile_urls  # noqa: E402

HA_DIR = Path(os.environ.get("HOLOMAP_HA_DIR", ROOT / ".holomap-ha"))
PG_PORTS = os.environ.get("HOLOMAP_HA_PG_PORTS", "5441 5442").split()


def ha_env() -> dict:
    return dict(line.split("=", 1) for line in (HA_DIR / "holomap_ha.env").read_text().splitlines() if "=" in line)


def node_url(url: str, port: str) -> str:
    """The rehearsal's multi-host URL narrowed to the node on `port`."""
    scheme, rest = url.split("://", 1)
    user, tail = rest.split("@", 1)
    db = tail.split("/", 1)[1].split("?", 1)[0]
    return f"{scheme}://{user}@127.0.0.1:{port}/{db}"


def roles() -> tuple[str, str]:
    """(primary port, standby port) of the rehearsal now."""
    env = ha_env()
    found = {}
    for port in PG_PORTS:
        with psycopg.connect(libpq_url(node_url(env["HOLOMAP_OWNER_DATABASE_URL"], port))) as conn:
            found[port] = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    primary = [p for p, standby in found.items() if not standby]
    standby = [p for p, s in found.items() if s]
    if not primary or not standby:
        raise SystemExit(f"the rehearsal needs a primary and a standby: {found}")
    return primary[0], standby[0]


async def sql_floor(conninfos: list[str], statements: list[tuple[str, dict]], connections: int,
                    seconds: float) -> float:
    """Statements/s of the tile SQL on `connections` psycopg connections spread over `conninfos`."""
    done = 0
    end = time.monotonic() + seconds

    async def worker(n: int) -> None:
        nonlocal done
        async with await psycopg.AsyncConnection.connect(conninfos[n % len(conninfos)], autocommit=True) as conn:
            i = n * 7919
            while time.monotonic() < end:
                sql, params = statements[i % len(statements)]
                i += 1
                await (await conn.execute(sql, params)).fetchone()
                done += 1

    started = time.monotonic()
    await asyncio.gather(*(worker(n) for n in range(connections)))
    return done / (time.monotonic() - started)


def tile_statements(urls: list[str]) -> list[tuple[str, dict]]:
    out = []
    for url in urls:
        layer, z, x, y = url.removeprefix("/tiles/").removesuffix(".mvt").split("/")
        q = tiles.tile_query(layer=layer, z=int(z), x=int(x), y=int(y))
        if q:
            out.append((q.sql, q.params))
    return out


def measure(bases: list[str], urls: list[str], headers: dict, connections: int, seconds: float) -> dict:
    """`connections` keep-alive clients split over the app hosts `bases` (warm-up first)."""
    per = [connections // len(bases) + (1 if i < connections % len(bases) else 0) for i in range(len(bases))]

    async def both(secs: float) -> list[dict]:
        return await asyncio.gather(*(run_case(b, urls, headers, n, secs) for b, n in zip(bases, per, strict=True)))

    asyncio.run(both(2))
    parts = asyncio.run(both(seconds))
    ok = [ms for p in parts for ms in p["ok_ms"]]
    errors = sum(sum(p["errors"].values()) for p in parts)
    bad = sum(v for p in parts for k, v in p["statuses"].items() if k[0] not in "23")
    elapsed = max(p["elapsed"] for p in parts)
    return {"rps": len(ok) / elapsed, "p50": srv.pct(ok, 50) if ok else 0, "p99": srv.pct(ok, 99) if ok else 0,
            "errors": errors + bad}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    env = ha_env()
    primary, standby = roles()
    rw, owner = env["DATABASE_URL"], env["HOLOMAP_OWNER_DATABASE_URL"]
    settings = Settings(DATABASE_URL=rw, HOLOMAP_SECRET=env["HOLOMAP_SECRET"])
    engine = create_engine(node_url(owner, primary))
    with engine.connect() as conn:
        extent = conn.execute(text(BEATS_EXTENT)).mappings().one()
        lookups = lookup_urls(conn, "officer1")
    engine.dispose()
    tile_list = tile_urls(extent)
    auth = {"Authorization": f"Bearer {srv.token_for(settings, 'officer1')}"}
    cases = [("hello world /config.json", ["/config.json"], {}),
             (f"tiles z14-16, cache off ({len(tile_list)})", tile_list, auth),
             ("OGC items, 100 beats", ["/ogc/collections/beats/items?limit=100"], auth),
             ("heat, 500 m hexagons", ["/api/analytics/heat"], auth),
             (f"lookup (primary) ({len(lookups)})", lookups, auth)]
    read_standby = rw.replace("target_session_attrs=read-write", "target_session_attrs=prefer-standby")
    layouts = [("1 node  × 1 host", 1, ""), ("2 nodes × 1 host", 1, read_standby),
               ("1 node  × 2 hosts", 2, ""), ("2 nodes × 2 hosts", 2, read_standby)]
    print(f"{args.connections} keep-alive connections, {args.seconds:g} s per case, {os.cpu_count()} cores, "
          f"primary :{primary}, standby :{standby}; load average before "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results: dict = {}
    for label, hosts, read_url in layouts:
        server_env = {"DATABASE_URL": rw, "HOLOMAP_READ_DATABASE_URL": read_url, "HOLOMAP_TILE_CACHE": "0",
                      "HOLOMAP_SECRET": env["HOLOMAP_SECRET"], "HOLOMAP_OWNER_DATABASE_URL": owner}
        procs = [srv.start_server(server_env) for _ in range(hosts)]
        try:
            for name, urls, headers in cases:
                results[(label, name)] = r = measure([b for _, b in procs], urls, headers, args.connections,
                                                     args.seconds)
                print(f"  {label}  {name:34} {r['rps']:7.0f}/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:7.1f} ms"
                      f"  errors {r['errors']}  load {os.getloadavg()[0]:.1f}", flush=True)
        finally:
            for proc, _ in procs:
                srv.stop_server(proc)
    statements = tile_statements(tile_list)
    one = [libpq_url(node_url(rw, primary))]
    two = [libpq_url(node_url(rw, primary)), libpq_url(node_url(rw, standby))]
    floor1 = asyncio.run(sql_floor(one, statements, args.connections, args.seconds))
    floor2 = asyncio.run(sql_floor(two, statements, args.connections, args.seconds))
    print(f"\nraw SQL floor, tile statements on {args.connections} connections: 1 node {floor1:.0f}/s, "
          f"2 nodes {floor2:.0f}/s (ratio {floor2 / floor1:.2f})")
    print("\nratios (answers/s):")
    for name, _, _ in cases:
        r = {label: results[(label, name)]["rps"] for label, _, _ in layouts}
        hello = {label: results[(label, cases[0][0])]["rps"] for label, _, _ in layouts}
        print(f"  {name:34} 2 nodes/1 node: {r['2 nodes × 1 host'] / r['1 node  × 1 host']:.2f} (1 host), "
              f"{r['2 nodes × 2 hosts'] / r['1 node  × 2 hosts']:.2f} (2 hosts); "
              f"2 hosts/1 host: {r['1 node  × 2 hosts'] / r['1 node  × 1 host']:.2f}; "
              f"/hello (1×1): {r['1 node  × 1 host'] / hello['1 node  × 1 host']:.3f}")
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
