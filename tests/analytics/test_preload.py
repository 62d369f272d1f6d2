"""The worker's analytics warm-up (api/analytics/preload.py): the same answers, the same scopes, no blocking."""
import gc
import threading
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from api.analytics import cells, preload, repeats, service, staffing
from api.analytics import residents as resident_counts
from api.analytics.filters import LOCAL_TZ
from api.auth.service import create_token
from api.db import make_engine, make_sessionmaker
from api.main import create_app

LEADER_CALLS = ("heat?format=compact", "compare", "matrix", "beats?format=compact", "hotspots?format=compact",
                "repeat-locations", "officers")


def _clear_caches() -> None:
    cells.CACHE.clear()
    resident_counts.CACHE.clear()
    with repeats._CACHE_LOCK:
        repeats._CACHE.clear()
        repeats._ASSIGNED.clear()
        repeats._ASSIGNED_ROWS[0] = 0
    staffing._GEOMETRY_JSON.clear()
    staffing.BEAT_LAYERS.clear()
    staffing.ROSTERS.clear()
    service.ANSWERS.clear()


@pytest.fixture()
def real_sessions(settings):
    """Sessions on real connections of the app role (the preload's own transactions, as in a worker)."""
    engine = make_engine(settings)
    yield make_sessionmaker(engine)
    engine.dispose()


def _answers(client, headers, calls) -> dict:
    out = {}
    for call in calls:
        r = client.get(f"/api/analytics/{call}", headers=headers)
        assert r.status_code == 200, (call, r.text)
        out[call] = r.json()
    return out


def test_preloaded_caches_give_the_same_answers_and_requests_load_nothing(client, login, real_sessions):
    leader = login("leader")
    _clear_caches()
    cold = _answers(client, leader, LEADER_CALLS)
    _clear_caches()
    warmup = preload.Preload()
    warmup.run(primary=real_sessions, read=real_sessions)
    assert warmup.state == "ready", warmup.state
    assert cells.CACHE.loads > 0 and resident_counts.CACHE.recounted > 0
    assert gc.get_freeze_count() > 0  # what the warm-up kept is out of the collector's full passes
    loads, recounted, rosters = cells.CACHE.loads, resident_counts.CACHE.recounted, staffing.ROSTERS.loads
    assert _answers(client, leader, LEADER_CALLS) == cold
    # the opening view was served from what the preload loaded: no chunk loaded, no beat recounted, no roster read
    assert (cells.CACHE.loads, resident_counts.CACHE.recounted, staffing.ROSTERS.loads) == (loads, recounted, rosters)
    assert cold["heat?format=compact"]["total"] > 0 and cold["compare"]["current"]["total"] > 0


def test_after_the_preload_a_station_user_still_sees_only_the_station(client, login, as_user, district, app_conn,
                                                                      real_sessions):
    """The preload reads as the bureau; a chief of another station (T-ANA, this test's) gets only T-ANA's
    incidents from the same arrays, and the seeded station's chief never T-ANA's."""
    _clear_caches()
    warmup = preload.Preload()
    warmup.run(primary=real_sessions, read=real_sessions)
    assert warmup.state == "ready"
    recent = datetime.now(LOCAL_TZ) - timedelta(days=3)
    for k in range(2):  # two T-ANA incidents inside the default period (the last 365 days)
        app_conn.execute(text(
            "INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, status) "
            "VALUES (:s, :t, :t, 'theft', '110', ST_SetSRID(ST_MakePoint(117.01, 36.01), 4326), 'closed')"),
            {"s": district.station_id, "t": recent - timedelta(hours=k)})
    start = (datetime.now(LOCAL_TZ).date() - timedelta(days=364))

    def in_period(station_sql: str) -> int:
        return app_conn.execute(text(
            f"SELECT count(*) FROM incident WHERE {station_sql} AND occurred_at >= CAST(:d AS date)::timestamp "
            "AT TIME ZONE 'Asia/Shanghai'"), {"d": start, "s": district.station_id}).scalar()

    other = _answers(client, as_user("ana_chief"), ("heat?format=compact", "matrix", "beats?format=compact"))
    assert other["heat?format=compact"]["total"] == other["matrix"]["total"] == in_period("station_id = :s") >= 2
    assert {row[0] for row in other["beats?format=compact"]["rows"]} == set(district.beat_ids)
    seeded = _answers(client, login("chief"), ("heat?format=compact", "matrix"))
    assert seeded["heat?format=compact"]["total"] == in_period("station_id <> :s") > 0
    bureau = _answers(client, login("leader"), ("heat?format=compact",))
    assert bureau["heat?format=compact"]["total"] == in_period("true") == \
        seeded["matrix"]["total"] + other["matrix"]["total"]


