"""The sync of 100 queued outbox items (issue 16): what an officer's phone sends when it comes back online
after a day in the villages, and what the replay of the same 100 costs (a crash mid-sync: sent again with
the same Idempotency-Keys, nothing stored twice).

The items, in outbox order, each with its own UUID v4 key, sent one at a time as js/offline/outbox.js does:
85 visits to households of the officer's beat, 10 photos (500 KB-class JPEGs as the device resizes them)
each following the visit before it, and 5 disputes. Real HTTP to the real app (uvicorn in this process, so
that SQLAlchemy's cursor events count the statements each request runs); the baselines in the same run:
GET /config.json (hello world, no database) and the raw SQL floor (100 visit INSERTs + commit on one
connection). The rows written are deleted at the end.

    set -a; . .holomap/holomap_county.env; set +a; .venv/bin/python bench/outbox_sync.py   # county scale
    . .holomap/testenv.sh; .venv/bin/python bench/outbox_sync.py                            # any seeded db
"""
import io
import random
import socket
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from PIL import Image  # noqa: E402
from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from api.config import Settings  # noqa: E402
from api.main import create_app  # noqa: E402
from bench._server import owner_engine, pct, print_rows, summary, token_for  # noqa: E402

OFFICER = """
SELECT u.username, m.beat_id FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
JOIN beat_member m ON m.beat_id = b.id AND m.duty = 'officer' JOIN app_user u ON u.id = m.user_id AND u.active
ORDER BY (SELECT count(*) FROM household h WHERE h.beat_id = b.id) DESC, u.id LIMIT 1
"""
HOUSEHOLDS = """
SELECT h.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat FROM household h
JOIN building b ON b.id = h.building_id WHERE h.beat_id = :beat ORDER BY h.id LIMIT 85
"""
RAW = """
INSERT INTO visit (household_id, user_id, visited_at, checklist, notes, follow_up)
SELECT :h, id, now(), '{}'::jsonb, :notes, false FROM app_user WHERE username = :u
"""
CLEANUP = [
    "DELETE FROM idempotency_key WHERE key = ANY(:keys)",
    "DELETE FROM visit WHERE notes = :m",
    "DELETE FROM dispute_event WHERE dispute_id IN (SELECT id FROM dispute WHERE title = :m)",
    "DELETE FROM dispute_party WHERE dispute_id IN (SELECT id FROM dispute WHERE title = :m)",
    "DELETE FROM dispute WHERE title = :m",
    "DELETE FROM photo_blob b WHERE NOT EXISTS (SELECT 1 FROM photo p WHERE p.sha256 = b.sha256)"
    " AND b.sha256 = ANY(:hashes)",
]

counted = {"n": 0}


