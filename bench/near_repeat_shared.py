"""Near-repeat answers shared between app hosts (issues 20, 21): two uvicorn processes on one database.

    set -a; . .holomap/holomap_county.env; set +a; .venv/bin/python bench/near_repeat_shared.py [--runs 20]

Host A is asked a station's year of thefts (the leader, `station=` the station with the most thefts) until it
answers `done` (it computes the Knox table); then a second, fresh host B is asked the same question: its first
answer and then p50/p99 over --runs. With the shared answers (near_repeat_result) B answers `done` from
PostgreSQL without computing; before, B computed the Monte-Carlo again and answered `running` meanwhile.
The stored theft answers are deleted first, so A computes. Run from a tree to measure that tree's code.
"""
import argparse
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import Settings  # noqa: E402
from bench._server import owner_engine, pct, token_for, uvicorn_server  # noqa: E402

BUSIEST = """
SELECT s.code, count(*) AS n FROM incident i JOIN station s ON s.id = i.station_id
WHERE i.category = 'theft' AND i.occurred_at >= now() - interval '365 days' GROUP BY 1 ORDER BY 2 DESC LIMIT 1
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    settings = Settings()
    engine = owner_engine(settings)
    with engine.begin() as conn:
        station, thefts = conn.execute(text(BUSIEST)).one()
        if conn.execute(text("SELECT to_regclass('near_repeat_result')")).scalar():
            conn.execute(text("DELETE FROM near_repeat_result WHERE params->>'category' = 'theft' "
                              "AND params->>'end' IS NOT NULL"))
    headers = {"Authorization": f"Bearer {token_for(settings, 'leader')}"}
    params = {"category": "theft", "station": station}
    print(f"question: thefts of station {station} over the last year ({thefts:,} incidents)")
    with uvicorn_server() as a:
        began = time.perf_counter()
        while True:
            body = httpx.get(a + "/api/analytics/near-repeat", params=params, headers=headers, timeout=60).json()
            if body["status"] == "done":
                break
            time.sleep(0.5)
        print(f"host A: done after {1000 * (time.perf_counter() - began):,.0f} ms (computed, "
              f"{body['result']['seconds']} s of it the Knox table)")
        with uvicorn_server() as b, httpx.Client(base_url=b, headers=headers, timeout=60) as client:
            t0 = time.perf_counter()
            first = client.get("/api/analytics/near-repeat", params=params).json()
            cold = 1000 * (time.perf_counter() - t0)
            print(f"host B, first request: {cold:,.1f} ms, status {first['status']}"
                  f"{', the same table as A' if first.get('result') == body['result'] else ''}")
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                r = client.get("/api/analytics/near-repeat", params=params)
                times.append(1000 * (time.perf_counter() - t0))
                assert r.status_code == 200, r.text
            last = r.json()
            print(f"host B, next {args.runs}: p50 {pct(times, 50):,.1f} ms, p99 {pct(times, 99):,.1f} ms, "
                  f"status {last['status']}")


if __name__ == "__main__":
    main()
