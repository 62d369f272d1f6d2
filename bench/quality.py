"""Benchmark the 数据质量 board (issue 17; goal, issue 22: p50 ≤ 100 ms, p99 ≤ 300 ms warm, for a station's
chief) through a real uvicorn (one worker).

    set -a; . .holomap/holomap_county.env; set +a; .venv/bin/python bench/quality.py [--runs 50]

Cases, as the chief of the station with the most households (GET /api/quality):
- warm: the per-beat counts are cached for the day and nothing was written since;
- right after a write in one beat: before each request the row a write's trigger appends to quality_dirty
  (api/quality/sql/dirty.sql, with the checks it can change — migration 0013) lands in the station's largest
  beat: a visit (the two visit checks), a resident corrected (a permit date: the resident and household
  checks without the duplicates), and a household moved between beats (every check: the whole beat);
- all stale: the cache emptied before each request (the first read of the day), every beat recounted;
and officer1's items of a check (GET /api/quality/person_permit_expiring), the leader's board for the
station, and the lookup (GET /api/lookup) of a commercial building with organisations, by its beat's
officer. Each is compared with the hello-world `/config.json` p50 and with its SQL floor timed in the same
run on one connection: the cached read of quality_count, holomap_quality_counts for one beat and for all.
The bench writes only the cache tables (quality_count, quality_dirty, quality_snapshot) — never a visit or a
resident: the rows the triggers would append are inserted as they would be (VISIT, CORRECTION below).
"""
import argparse
import os
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.clock import china_today  # noqa: E402
from api.config import Settings  # noqa: E402
from bench._server import pct, token_for, uvicorn_server  # noqa: E402

STATION = """
SELECT p.station_id, array_agg(DISTINCT b.id ORDER BY b.id) AS beats, count(h.id) AS households
FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
LEFT JOIN household h ON h.beat_id = b.id
GROUP BY p.station_id ORDER BY count(h.id) DESC LIMIT 1
"""
CHIEF = ("SELECT u.username, u.id FROM app_user u WHERE u.role = 'station_chief' AND u.station_id = :s "
         "ORDER BY u.id LIMIT 1")
OFFICER = """
SELECT u.username FROM app_user u JOIN beat_member m ON m.user_id = u.id AND m.duty = 'officer'
WHERE m.beat_id = ANY(CAST(:beats AS integer[])) ORDER BY u.id LIMIT 1
"""
CACHED = ("SELECT beat_id, check_code, checked, failing FROM quality_count "
          "WHERE beat_id = ANY(CAST(:b AS integer[])) AND day = :d")
RECOUNT = "SELECT count(*) FROM holomap_quality_counts(CAST(:b AS integer[]), :d, CAST(:c AS text[]))"
# the station's beat with the most households (the costliest recount)
BIG_BEAT = """
SELECT h.beat_id FROM household h WHERE h.beat_id = ANY(CAST(:beats AS integer[]))
GROUP BY 1 ORDER BY count(*) DESC LIMIT 1
"""
# the checks the triggers of dirty.sql name for a visit and for a resident's correction (not of identity)
VISIT = ["household_not_visited", "person_not_visited"]
CORRECTION = ["person_id_conflict", "person_not_visited", "person_permit_expiring", "person_visa_expiring",
              "household_no_head", "room_unmarked_empty", "rental_no_tenants"]
DIRTY = "INSERT INTO quality_dirty (beat_id, checks) VALUES (:b, CAST(:c AS text[]))"
# a commercial building of the station with organisations, its centre, and the officer of its beat
SHOP = """
SELECT ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, u.username
FROM building b JOIN organisation o ON o.building_id = b.id
JOIN beat_member m ON m.beat_id = o.beat_id AND m.duty = 'officer' JOIN app_user u ON u.id = m.user_id
WHERE b.kind = 'commercial' AND o.beat_id = ANY(CAST(:beats AS integer[]))
GROUP BY b.id, u.username ORDER BY count(*) DESC, b.id LIMIT 1
"""


def _ok(r: httpx.Response) -> None:
    if r.status_code != 200:
        raise SystemExit(f"unexpected {r.status_code} from {r.request.url}: {r.text[:300]}")


def _http(client, url, headers, runs, before=None) -> dict:
    lat = []
    for i in range(runs + 1):
        if before:
            before()
        t0 = time.perf_counter()
        r = client.get(url, headers=headers)
        ms = (time.perf_counter() - t0) * 1000
        _ok(r)
        if i:  # the first is the cold one
            lat.append(ms)
        else:
            cold = ms
    return {"cold": cold, "p50": pct(lat, 50), "p99": pct(lat, 99), "kb": len(r.content) / 1024, "n": runs}


