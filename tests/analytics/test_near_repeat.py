"""GET /api/analytics/near-repeat: the Knox table of the incidents in scope, cached by data version, aggregates only."""
import threading
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import text

from api.analytics import nearrepeat
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import LOCAL_TZ, build_filter
from geo.nearrepeat import Bands, ground_xy, knox
from tests.analytics.conftest import STATION

INSERT = ("INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, status) "
          "VALUES (:s, :t, :t, 'theft', '110', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'closed')")
YEAR = {"start": "2025-01-01", "end": "2025-12-31", "station": STATION, "category": "theft"}


def _plant(conn, station_id, seeds=40, follow=3):
    """Burglaries followed by `follow` more within ~50 m and 5 days (a near-repeat pattern)."""
    rng = np.random.default_rng(3)
    rows = []
    for _ in range(seeds):
        lon, lat = rng.uniform(117.002, 117.058), rng.uniform(36.002, 36.048)
        at = datetime(2025, 1, 1, 8, tzinfo=LOCAL_TZ) + timedelta(days=int(rng.integers(0, 350)))
        rows.append({"s": station_id, "t": at, "lon": lon, "lat": lat})
        for _ in range(follow):
            rows.append({"s": station_id, "t": at + timedelta(days=int(rng.integers(0, 6)), hours=3),
                         "lon": lon + rng.uniform(-0.0004, 0.0004), "lat": lat + rng.uniform(-0.0003, 0.0003)})
    conn.execute(text(INSERT), rows)


@pytest.fixture()
def jobs(monkeypatch, no_stored_near_repeat):
    fresh = nearrepeat.Jobs()
    monkeypatch.setattr(nearrepeat, "JOBS", fresh)
    monkeypatch.setattr(nearrepeat.near_repeat, "__kwdefaults__",
                        {**nearrepeat.near_repeat.__kwdefaults__, "jobs": fresh})
    return fresh