@event.listens_for(Engine, "before_cursor_execute")
def _count(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
    counted["n"] += 1


def photo(i: int) -> bytes:
    """A device-resized photo: 1600×1200 JPEG, detail enough to weigh a few hundred KB."""
    rng = random.Random(i)
    small = Image.frombytes("RGB", (200, 150), bytes(rng.getrandbits(8) for _ in range(200 * 150 * 3)))
    out = io.BytesIO()
    small.resize((1600, 1200), Image.BILINEAR).save(out, "JPEG", quality=80)
    return out.getvalue()


def serve(app) -> tuple[uvicorn.Server, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, loop="uvloop", http="httptools"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def main() -> None:
    settings = Settings()
    marker = f"bench-sync-{uuid.uuid4().hex[:8]}"
    owner = owner_engine(settings)
    with owner.connect() as conn:
        officer = conn.execute(text(OFFICER)).one()
        homes = conn.execute(text(HOUSEHOLDS), {"beat": officer.beat_id}).all()
    auth = {"Authorization": f"Bearer {token_for(settings, officer.username)}"}
    when = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    photos = [photo(i) for i in range(10)]
    # the outbox: (kind, method, path, json or files, key); a photo follows the visit before it
    items = []
    for i in range(85):
        home = homes[i % len(homes)]
        items.append(["visit", "/api/visits", {"household_id": home.id, "visited_at": when, "notes": marker,
                      "checklist": {"verify_hukou": True, "ask_disputes": True}, "follow_up": False,
                      "location": {"lon": home.lon, "lat": home.lat, "accuracy_m": 8}}, str(uuid.uuid4())])
        if i % 8 == 7 and len([it for it in items if it[0] == "photo"]) < 10:
            items.append(["photo", "/api/photos", photos[len([it for it in items if it[0] == "photo"])],
                          str(uuid.uuid4())])
    for i in range(5):
        home = homes[i]
        items.append(["dispute", "/api/disputes", {"title": marker, "category": "neighbour", "grade": "green",
                      "location": {"lon": home.lon, "lat": home.lat},
                      "parties": [{"household_id": home.id, "side": "applicant"}]}, str(uuid.uuid4())])
    assert len(items) == 100 and sum(it[0] == "photo" for it in items) == 10, len(items)

    server, base = serve(create_app(settings))
    hashes: list[str] = []
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(30):  # warm-up (no writes)
                client.get("/config.json")
                client.get("/api/me", headers=auth)

            def sync(replay: bool) -> tuple[float, list[float], dict]:
                lat, per_kind, last_visit = [], {}, None
                t0 = time.perf_counter()
                for kind, path, payload, key in items:
                    headers = {**auth, "Idempotency-Key": key}
                    before = counted["n"]
                    s0 = time.perf_counter()
                    if kind == "photo":
                        r = client.post(path, headers=headers, data={"visit_id": str(last_visit)},
                                        files={"file": ("p.jpg", payload, "image/jpeg")})
                    else:
                        r = client.post(path, headers=headers, json=payload)
                    lat.append((time.perf_counter() - s0) * 1000)
                    assert r.status_code == 201, r.text
                    assert (r.headers.get("idempotent-replayed") == "true") == replay, r.headers
                    per_kind.setdefault(kind, []).append(counted["n"] - before)
                    if kind == "visit":
                        last_visit = r.json()["id"]
                    if kind == "photo" and not replay:
                        hashes.append(r.json()["sha256"])
                return (time.perf_counter() - t0) * 1000, lat, per_kind

            hello = []
            for _ in range(100):
                s0 = time.perf_counter()
                client.get("/config.json")
                hello.append((time.perf_counter() - s0) * 1000)
            first_ms, first, first_sql = sync(replay=False)
            again_ms, again, again_sql = sync(replay=True)
        with owner.connect() as conn:
            stored = conn.execute(text("SELECT (SELECT count(*) FROM visit WHERE notes = :m), "
                                       "(SELECT count(*) FROM dispute WHERE title = :m), (SELECT count(*) FROM "
                                       "photo p JOIN visit v ON v.id = p.visit_id WHERE v.notes = :m)"),
                                  {"m": marker}).one()
        raw = []
        with owner.connect() as conn:
            for i in range(100):
                s0 = time.perf_counter()
                conn.execute(text(RAW), {"h": homes[i % len(homes)].id, "notes": marker, "u": officer.username})
                conn.commit()
                raw.append((time.perf_counter() - s0) * 1000)
        print(f"database {settings.database_url.rsplit('/', 1)[-1]}; officer {officer.username}, beat "
              f"{officer.beat_id}; 100 items = 85 visits + 10 photos ({sum(map(len, photos)) / 10 / 1024:.0f} KB"
              f" each on average) + 5 disputes")
        rows = [summary("GET /config.json (hello world, no DB)", hello),
                summary("raw SQL: INSERT visit + commit (floor)", raw),
                summary("sync: one item (any kind)", first),
                summary("sync: one visit", [x for x, it in zip(first, items, strict=True) if it[0] == "visit"]),
                summary("sync: one photo", [x for x, it in zip(first, items, strict=True) if it[0] == "photo"]),
                summary("sync: one dispute", [x for x, it in zip(first, items, strict=True) if it[0] == "dispute"]),
                summary("replay after a crash: one item", again)]
        print_rows(rows)
        sql = {k: sum(v) / len(v) for k, v in first_sql.items()}
        sql_replay = {k: sum(v) / len(v) for k, v in again_sql.items()}
        print(f"SYNC OF 100 QUEUED ITEMS: {first_ms / 1000:.2f} s ({first_ms / 100:.0f} ms per item); "
              f"replay of the same 100 (same keys): {again_ms / 1000:.2f} s; stored once: "
              f"{stored[0]} visits, {stored[1]} disputes, {stored[2]} photos")
        print("server statements per item: " + ", ".join(f"{k} {v:.1f}" for k, v in sql.items())
              + "; on replay: " + ", ".join(f"{k} {v:.1f}" for k, v in sql_replay.items()))
        print(f"ratios (p50): item/hello world {pct(first, 50) / pct(hello, 50):.0f}x; "
              f"visit/raw SQL floor {rows[3]['p50'] / pct(raw, 50):.1f}x; "
              f"replay/first send {pct(again, 50) / pct(first, 50):.2f}x")
        assert tuple(stored) == (85, 5, 10), stored
    finally:
        server.should_exit = True
        with owner.begin() as conn:
            for sql_text in CLEANUP:
                conn.execute(text(sql_text), {"m": marker, "keys": [it[3] for it in items], "hashes": hashes})


if __name__ == "__main__":
    main()