def test_row_security_on_the_cached_tables_skips_the_preload(db):
    """Rows hidden from the preload would be cached as the whole: with RLS on `incident` it loads nothing."""
    db.execute(text("ALTER TABLE incident ENABLE ROW LEVEL SECURITY"))
    sessions = sessionmaker(bind=db, join_transaction_mode="create_savepoint")
    _clear_caches()
    loads = cells.CACHE.loads
    warmup = preload.Preload()
    warmup.run(primary=sessions, read=sessions)
    assert warmup.state == "skipped" and cells.CACHE.loads == loads and not warmup.steps


def test_the_server_answers_while_the_preload_runs(settings, monkeypatch):
    """A worker starts its preload in the background: health and analytics answer before it is done."""
    release = threading.Event()
    compare = preload.service.comparison

    def held(**kwargs):
        assert release.wait(60)
        return compare(**kwargs)

    monkeypatch.setattr(preload.service, "comparison", held)
    with TestClient(create_app(settings.model_copy(update={"analytics_preload": True}))) as client:
        state = client.app.state.analytics_preload
        r = client.get("/api/health")
        assert r.status_code == 200 and r.json()["analytics_cache"] == "loading"
        with client.app.state.sessionmaker() as s:
            leader = s.execute(text("SELECT id, username, role FROM app_user WHERE username = 'leader'")).one()
        token, _ = create_token(SimpleNamespace(**leader._mapping), settings)
        r = client.get("/api/analytics/matrix", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["total"] > 0
        assert state.state == "loading"
        release.set()
        assert state.wait(120) == "ready"
        assert client.get("/api/health").json()["analytics_cache"] == "ready"


def test_requests_opening_together_count_residents_and_read_buildings_once(owner_engine):
    """A cold worker's first openings (and its warm-up) at once, on real connections: the residents of every
    beat are counted once and the buildings read once; all get the same figures."""
    from sqlalchemy.orm import Session

    from api.analytics.dependencies import AnalyticsScope
    from api.db import set_request_user

    cache = resident_counts.ResidentsCache()
    scope = AnalyticsScope(station_ids=None)
    _clear_caches()
    reads = repeats.BUILDING_READS[0]
    with owner_engine.connect() as conn:
        ids = list(conn.execute(text("SELECT id FROM beat ORDER BY id")).scalars())
        leader = conn.execute(text("SELECT id FROM app_user WHERE username = 'leader'")).scalar()
    barrier = threading.Barrier(4)
    answers: list = [None] * 4

    def open_(k: int) -> None:
        with Session(owner_engine) as session:
            set_request_user(session, user_id=leader, role="leader")
            barrier.wait(30)
            built, _ = repeats._buildings(session, scope)
            answers[k] = (cache.residents(session, ids), len(built.ids))

    threads = [threading.Thread(target=open_, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert cache.recounted == len(ids) > 0 and repeats.BUILDING_READS[0] == reads + 1
    assert all(a == answers[0] for a in answers) and sum(answers[0][0].values()) > 0 and answers[0][1] > 0