def test_leader_gets_the_knox_table_and_the_zone_of_a_planted_pattern(client, as_user, district, app_conn, jobs,
                                                                      app_session):
    _plant(app_conn, district.station_id)
    r = client.get("/api/analytics/near-repeat", params=YEAR, headers=as_user("ana_leader"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "done" and body["progress"] == 1.0 and body["category"] == "theft"
    res = body["result"]
    theft = sum(1 for i in district.incidents if i["category"] == "theft") + 160
    assert body["events"] == res["events"] == theft and res["pairs"] == theft * (theft - 1) // 2
    assert len(res["cells"]) == 7 and all(len(row) == 5 for row in res["cells"])
    assert [b["to_m"] for b in res["distance_bands"]] == [1.0, 100.0, 200.0, 300.0, 400.0, 500.0, None]
    assert [(b["from_days"], b["to_days"]) for b in res["time_bands"]] == [(0, 7), (8, 14), (15, 21), (22, 28),
                                                                            (29, None)]
    first = res["cells"][1][0]
    assert first["significant"] and first["ratio"] > 1.5 and first["p"] == 0.01
    assert res["zone"]["distance_m"] == 100.0 and res["zone"]["days"] == 7
    assert sum(c["observed"] for row in res["cells"] for c in row) == res["pairs"]
    # the same figures as the table computed directly from the database's rows
    rows = app_conn.execute(text(
        "SELECT x_3857, y_3857, timezone('Asia/Shanghai', occurred_at)::date - DATE '2000-01-01' FROM incident "
        "WHERE station_id = :s AND category = 'theft'"), {"s": district.station_id}).all()
    a = np.array(rows, dtype=float)
    direct = knox(*ground_xy(a[:, 0], a[:, 1]), a[:, 2].astype(np.int64), Bands(), permutations=0)
    assert [[c["observed"] for c in row] for row in res["cells"]] == direct.observed.tolist()
    # cached: asked again, nothing is computed; a new incident of the category makes a new computation
    assert client.get("/api/analytics/near-repeat", params=YEAR, headers=as_user("ana_leader")).json() == body
    assert jobs.started == 1
    app_conn.execute(text(INSERT), {"s": district.station_id, "t": datetime(2025, 3, 3, tzinfo=UTC),
                                    "lon": 117.01, "lat": 36.01})
    again = _until_fresh(client, as_user)
    assert jobs.started == 2 and again["result"]["events"] == theft + 1


def _until_fresh(client, as_user, params=YEAR) -> dict:
    """Ask until the answer is of the current data (the recompute finished)."""
    for _ in range(400):
        body = client.get("/api/analytics/near-repeat", params=params, headers=as_user("ana_leader")).json()
        if body["status"] == "done":
            return body
        threading.Event().wait(0.05)
    raise AssertionError("the recompute did not finish")


def test_the_previous_answer_is_served_while_a_recompute_runs_then_replaced(client, as_user, district, app_conn,
                                                                             monkeypatch):
    """正在更新: a new incident changes the data version; while its recompute waits for the simulation slot,
    every request gets the previous answer at once, marked stale with its version and time; then the new one."""
    slot = threading.BoundedSemaphore(1)
    jobs = nearrepeat.Jobs(running=slot)
    monkeypatch.setattr(nearrepeat.near_repeat, "__kwdefaults__",
                        {**nearrepeat.near_repeat.__kwdefaults__, "jobs": jobs})
    ask = lambda: client.get("/api/analytics/near-repeat", params=YEAR, headers=as_user("ana_leader"))  # noqa: E731
    first = _until_fresh(client, as_user)
    assert first["stale"] is False and first["computed_at"].endswith("+08:00") and len(first["data_version"]) == 8
    app_conn.execute(text(INSERT), {"s": district.station_id, "t": datetime(2025, 6, 3, tzinfo=UTC),
                                    "lon": 117.02, "lat": 36.02})
    assert slot.acquire(timeout=5)  # the recompute cannot start: it stays queued
    try:
        for _ in range(3):
            stale = ask()
            assert stale.status_code == 200, stale.text
            body = stale.json()
            assert body["status"] == "running" and body["stale"] is True and body["progress"] == 0.0
            assert body["result"] == first["result"]  # the previous answer, as it was …
            assert body["data_version"] == first["data_version"] and body["computed_at"] == first["computed_at"]
            assert body["events"] == first["events"] + 1  # … while the request counts the new data
        assert jobs.started == 2  # one recompute, however often it is asked
    finally:
        slot.release()
    fresh = _until_fresh(client, as_user)
    assert fresh["stale"] is False and fresh["result"]["events"] == first["result"]["events"] + 1
    assert fresh["data_version"] != first["data_version"] and fresh["computed_at"] >= first["computed_at"]
    assert ask().json() == fresh and jobs.started == 2  # replaced: the previous answer is not served again


def test_scope_roles_and_bad_input(client, as_user, district, jobs):
    officer = client.get("/api/analytics/near-repeat", params={k: v for k, v in YEAR.items() if k != "station"},
                         headers=as_user("ana_officer"))
    assert officer.status_code == 200 and officer.json()["events"] > 0
    assert client.get("/api/analytics/near-repeat", params=YEAR, headers=as_user("ana_grid")).status_code == 403
    other = client.get("/api/analytics/near-repeat", params={**YEAR, "station": "LC01"},
                       headers=as_user("ana_officer"))
    assert other.status_code in (403, 404)
    no_category = {k: v for k, v in YEAR.items() if k != "category"}
    r = client.get("/api/analytics/near-repeat", params=no_category, headers=as_user("ana_leader"))
    assert r.status_code == 422 and r.json()["code"] == "analytics.near_repeat_one_category"
    for params, code in (
                         ({"category": "theft,fraud"}, "analytics.near_repeat_one_category"),
                         ({"permutations": 5}, None), ({"distance_band_m": 0}, None),
                         ({"time_bands": 100}, None)):
        r = client.get("/api/analytics/near-repeat", params={**YEAR, **params}, headers=as_user("ana_leader"))
        assert r.status_code == 422, (params, r.text)
        if code:
            assert r.json()["code"] == code
    r = client.get("/api/analytics/near-repeat", params={**YEAR, "distance_band_m": 1000, "distance_bands": 20},
                   headers=as_user("ana_leader"))
    assert r.status_code == 200  # 20 km over one station: every pair is close, still within the limit


def test_too_many_pairs_is_refused_with_its_code(client, as_user, district, jobs, monkeypatch):
    monkeypatch.setattr("geo.nearrepeat.MAX_CLOSE_PAIRS", 100)
    monkeypatch.setattr(nearrepeat.nearrepeat.knox, "__kwdefaults__",
                        {**nearrepeat.nearrepeat.knox.__kwdefaults__, "max_close_pairs": 100})
    r = client.get("/api/analytics/near-repeat", params=YEAR, headers=as_user("ana_leader"))
    assert r.status_code == 422 and r.json()["code"] == "analytics.near_repeat_too_many_pairs"


def test_a_long_computation_reports_progress_then_the_answer(app_session, district, jobs):
    flt = build_filter(start=None, end=None, category=["theft"], hours=None, weekdays=None)
    flt = type(flt)(start=flt.start.replace(2025, 1, 1), end=flt.end.replace(2025, 12, 31), categories=("theft",))
    scope = AnalyticsScope(station_ids=(district.station_id,))
    gate = threading.Event()
    real = nearrepeat.nearrepeat.knox

    def slow(*args, progress=None, **kwargs):
        def step(done, total):
            progress(done, total)
            if done == 10:
                gate.wait(10)
        return real(*args, progress=step, **kwargs)

    nearrepeat.nearrepeat.knox = slow
    try:
        first = nearrepeat.near_repeat(app_session, flt=flt, scope=scope, bands=Bands(), permutations=99,
                                       wait_s=0.5, jobs=jobs)
        assert first["status"] == "running" and first["result"] is None and 0 < first["progress"] < 1
        gate.set()
        done = nearrepeat.near_repeat(app_session, flt=flt, scope=scope, bands=Bands(), permutations=99,
                                      wait_s=10, jobs=jobs)
    finally:
        nearrepeat.nearrepeat.knox = real
    assert done["status"] == "done" and done["result"]["permutations"] == 99 and jobs.started == 1


def test_questions_asked_together_share_one_computation():
    jobs = nearrepeat.Jobs()
    calls, barrier = [], threading.Barrier(8)
    release = threading.Event()

    def work(job):
        calls.append(1)
        release.wait(5)
        return {"answer": 42}

    got = []

    def ask():
        barrier.wait()
        got.append(jobs.get_or_start(("same",), work))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    release.set()
    assert len({id(j) for j in got}) == 1 and got[0].finished.wait(5) and got[0].result == {"answer": 42}
    assert len(calls) == 1 and jobs.started == 1


STORED_ROWS = ("SELECT status, label, events, done, total, params, result FROM near_repeat_result "
               "WHERE params->'stations' = CAST(:stations AS jsonb) ORDER BY computed_at")


def test_a_second_worker_answers_from_the_stored_result_without_computing(client, as_user, district, app_conn,
                                                                          monkeypatch, owner_engine,
                                                                          no_stored_near_repeat):
    """Issue 20: the answer is stored in PostgreSQL; a worker with nothing in memory (a fresh Jobs: another
    process) answers `done` from it without computing; after a new incident a third one answers the stored
    answer as stale at once and computes the new version — and nothing personal is stored."""
    _plant(app_conn, district.station_id)

    def worker():
        jobs = nearrepeat.Jobs()
        monkeypatch.setattr(nearrepeat.near_repeat, "__kwdefaults__",
                            {**nearrepeat.near_repeat.__kwdefaults__, "jobs": jobs})
        return jobs

    def ask():
        r = client.get("/api/analytics/near-repeat", params=YEAR, headers=as_user("ana_leader"))
        assert r.status_code == 200, r.text
        return r.json()

    first_worker = worker()
    first = _until_fresh(client, as_user)
    assert first_worker.started == 1 and first["status"] == "done"
    stations = f"[{district.station_id}]"
    with owner_engine.connect() as conn:
        (row,) = conn.execute(text(STORED_ROWS), {"stations": stations}).all()
    assert row.status == "done" and row.result == first["result"] and row.label == first["data_version"]
    assert (row.events, row.done, row.total) == (first["events"], 99, 99)
    assert row.params == {"category": "theft", "start": "2025-01-01", "end": "2025-12-31", "hours": [],
                          "weekdays": [], "stations": [district.station_id], "permutations": 99,
                          "bands": {"distance_band_m": 100.0, "distance_bands": 5, "time_band_days": 7,
                                    "time_bands": 4, "same_location_m": 1.0}}
    # aggregates only: the band table's keys, no incident, coordinate or name
    assert set(row.result) == {"events", "pairs", "close_pairs", "permutations", "distance_bands", "time_bands",
                               "cells", "zone", "seconds"}
    assert {k for line in row.result["cells"] for c in line for k in c} == {"observed", "expected", "ratio", "p",
                                                                              "significant"}

    second_worker = worker()
    second = ask()
    assert second == first and second_worker.started == 0  # from the stored row, not computed again
    assert ask() == first and second_worker.started == 0  # then from its memory

    app_conn.execute(text(INSERT), {"s": district.station_id, "t": datetime(2025, 6, 3, tzinfo=UTC),
                                    "lon": 117.02, "lat": 36.02})
    third_worker = worker()
    slot = threading.BoundedSemaphore(1)
    third_worker.running = slot
    assert slot.acquire(timeout=5)  # its recompute stays queued
    monkeypatch.setattr(nearrepeat, "HEARTBEAT_S", 0.05)
    running = ("SELECT heartbeat_at FROM near_repeat_result WHERE status = 'running' "
               "AND params->'stations' = CAST(:stations AS jsonb)")
    try:
        stale = ask()
        assert stale["status"] == "running" and stale["stale"] is True and stale["result"] == first["result"]
        assert stale["data_version"] == first["data_version"] and stale["computed_at"] == first["computed_at"]
        assert third_worker.started == 1
        # queued, its claim is kept alive: the heartbeat moves, so no other process takes it over
        with owner_engine.connect() as conn:
            before = conn.execute(text(running), {"stations": stations}).scalar_one()
        time.sleep(0.5)
        with owner_engine.connect() as conn:
            assert conn.execute(text(running), {"stations": stations}).scalar_one() > before
    finally:
        slot.release()
    fresh = _until_fresh(client, as_user)
    assert fresh["data_version"] != first["data_version"] and fresh["events"] == first["events"] + 1
    with owner_engine.connect() as conn:
        rows = conn.execute(text(STORED_ROWS), {"stations": stations}).all()
    assert [r.label for r in rows] == [first["data_version"], fresh["data_version"]]


def test_two_workers_asked_together_compute_once_and_both_answer(settings, owner_engine, no_stored_near_repeat):
    """Two processes' memories (two Jobs) on two real connections, released together on the demo seed's
    committed thefts: one claims the row and computes, the other waits on the row and answers the same table."""
    from sqlalchemy.orm import Session

    from api.db import make_engine, set_request_user

    with owner_engine.connect() as conn:
        station, leader = conn.execute(text(
            "SELECT (SELECT station_id FROM incident WHERE category = 'theft' GROUP BY 1 ORDER BY count(*) DESC "
            "LIMIT 1), (SELECT id FROM app_user WHERE username = 'leader')")).one()
    engine = make_engine(settings)
    flt = build_filter(start=None, end=None, category=["theft"], hours=None, weekdays=None)
    scope = AnalyticsScope(station_ids=(station,))
    workers = [nearrepeat.Jobs(running=threading.BoundedSemaphore(1)) for _ in range(2)]
    barrier, bodies, errors = threading.Barrier(2), [None, None], []

    def ask(k):
        try:
            with Session(engine) as session:
                set_request_user(session, user_id=leader, role="leader")
                nearrepeat._chunks(session, flt=flt)  # the chunks loaded before the race, as on a warm worker
                barrier.wait()
                bodies[k] = nearrepeat.near_repeat(session, flt=flt, scope=scope, bands=Bands(), permutations=19,
                                                   wait_s=60.0, jobs=workers[k])
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(2)]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        assert not errors, errors
        assert sorted(w.started for w in workers) == [0, 1]  # one computation across the two
        assert bodies[0]["status"] == bodies[1]["status"] == "done"
        assert bodies[0]["result"] == bodies[1]["result"] and bodies[0]["result"]["events"] > 0
        with owner_engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM near_repeat_result WHERE params->'stations' = "
                                     "CAST(:s AS jsonb) AND status = 'done'"), {"s": f"[{station}]"}).scalar() == 1
    finally:
        engine.dispose()


