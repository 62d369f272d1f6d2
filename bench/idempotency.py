"""What an Idempotency-Key costs a write, what a replay costs, and what a session renewal costs (issue 16).

Real HTTP (uvicorn on 127.0.0.1) on the worktree's database: sequential POST /api/visits of officer1
without a key, with a fresh key each, and the replay of a stored key; POST /api/auth/refresh (rotation);
GET /config.json as the hello-world baseline and the raw SQL floor (the visit INSERT alone, one
connection). The visits written are deleted at the end (found by their notes).

  . .holomap/testenv.sh; .venv/bin/python bench/idempotency.py --requests 200
"""
import argparse
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from api.config import Settings  # noqa: E402
from bench._server import owner_engine, pct, print_rows, summary, uvicorn_server  # noqa: E402

HOME = """
SELECT h.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat FROM household h
JOIN building b ON b.id = h.building_id JOIN beat_member m ON m.beat_id = h.beat_id
JOIN app_user u ON u.id = m.user_id WHERE u.username = 'officer1' AND h.kind <> 'vacant' ORDER BY h.id LIMIT 1
"""
RAW = """
INSERT INTO visit (household_id, user_id, visited_at, checklist, notes, follow_up)
SELECT :h, id, now(), '{}'::jsonb, :notes, false FROM app_user WHERE username = 'officer1'
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    n = args.requests
    settings = Settings()
    marker = f"bench-idem-{uuid.uuid4().hex[:8]}"
    owner = owner_engine(settings)
    with owner.connect() as conn:
        home = conn.execute(text(HOME)).one()

    def body(i: int) -> dict:
        return {"household_id": home.id, "visited_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
                "checklist": {"verify_hukou": True}, "notes": marker, "follow_up": False,
                "location": {"lon": home.lon, "lat": home.lat, "accuracy_m": 5}}

    try:
        with uvicorn_server() as base, httpx.Client(base_url=base, timeout=30) as client:
            signed = client.post("/api/auth/token", data={"username": "officer1",
                                                           "password": settings.demo_password}).json()
            auth = {"Authorization": f"Bearer {signed['access_token']}"}

            def run(make) -> list[float]:
                lat = []
                for i in range(n):
                    method, url, kwargs, ok = make(i)
                    t0 = time.perf_counter()
                    r = client.request(method, url, **kwargs)
                    lat.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == ok, r.text
                return lat

            for _ in range(20):  # warm-up
                client.get("/config.json")
                client.post("/api/visits", json=body(0), headers=auth)
            hello = run(lambda i: ("GET", "/config.json", {}, 200))
            plain = run(lambda i: ("POST", "/api/visits", {"json": body(i), "headers": auth}, 201))
            keyed = run(lambda i: ("POST", "/api/visits", {"json": body(i), "headers": {
                **auth, "Idempotency-Key": str(uuid.uuid4())}}, 201))
            stored = str(uuid.uuid4())
            fixed = body(0)
            client.post("/api/visits", json=fixed, headers={**auth, "Idempotency-Key": stored})
            replay = run(lambda i: ("POST", "/api/visits", {"json": fixed, "headers": {
                **auth, "Idempotency-Key": stored}}, 201))
            token = {"t": signed["refresh_token"]}

            lat_refresh = []
            for _ in range(n):
                t0 = time.perf_counter()
                r = client.post("/api/auth/refresh", json={"refresh_token": token["t"]})
                lat_refresh.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
                token["t"] = r.json()["refresh_token"]
        raw = []
        with owner.connect() as conn:
            for _ in range(n):
                t0 = time.perf_counter()
                conn.execute(text(RAW), {"h": home.id, "notes": marker})
                conn.commit()
                raw.append((time.perf_counter() - t0) * 1000)
        rows = [summary("GET /config.json (hello world, no DB)", hello),
                summary("raw SQL: INSERT visit + commit (floor)", raw),
                summary("POST /api/visits, no key", plain),
                summary("POST /api/visits, fresh Idempotency-Key", keyed),
                summary("POST /api/visits, replay of a stored key", replay),
                summary("POST /api/auth/refresh (rotation)", lat_refresh)]
        print_rows(rows)
        base_p50 = pct(hello, 50)
        print(f"key overhead p50 {pct(keyed, 50) - pct(plain, 50):+.2f} ms ({pct(keyed, 50) / pct(plain, 50):.2f}x);"
              f" replay/write p50 {pct(replay, 50) / pct(plain, 50):.2f}x; write/hello-world "
              f"{pct(plain, 50) / base_p50:.1f}x; refresh/hello-world {pct(lat_refresh, 50) / base_p50:.1f}x;"
              f" write/raw SQL {pct(plain, 50) / pct(raw, 50):.1f}x")
    finally:
        with owner.begin() as conn:
            conn.execute(text("DELETE FROM visit WHERE notes = :m"), {"m": marker})
            conn.execute(text("DELETE FROM idempotency_key WHERE route = 'POST /api/visits' AND user_id = "
                              "(SELECT id FROM app_user WHERE username = 'officer1')"))


if __name__ == "__main__":
    main()
