"""The arrays analytics computes, kept between processes (analytics_stored, api/analytics/stored.py): a fresh
process answers the dashboard from them exactly as from the database, uses a row only at the version its own
transaction reads, and never trusts a row of another version, layout or table incarnation."""
import threading
from datetime import date

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import cells, repeats, residents, service, staffing, stored
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import build_filter
from api.auth.service import CurrentUser
from api.db import set_request_user
from tests.analytics.test_beat_residents import _person
from tests.analytics.test_heat_cache import _add
from tests.analytics.test_preload import _clear_caches
from tests.concurrency import together
from tests.conftest import scalar

YEAR = {"start": date(2025, 1, 1), "end": date(2025, 12, 31), "category": None, "hours": None, "weekdays": None}


@pytest.fixture()
def writing(owner_engine, monkeypatch):
    """STORE writing through the owner's engine (as the app's primary pool does); its rows removed after (they
    are committed, outside the test's transaction), and the process's caches empty before and after."""
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM analytics_stored"))  # none left by a run that stopped half-way
    monkeypatch.setattr(stored, "STORE", stored.Store())
    stored.STORE.configure(owner_engine)
    _clear_caches()
    yield stored.STORE
    stored.STORE.configure(None)
    _clear_caches()
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM analytics_stored"))


def _leader(session: Session) -> CurrentUser:
    row = session.execute(text("SELECT id, username, display_name, role FROM app_user "
                               "WHERE username = 'ana_leader'")).one()
    set_request_user(session, user_id=row.id, role=row.role)
    return CurrentUser(id=row.id, username=row.username, display_name=row.display_name, role=row.role,
                       station_id=None)


def dashboard(app) -> dict:
    """The bureau's opening answers the stored arrays feed: per-month counts, heat, beats (residents, rates),
    repeat locations (the nearest building of every incident); in a session of its own, as a request."""
    with app.state.sessionmaker() as session:
        return _answers(session)


def _answers(session: Session) -> dict:
    user = _leader(session)
    flt, scope = build_filter(**YEAR), AnalyticsScope(station_ids=None)
    return {
        "compare": service.comparison(session=session, flt=flt, scope=scope),
        "heat": service.heat(session=session, flt=flt, scope=scope, cell="hex", size=500.0, compact=True),
        "beats": staffing.beats_compact(session, flt=flt, scope=scope),
        "repeats": repeats.repeat_locations(session, flt=flt, scope=scope, user=user),
    }


def total(answer: dict) -> int:
    return sum(m["count"] for m in answer["compare"]["monthly"])


def _kinds(conn) -> dict[str, int]:
    return dict(conn.execute(text("SELECT kind, count(*) FROM analytics_stored GROUP BY kind")).all())


def test_a_fresh_process_answers_from_the_kept_arrays_as_from_the_database(writing, app, district,
                                                                            owner_engine, app_conn):
    first = dashboard(app)
    writing.flush(60)
    with owner_engine.connect() as conn:
        kinds = _kinds(conn)
    # the district's 2025 months (ended) and the bureau's buildings and residents; never the current month
    assert kinds.get("chunk", 0) > 0 and kinds.get("nearest", 0) > 0
    assert kinds.get("buildings") == 1 and kinds.get("residents") == 1
    current = cells.stored_key("theft", date.today().replace(day=1))
    assert scalar(app_conn, "SELECT count(*) FROM analytics_stored WHERE key = :k", k=current) == 0

    _clear_caches()
    loads, building_reads, recounted = cells.CACHE.loads, repeats.BUILDING_READS[0], residents.CACHE.recounted
    nearest = repeats.Buildings.nearest
    asked = []

    def counting(self, x, y):
        asked.append(len(x))
        return nearest(self, x, y)

    repeats.Buildings.nearest = counting
    try:
        second = dashboard(app)
    finally:
        repeats.Buildings.nearest = nearest
    assert second == first
    assert cells.CACHE.loads == loads  # every 2025 chunk from analytics_stored, none aggregated
    assert repeats.BUILDING_READS[0] == building_reads and residents.CACHE.recounted == recounted
    assert sum(asked) == 0  # the nearest buildings too
    assert writing.reads > 0


def test_a_kept_array_is_used_only_at_the_version_read_now(writing, app, district, owner_engine, app_conn):
    first = dashboard(app)
    writing.flush(60)
    # a new incident in a kept month, a new resident in a kept beat, a building moved: their rows are stale
    _add(app_conn, district.station_id, 117.015, 36.02)  # theft, June 2025
    household = scalar(app_conn, "SELECT id FROM household WHERE beat_id = :b ORDER BY id LIMIT 1",
                       b=district.beat_ids["T-ANA-01"])
    _person(app_conn, household, 7)
    _clear_caches()
    loads, recounted = cells.CACHE.loads, residents.CACHE.recounted
    second = dashboard(app)
    assert cells.CACHE.loads == loads + 1  # only theft of June 2025 aggregated again
    assert residents.CACHE.recounted == recounted + 1  # only the west beat counted again
    assert total(second) == total(first) + 1
    _clear_caches()
    assert dashboard(app) == second  # and the same again from what the second computed


