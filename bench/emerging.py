"""Benchmark the emerging hot spots at county scale: a year of weeks, one station and the bureau.

    set -a; . /path/to/holomap_county.env; set +a; .venv/bin/python bench/emerging.py [--runs 10]

Through uvicorn as the leader, per case: the first request's answer time (the client asks again every
second while `status` is `running`, as the dashboard does: the cube is computed in a worker thread, once per
data version), the computation's own seconds, then the p50/p99 of the cached answer. In the same run: the
hello-world `/config.json` p50 and the raw SQL floor, i.e. reading the x, y and local day of the case's
incidents straight from PostgreSQL (what any implementation must at least do).
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings  # noqa: E402
from bench._server import pct, token_for, uvicorn_server  # noqa: E402

GOAL_WARM_MS = 50.0
FLOOR = """
SELECT x_3857, y_3857, timezone('Asia/Shanghai', occurred_at)::date AS day FROM incident
WHERE (CAST(:category AS text) IS NULL OR category = :category)
  AND occurred_at >= CAST(:start AS date) AND occurred_at < CAST(:end AS date) + 1
  AND (CAST(:station AS text) IS NULL OR station_id = (SELECT id FROM station WHERE code = :station))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--step", choices=("week", "month"), default="week")
    args = parser.parse_args()
    settings = Settings()
    engine = create_engine(settings.owner_url)
    with engine.connect() as conn:
        end = conn.execute(text("SELECT max(timezone('Asia/Shanghai', occurred_at))::date FROM incident")).scalar()
        station = conn.execute(text("SELECT code FROM station ORDER BY code LIMIT 1")).scalar()
    start = end.replace(year=end.year - 1)
    cases = [(f"one station ({station}), theft", station, "theft"), (f"one station ({station}), all", station, None),
             ("bureau, theft", None, "theft"), ("bureau, all", None, None)]
    headers = {"Authorization": f"Bearer {token_for(settings, 'leader')}"}
    rows = []
    with uvicorn_server() as base, httpx.Client(base_url=base, timeout=300) as client:
        for _ in range(50):
            client.get("/config.json")
        hello = []
        for _ in range(200):
            t0 = time.perf_counter()
            client.get("/config.json")
            hello.append((time.perf_counter() - t0) * 1000)
        for name, code, category in cases:
            params = {"start": start.isoformat(), "end": end.isoformat(), "step": args.step,
                      **({"station": code} if code else {}), **({"category": category} if category else {})}
            t0 = time.perf_counter()
            polls = 0
            while True:
                r = client.get("/api/analytics/emerging", params=params, headers=headers)
                r.raise_for_status()
                body = r.json()
                polls += 1
                if body["status"] == "done":
                    break
                time.sleep(1.0)
            first = time.perf_counter() - t0
            warm = []
            for _ in range(args.runs):
                t1 = time.perf_counter()
                client.get("/api/analytics/emerging", params=params, headers=headers).raise_for_status()
                warm.append((time.perf_counter() - t1) * 1000)
            floor = []
            with engine.connect() as conn:
                for _ in range(3):
                    t1 = time.perf_counter()
                    conn.execute(text(FLOOR), {"start": start, "end": end, "station": code,
                                               "category": category}).all()
                    floor.append((time.perf_counter() - t1) * 1000)
            rows.append((name, body, first, polls, warm, statistics.median(floor)))
    h50 = pct(hello, 50)
    print(f"period {start} … {end}, step {args.step}; hello world /config.json p50 {h50:.2f} ms")
    print(f"{'case':34} {'incidents':>9} {'cells':>6} {'steps':>5} {'first s':>7} {'compute s':>9} {'warm p50':>8} "
          f"{'p99':>7} {'×hello':>6} {'floor ms':>8} {'×floor':>6}  classes (hot) / goal")
    for name, body, first, _polls, warm, floor in rows:
        p50 = pct(warm, 50)
        hot = {k: v for k, v in body["classes"].items() if v and not k.startswith("cold_")}
        print(f"{name:34} {body['total']:9d} {body['cells_in_extent']:6d} {len(body['steps']):5d} {first:7.2f} "
              f"{body['seconds']:9.2f} {p50:8.2f} {pct(warm, 99):7.2f} {p50 / h50:6.0f} {floor:8.1f} "
              f"{first * 1000 / floor:6.0f}  {hot}; warm {'ok' if p50 <= GOAL_WARM_MS else 'OVER'} "
              f"(≤ {GOAL_WARM_MS:g} ms)")


if __name__ == "__main__":
    main()