def test_claims_are_taken_over_when_stopped_and_answers_pruned_per_question(db):
    """The definer functions: one claim per key; a claim without heartbeat for the limit is taken over; a
    released one may be claimed again; storing keeps the newest KEEP_STORED answers of the question."""
    def claim(version):
        return db.execute(text("SELECT holomap_near_repeat_claim('q', :v, 'l', '{}', 1, 19, 600)"),
                          {"v": version}).scalar()

    assert claim("v1") is True and claim("v1") is False
    db.execute(text("UPDATE near_repeat_result SET heartbeat_at = now() - interval '11 minutes'"))
    assert claim("v1") is True and claim("v1") is False  # taken over, then held again
    db.execute(text("SELECT holomap_near_repeat_release('q', 'v1')"))
    assert claim("v1") is True
    for k in range(1, 6):
        if k > 1:
            assert claim(f"v{k}") is True
        db.execute(text("SELECT holomap_near_repeat_store('q', :v, CAST(:r AS jsonb), 3)"),
                   {"v": f"v{k}", "r": f'{{"k": {k}}}'})
        db.execute(text("UPDATE near_repeat_result SET computed_at = computed_at - make_interval(secs => 10 - :k) "
                        "WHERE data_version = :v"), {"k": k, "v": f"v{k}"})
    assert claim("v6") is True  # a running claim is never pruned
    db.execute(text("SELECT holomap_near_repeat_store('q', 'v5', CAST('{\"k\": 5}' AS jsonb), 3)"))
    rows = db.execute(text("SELECT data_version, status FROM near_repeat_result WHERE question = 'q' "
                           "ORDER BY data_version")).all()
    assert [(r.data_version, r.status) for r in rows] == [("v3", "done"), ("v4", "done"), ("v5", "done"),
                                                          ("v6", "running")]
    assert claim("v5") is False  # done: nothing to claim
