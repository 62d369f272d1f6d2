"""Benchmark the offline beat pack (issue 16) at county scale: size and download time of the pack of the
officer of the biggest beat, the app shell's size, and the tiles a pack caches.

    make seed-county   # (or any seeded database)
    set -a; . .holomap/holomap_county.env; set +a; .venv/bin/python bench/offline_pack.py [--runs 3]

Prints, in one run: a hello-world request (/config.json, no database) and /api/me as baselines; the pack
(GET /api/offline/pack over real uvicorn, gzip as a browser asks for it): bytes before/after compression,
time per download and its ratio to the baselines; the raw SQL floor (the pack's statement on one
connection, no HTTP); the summary's estimate against the real size; the app shell (every file /sw.js lists,
raw and gzip); the tiles of the beats' box at z12–z17 (count, bytes, as js/offline/geometry.js picks them).
"""
import argparse
import gzip
import math
import statistics
import sys
import time
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings  # noqa: E402
from api.db import driver_statement, libpq_url  # noqa: E402
from api.main import FRONTEND  # noqa: E402
from api.offline import queries, service  # noqa: E402
from api.offline.shell import AppShell  # noqa: E402
from bench._server import token_for, uvicorn_server  # noqa: E402

BIGGEST_BEAT = """
SELECT b.id, b.code, count(h.id) AS households,
       (SELECT u.username FROM beat_member m JOIN app_user u ON u.id = m.user_id AND u.active
        WHERE m.beat_id = b.id AND m.duty = 'officer' ORDER BY u.id LIMIT 1) AS officer
FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
JOIN household h ON h.beat_id = b.id
GROUP BY b.id ORDER BY count(h.id) DESC LIMIT 1
"""
USER_BEATS = """
SELECT array_agg(b.id) FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE b.id IN (SELECT m.beat_id FROM beat_member m JOIN app_user u ON u.id = m.user_id WHERE u.username = :u)
"""


def tiles_over(bbox, z_min=12, z_max=17, limit=1500):
    """As js/offline/geometry.js tilesOver: tiles of the box from z_min up, the top zooms dropped over limit."""
    def tile(lon, lat, z):
        n = 2 ** z
        r = math.radians(lat)
        return (min(n - 1, int((lon + 180) / 360 * n)),
                min(n - 1, int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)))
    west, south, east, north = bbox
    for top in range(z_max, z_min - 1, -1):
        found = []
        for z in range(z_min, top + 1):
            (x0, y0), (x1, y1) = tile(west, north, z), tile(east, south, z)
            found += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        if len(found) <= limit or top == z_min:
            return found[:limit], top
    return [], z_min


def median_ms(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    engine = create_engine(settings.owner_url)
    with engine.connect() as conn:
        beat = conn.execute(text(BIGGEST_BEAT)).mappings().one()
        beat_ids = conn.execute(text(USER_BEATS), {"u": beat["officer"]}).scalar_one()
    print(f"biggest beat {beat['code']}: {beat['households']} households; its officer {beat['officer']} "
          f"has {len(beat_ids)} beat(s)")

    # raw SQL floor: the pack's statement on one connection (owner: no RLS, no HTTP, no Python)
    with psycopg.connect(libpq_url(settings.owner_url), options="-c jit=off") as pg:  # as the app's connections
        sql, params = driver_statement(queries.PACK, {"beats": beat_ids, "visits": service.VISITS_PER_HOUSEHOLD})
        pg.execute(sql, params).fetchone()
        sql_ms = median_ms(lambda: pg.execute(sql, params).fetchone(), args.runs)

    token = token_for(settings, beat["officer"])
    auth = {"Authorization": f"Bearer {token}"}
    gz = {"Accept-Encoding": "gzip"}
    with uvicorn_server() as base, httpx.Client(base_url=base, timeout=300) as client:
        for _ in range(20):
            client.get("/config.json")
        hello_ms = median_ms(lambda: client.get("/config.json"), 200)
        me_ms = median_ms(lambda: client.get("/api/me", headers=auth), 100)
        summary = client.get("/api/offline/pack/summary", headers=auth).json()
        first = client.get("/api/offline/pack", headers={**auth, **gz})
        assert first.status_code == 200, first.text[:300]
        raw_bytes = int(first.headers["x-holomap-pack-bytes"])
        wire_bytes = first.num_bytes_downloaded
        pack_ms = median_ms(lambda: client.get("/api/offline/pack", headers={**auth, **gz}).content, args.runs)
        pack = first.json()
        tiles, zmax = tiles_over(pack["bbox"])
        tile_bytes, t0 = 0, time.perf_counter()
        for layer in ("beats", "villages", "buildings"):
            for z, x, y in tiles:
                r = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", headers={**auth, **gz})
                tile_bytes += len(r.content)
        tiles_s = time.perf_counter() - t0

    households = sum(len(b["households"]) for b in pack["buildings"])
    residents = sum(len(h["residents"]) for b in pack["buildings"] for h in b["households"])
    shell = AppShell(FRONTEND)
    files = shell.files()
    shell_raw = sum(p.stat().st_size for _, p in files)
    shell_gz = sum(len(gzip.compress(p.read_bytes(), 6)) for _, p in files)
    print(f"pack: {len(pack['buildings'])} buildings, {households} households, {residents} residents")
    print(f"  size {raw_bytes / 1e6:.2f} MB JSON, {wire_bytes / 1e6:.2f} MB on the wire (gzip); "
          f"summary estimate {summary['estimated_bytes'] / 1e6:.2f} MB ({summary['estimated_bytes'] / raw_bytes:.2f}×)")
    print(f"  download median of {args.runs}: {pack_ms:.0f} ms = {pack_ms / hello_ms:.0f}× hello-world "
          f"({hello_ms:.2f} ms), {pack_ms / me_ms:.0f}× /api/me ({me_ms:.2f} ms); "
          f"raw SQL floor {sql_ms:.0f} ms ({pack_ms / sql_ms:.2f}× of it)")
    print(f"tiles z12–z{zmax} over the beats' box: {len(tiles)} per layer × 3 layers = {3 * len(tiles)}, "
          f"{tile_bytes / 1e6:.2f} MB, fetched one by one in {tiles_s:.1f} s")
    print(f"app shell: {len(files)} files, {shell_raw / 1e6:.2f} MB raw, {shell_gz / 1e6:.2f} MB gzip")


if __name__ == "__main__":
    main()