def _sql(conn, sql, params, runs) -> float:
    lat = []
    for _ in range(runs):
        t0 = time.perf_counter()
        conn.execute(text(sql), params).all()
        lat.append((time.perf_counter() - t0) * 1000)
    return pct(lat, 50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    settings = Settings()
    owner = create_engine(settings.owner_url)
    today = china_today()
    with owner.connect() as conn:
        st = conn.execute(text(STATION)).one()
        chief = conn.execute(text(CHIEF), {"s": st.station_id}).one()
        officer = conn.execute(text(OFFICER), {"beats": st.beats}).scalar()
        leader = conn.execute(text("SELECT username FROM app_user WHERE role = 'leader' ORDER BY id LIMIT 1")).scalar()
        big = conn.execute(text(BIG_BEAT), {"beats": st.beats}).scalar()
        shop = conn.execute(text(SHOP), {"beats": st.beats}).one()
    print(f"station {st.station_id}: {len(st.beats)} beats, {st.households} households; chief {chief.username}; "
          f"recounted beat {big}")
    users = {chief.username, officer, leader, shop.username}
    tokens = {u: {"Authorization": f"Bearer {token_for(settings, u)}"} for u in users}

    def dirty(checks):
        def write() -> None:
            with owner.begin() as c:
                c.execute(text(DIRTY), {"b": big, "c": checks})
        return write

    def stale_all() -> None:
        with owner.begin() as c:
            c.execute(text("DELETE FROM quality_count WHERE beat_id = ANY(CAST(:b AS integer[]))"), {"b": st.beats})

    rows = []
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with uvicorn_server() as base, httpx.Client(base_url=base, timeout=300) as client:
        for _ in range(50):
            client.get("/config.json")
        hello = _http(client, "/config.json", {}, max(args.runs, 200))
        board = "/api/quality"
        client.get(board, headers=tokens[chief.username])  # today's counts cached
        rows.append(("board, chief, warm (cached)", _http(client, board, tokens[chief.username], args.runs), "cached"))
        for name, checks, floor in (("a visit", VISIT, "visit"), ("a resident corrected", CORRECTION, "correction"),
                                    ("a household moved (all)", None, "one")):
            rows.append((f"board, chief, after {name}", _http(client, board, tokens[chief.username], args.runs,
                                                              dirty(checks)), floor))
        rows.append(("board, chief, all stale (first of the day)",
                     _http(client, board, tokens[chief.username], max(5, args.runs // 5), stale_all), "all"))
        rows.append((f"items person_permit_expiring, {officer}",
                     _http(client, "/api/quality/person_permit_expiring", tokens[officer], args.runs), None))
        rows.append((f"board, {leader}, station {st.station_id}",
                     _http(client, f"{board}?station_id={st.station_id}", tokens[leader], args.runs), "cached"))
        rows.append((f"lookup, commercial building, {shop.username}",
                     _http(client, f"/api/lookup?lon={shop.lon}&lat={shop.lat}", tokens[shop.username], args.runs),
                     None))
    with owner.connect() as conn, conn.begin():
        conn.execute(text("SELECT set_config('holomap.user_id', CAST(:u AS text), true)"), {"u": chief.id})
        floors = {"cached": _sql(conn, CACHED, {"b": st.beats, "d": today}, 200),
                  "visit": _sql(conn, RECOUNT, {"b": [big], "d": today, "c": VISIT}, max(5, args.runs // 5)),
                  "correction": _sql(conn, RECOUNT, {"b": [big], "d": today, "c": CORRECTION},
                                     max(5, args.runs // 5)),
                  "one": _sql(conn, RECOUNT, {"b": [big], "d": today, "c": None}, max(5, args.runs // 5)),
                  "all": _sql(conn, RECOUNT, {"b": st.beats, "d": today, "c": None}, 5)}
        conn.rollback()
    print(f"load average before: {load_before}, after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'case':46} {'n':>4} {'cold':>8} {'p50 ms':>8} {'p99 ms':>8} {'KB':>6} {'×hello':>7} {'floor':>8}"
          f" {'×floor':>7}")
    print(f"{'GET /config.json (hello world, no DB)':46} {hello['n']:4d} {hello['cold']:8.2f} {hello['p50']:8.2f}"
          f" {hello['p99']:8.2f} {hello['kb']:6.1f}")
    for name, r, floor in rows:
        f = floors.get(floor)
        tail = f" {f:8.2f} {r['p50'] / f:7.1f}" if f else ""
        print(f"{name:46} {r['n']:4d} {r['cold']:8.2f} {r['p50']:8.2f} {r['p99']:8.2f} {r['kb']:6.1f}"
              f" {r['p50'] / hello['p50']:7.1f}{tail}")
    print("floors (SQL, one connection): cached read of quality_count; holomap_quality_counts of the big beat for the"
          " checks of a visit, of a correction, all checks; all checks of every beat")
    print("goal (issue 22): warm p50 ≤ 100 ms, p99 ≤ 300 ms")


if __name__ == "__main__":
    main()
