"""Benchmark building vector tiles at z16 and z14 in the densest area, against tipg in the same run.

    set -a; . .holomap/holomap.env; set +a
    .venv/bin/python bench/tiles.py [--rounds 40] [--tipg /tmp/tipgvenv]

Cases: our /tiles with the process tile cache off (every request renders in PostGIS), with the cache
on (the normal setting), and revalidation with If-None-Match (304); tipg (`pip install tipg` in its own
venv, served by uvicorn on 127.0.0.1 against the same table) when its venv exists. Sequential requests
cycle over the 3×3 tiles around the densest spot; prints p50/p90/p99, req/s and the mean tile size.
"""
import argparse
import math
import os
import sys
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings  # noqa: E402
from bench._server import print_rows, summary, timed, token_for, uvicorn_server  # noqa: E402

DENSEST = """
SELECT ST_X(c) AS lon, ST_Y(c) AS lat, n FROM (
  SELECT ST_Centroid(ST_Collect(centroid)) AS c, count(*) AS n
  FROM building GROUP BY ST_SnapToGrid(centroid, 0.01) ORDER BY n DESC LIMIT 1) d
"""
TILE_BUILDINGS = """
SELECT count(*) FROM building WHERE footprint && ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326)
"""


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def block(lon: float, lat: float, z: int) -> list[tuple[int, int, int]]:
    x, y = tile_of(lon, lat, z)
    return [(z, x + dx, y + dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def _ok(r: httpx.Response) -> None:
    if r.status_code not in (200, 204, 304):
        raise SystemExit(f"unexpected {r.status_code} from {r.request.url}: {r.text[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="passes over the 9 tiles per zoom")
    parser.add_argument("--tipg", default="/tmp/tipgvenv", help="venv with tipg installed ('' to skip)")
    args = parser.parse_args()
    settings = Settings()
    with create_engine(settings.owner_url).connect() as conn:
        spot = conn.execute(text(DENSEST)).mappings().one()
        tiles = {z: block(spot["lon"], spot["lat"], z) for z in (16, 14)}
        per_tile = {z: [conn.execute(text(TILE_BUILDINGS), {"z": t[0], "x": t[1], "y": t[2]}).scalar()
                        for t in ts] for z, ts in tiles.items()}
        total = conn.execute(text("SELECT count(*) FROM building")).scalar()
    print(f"{total} buildings; densest spot {spot['lon']:.5f},{spot['lat']:.5f};"
          f" buildings per tile: z16 max {max(per_tile[16])}, z14 max {max(per_tile[14])}")
    headers = {"Authorization": f"Bearer {token_for(settings, 'officer1')}"}
    rows = []
    for label, cache in (("cache off", "0"), ("cache on", "4096")):
        with uvicorn_server(env={"HOLOMAP_TILE_CACHE": cache}) as base, \
                httpx.Client(base_url=base, timeout=60) as client:
            for z, ts in tiles.items():
                urls = [f"/tiles/buildings/{z}/{x}/{y}.mvt" for (_, x, y) in ts] * args.rounds
                lat, sizes = timed(client, urls, check=_ok, headers=headers, warmup=9)
                rows.append(summary(f"holomap z{z} ({label})", lat, sizes))
                if cache == "4096":
                    etag = client.get(urls[0], headers=headers).headers["etag"]
                    revalidate = {**headers, "If-None-Match": etag}
                    lat, _ = timed(client, urls, check=_ok, headers=revalidate, warmup=9)
                    rows.append(summary(f"holomap z{z} (If-None-Match → 304)", lat))
    rows += _tipg(args.tipg, settings, tiles, args.rounds)
    print_rows(rows)
    by = {r["name"]: r for r in rows}
    for z in (16, 14):
        tipg = by.get(f"tipg z{z}")
        if tipg:
            for label in ("cache off", "cache on"):
                ours = by[f"holomap z{z} ({label})"]
                print(f"z{z} {label}: {ours['rps'] / tipg['rps']:.1f}x tipg's throughput,"
                      f" tiles {ours.get('kb', 0) / tipg['kb']:.2f}x tipg's size")


def _tipg(venv: str, settings: Settings, tiles: dict, rounds: int) -> list[dict]:
    python = Path(venv) / "bin" / "python"
    if not venv or not python.exists():
        print(f"tipg: no venv at {venv!r} (pip install tipg there); skipped")
        return []
    env = {"DATABASE_URL": settings.owner_url.replace("postgresql+psycopg://", "postgresql://"),
           "TIPG_DB_SCHEMAS": '["public"]', "TIPG_DB_TABLES": '["public.building"]',
           "TIPG_DB_EXCLUDE_FUNCTION_SCHEMAS": '["public"]'}
    os.chdir("/tmp")  # keep tipg away from the project's .env
    rows = []
    with uvicorn_server(env=env, app="tipg.main:app", factory=False, python=str(python),
                        health="/healthz") as base, httpx.Client(base_url=base, timeout=60) as client:
        for z, ts in tiles.items():
            urls = [f"/collections/public.building/tiles/WebMercatorQuad/{z}/{x}/{y}?geom-column=footprint"
                    for (_, x, y) in ts] * rounds
            lat, sizes = timed(client, urls, check=_ok, warmup=9)
            rows.append(summary(f"tipg z{z}", lat, sizes))
    return rows


if __name__ == "__main__":
    main()
