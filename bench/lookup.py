"""Benchmark GET /api/lookup over HTTP (real uvicorn, auth + scope + audit on) against trivial endpoints.

    set -a; . .holomap/holomap.env; set +a; .venv/bin/python bench/lookup.py [--requests 3000] [--user chief]
        [--kind commercial]

Prints p50/p90/p99 of lookups of random buildings in the user's beats, of a hello-world endpoint
(/config.json, no database) and of /api/me (token + user re-read from the database), the ratios, and the
raw SQL of a lookup timed on one connection (the floor no HTTP server can beat).
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
from api.db import driver_statement, libpq_url  # noqa: E402
from api.places import queries, service  # noqa: E402
from bench._server import pct, print_rows, summary, timed, token_for, uvicorn_server  # noqa: E402

SAMPLE_BUILDINGS = """
SELECT DISTINCT b.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat
FROM building b JOIN household h ON h.building_id = b.id
WHERE h.beat_id = ANY(CAST(:beats AS integer[]))
"""
# buildings of one kind standing in the user's beats (commercial, public, industrial: mostly no households;
# issue 17 — their organisations are in the document)
SAMPLE_BY_KIND = """
SELECT b.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat
FROM beat bt JOIN building b ON ST_Covers(bt.geom, b.centroid)
WHERE bt.id = ANY(CAST(:beats AS integer[])) AND b.kind = :kind
"""
USER_BEATS = """
SELECT b.id FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE (:role = 'station_chief' AND p.station_id = :station_id)
   OR b.id IN (SELECT beat_id FROM beat_member WHERE user_id = :user_id)
"""


def _ok(r: httpx.Response) -> None:
    if r.status_code != 200:
        raise SystemExit(f"unexpected {r.status_code} from {r.request.url}: {r.text[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--user", default="chief")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kind", default=None,
                        help="only buildings of this kind in the user's beats (e.g. commercial: shops, issue 17)")
    args = parser.parse_args()
    settings = Settings()
    engine = create_engine(settings.owner_url)
    with engine.connect() as conn:
        user = conn.execute(text("SELECT id, role, station_id FROM app_user WHERE username = :u"),
                            {"u": args.user}).mappings().one()
        beats = list(conn.execute(text(USER_BEATS), {"role": user["role"], "station_id": user["station_id"],
                                                      "user_id": user["id"]}).scalars())
        buildings = conn.execute(text(SAMPLE_BY_KIND if args.kind else SAMPLE_BUILDINGS),
                                 {"beats": beats, "kind": args.kind}).mappings().all()
        counts = conn.execute(text("SELECT (SELECT count(*) FROM building), (SELECT count(*) FROM household),"
                                   " (SELECT count(*) FROM person)")).one()
    rng = random.Random(args.seed)
    picks = [rng.choice(buildings) for _ in range(args.requests)]
    print(f"database: {counts[0]} buildings, {counts[1]} households, {counts[2]} persons; user {args.user}:"
          f" {len(beats)} beats, {len(buildings)} buildings in scope")

    raw = _raw_sql(settings, user["id"], picks[:1000])
    token = token_for(settings, args.user)
    headers = {"Authorization": f"Bearer {token}"}
    with uvicorn_server() as base, httpx.Client(base_url=base, timeout=30) as client:
        lookups = [f"/api/lookup?lon={b['lon']}&lat={b['lat']}" for b in picks]
        hello, _ = timed(client, ["/config.json"] * args.requests, check=_ok)
        me, _ = timed(client, ["/api/me"] * args.requests, check=_ok, headers=headers)
        lat, sizes = timed(client, lookups, check=_ok, headers=headers)
    rows = [summary("GET /config.json (hello world, no DB)", hello),
            summary("GET /api/me (token + user from DB)", me),
            summary("GET /api/lookup (auth + scope + audit)", lat, sizes),
            summary("raw SQL: holomap_lookup as app role (1 conn)", raw)]
    print_rows(rows)
    p50, p99 = pct(lat, 50), pct(lat, 99)
    print(f"ratio lookup/hello-world p50 {p50 / pct(hello, 50):.1f}x, p99 {p99 / pct(hello, 99):.1f}x;"
          f" lookup/me p50 {p50 / pct(me, 50):.1f}x; lookup/raw SQL p50 {p50 / pct(raw, 50):.1f}x")
    print(f"goal p50 <= 2 ms: {'met' if pct(lat, 50) <= 2 else 'NOT met'}; "
          f"p99 <= 5 ms: {'met' if pct(lat, 99) <= 5 else 'NOT met'}")


def _raw_sql(settings: Settings, user_id: int, picks) -> list[float]:
    """The lookup's one statement (holomap_lookup: auth, find, scope, document, audit) as the app role on
    one psycopg connection, no HTTP: the floor an HTTP server adds its overhead to."""
    out = []
    with psycopg.connect(libpq_url(settings.database_url), autocommit=True, options="-c jit=off") as conn:
        for b in picks:
            params = service.lookup_params(user_id=user_id, jti="bench-raw", iat=time.time(), lon=b["lon"],
                                           lat=b["lat"], radius_m=30.0, households=settings.lookup_households_page,
                                           client_addr="127.0.0.1",
                                           request_id="bench")
            t0 = time.perf_counter()
            status = conn.execute(*driver_statement(queries.LOOKUP_CALL, params)).fetchone()[0]
            out.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                raise SystemExit(f"raw lookup answered {status}")
    return out


if __name__ == "__main__":
    main()