def test_rows_of_another_version_layout_or_incarnation_are_never_used(writing, app, district,
                                                                      owner_engine):
    first = dashboard(app)
    writing.flush(60)
    with owner_engine.begin() as conn:
        # the right keys, other versions (a chunk of gen + 1, the residents of another table incarnation) and
        # a payload of another size under the right version
        conn.execute(text("UPDATE analytics_stored SET version = version || '0' WHERE kind IN ('chunk', 'residents')"))
        conn.execute(text("UPDATE analytics_stored SET payload = substring(payload from 5) "
                          "WHERE kind IN ('buildings', 'nearest')"))
    _clear_caches()
    loads, building_reads = cells.CACHE.loads, repeats.BUILDING_READS[0]
    reads = writing.reads
    assert dashboard(app) == first
    assert cells.CACHE.loads > loads and repeats.BUILDING_READS[0] == building_reads + 1
    assert writing.reads == reads  # nothing was taken from the tampered rows


def test_without_the_table_nothing_is_read_or_fails(writing, app, district, app_conn):
    first = dashboard(app)
    writing.flush(60)
    app_conn.execute(text("ALTER TABLE analytics_stored RENAME TO analytics_stored_gone"))  # rolled back after
    writing._has_table.clear()
    _clear_caches()
    assert dashboard(app) == first and writing.reads == 0


def test_pack_and_unpack_are_exact_and_refuse_another_size():
    t = np.array([1, -2, 2**62], np.int64)
    x = np.array([0.1, -1e300, np.pi])
    small = np.array([1, -1, 127], np.int8)
    payload = stored.pack(t, x, small)
    for n in (3, None):  # told or derived from the payload's size
        got = stored.unpack(payload, ("<i8", "<f8", "i1"), n)
        assert [g.tolist() for g in got] == [t.tolist(), x.tolist(), small.tolist()]
    assert stored.unpack(payload + b"\0", ("<i8", "<f8", "i1"), 3) is None
    assert stored.unpack(payload + b"\0", ("<i8", "<f8", "i1")) is None
    assert stored.unpack(payload, ("<i8", "<f8", "i1"), 2) is None


def test_writers_at_once_leave_one_whole_row_and_readers_never_see_half(owner_engine):
    """Two processes storing the same key at once (real connections, released together), with a reader reading
    meanwhile: one row remains, its payload the one written with its version, never a mix."""
    payloads = {f"v{i}": bytes([i]) * 2_000_000 for i in range(2)}
    seen: list[tuple[str, int, int]] = []
    done = threading.Event()

    def write(version: str):
        def step(conn, meet):
            meet()
            conn.execute(text(stored.WRITE), {"kind": "chunk", "key": "race|2025-01-01", "version": version,
                                              "payload": payloads[version]})
        return step

    def read():
        with Session(owner_engine) as s:
            while not done.is_set():
                got = s.execute(text("SELECT version, payload FROM analytics_stored WHERE kind = 'chunk' "
                                     "AND key = 'race|2025-01-01'")).first()
                if got is not None:
                    seen.append((got.version, got.payload[0], len(set(got.payload))))
                s.rollback()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(3):
            together(owner_engine, write("v0"), write("v1"))
    finally:
        done.set()
        reader.join(30)
    try:
        with owner_engine.connect() as conn:
            rows = conn.execute(text("SELECT version, payload FROM analytics_stored WHERE key = 'race|2025-01-01'")
                                ).all()
        assert len(rows) == 1 and bytes(rows[0].payload) == payloads[rows[0].version]
        with Session(owner_engine) as s:  # Store.read answers the row at its version only
            key, last = "race|2025-01-01", rows[0].version
            other = "v1" if last == "v0" else "v0"
            assert stored.Store().read(s, "chunk", {key: last}) == {key: payloads[last]}
            assert stored.Store().read(s, "chunk", {key: other}) == {}
        assert all(first == int(version[1]) and distinct == 1 for version, first, distinct in seen)
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DELETE FROM analytics_stored WHERE key = 'race|2025-01-01'"))


def test_the_app_role_reads_but_cannot_write_the_table_directly(app_conn):
    app_conn.execute(text("SAVEPOINT s"))
    app_conn.execute(text("SET LOCAL ROLE holomap_app"))
    assert scalar(app_conn, "SELECT count(*) FROM analytics_stored") >= 0
    with pytest.raises(Exception, match="permission denied"):
        app_conn.execute(text("INSERT INTO analytics_stored (kind, key, version, payload) "
                              "VALUES ('chunk', 'x', 'y', '\\x00')"))
    app_conn.execute(text("ROLLBACK TO SAVEPOINT s"))

