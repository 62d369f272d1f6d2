"""The in-process incident columns (api/analytics/cells.py): exact against the SQL, fresh, scoped."""
import json
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import text

from api.analytics import cells, queries, service, staffing
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import LOCAL_TZ, build_filter
from geo import binning
from geo.hotspots import gi_star
from tests.analytics.conftest import CATEGORIES
from tests.analytics.test_heat import _heat

INSERT = ("INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, status) "
          "VALUES (:s, :t, :t, :c, '110', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'closed') RETURNING id")


def _add(conn, station_id, lon, lat, *, category="theft", at=datetime(2025, 6, 15, 9, tzinfo=LOCAL_TZ)) -> int:
    return conn.execute(text(INSERT), {"s": station_id, "t": at, "c": category, "lon": lon, "lat": lat}).scalar()


def _cells(body) -> dict[str, int]:
    return {f["properties"]["cell"]: f["properties"]["count"] for f in body["features"]}


def _cell_of(cell, lon, lat, size) -> str:
    i, j = binning.cells(cell, [lon], [lat], size)
    return f"{int(i[0])},{int(j[0])}"


def _random_filter(rng: np.random.Generator):
    start = date(2024, 12, 1) + timedelta(days=int(rng.integers(0, 300)))
    end = start + timedelta(days=int(rng.integers(0, 420)))
    pick = rng.random(3)
    categories = list(rng.choice(CATEGORIES, int(rng.integers(1, 3)), replace=False)) if pick[0] < 0.6 else None
    hours = f"{a}-{b}" if pick[1] < 0.4 and (a := int(rng.integers(0, 12))) <= (b := int(rng.integers(8, 24))) \
        else None
    weekdays = "1-5" if pick[2] < 0.2 else ("6-7" if pick[2] < 0.35 else None)
    return build_filter(start=start, end=end, category=categories, hours=hours, weekdays=weekdays)


def test_cells_and_matrix_equal_the_sql_on_random_filters(app_session, district, app_conn, monkeypatch):
    # a second station whose incidents share the chunks (category, month) with T-ANA's
    other = app_conn.execute(text(
        "INSERT INTO station (code, name, jurisdiction) VALUES ('T-ANB', '测试二所', "
        "ST_Multi(ST_MakeEnvelope(117.06, 36.0, 117.1, 36.05, 4326))) RETURNING id")).scalar()
    rng = np.random.default_rng(11)
    for _ in range(200):
        _add(app_conn, other, float(rng.uniform(117.061, 117.099)), float(rng.uniform(36.001, 36.049)),
             category=str(rng.choice(CATEGORIES)),
             at=datetime(2025, 1, 1, tzinfo=LOCAL_TZ) + timedelta(minutes=int(rng.integers(0, 525_600))))
    scopes = [AnalyticsScope(station_ids=(district.station_id,)), AnalyticsScope(station_ids=(other,)),
              AnalyticsScope(station_ids=(district.station_id, other))]
    for k in range(40):
        flt = _random_filter(rng)
        scope = scopes[k % len(scopes)]
        assert cells.select(app_session, flt=flt, scope=scope) is not None  # the cached path answers
        for cell in ("hex", "square"):
            size = float(rng.choice([100.0, 250.0, 500.0, 1000.0, float(rng.uniform(100, 5000))]))
            fast = service.cell_counts(session=app_session, flt=flt, scope=scope, cell=cell, size=size)
            assert fast == service.sql_cell_counts(session=app_session, flt=flt, scope=scope, cell=cell, size=size), \
                (flt, scope, cell, size)
        matrix = service.hour_weekday(session=app_session, flt=flt, scope=scope)["counts"]
        where, params = service.incident_params(flt, scope)
        want = [[0] * 24 for _ in range(7)]
        for r in app_session.execute(text(queries.HOUR_WEEKDAY.format(where=where)), params):
            want[r.weekday - 1][r.hour] = r.n
        assert matrix == want, flt
        # the comparison (环比, 同比, monthly series) counted on the chunks equals the SQL statements
        fast = service.comparison(session=app_session, flt=flt, scope=scope)
        with monkeypatch.context() as m:
            m.setattr(cells, "period_counts", lambda *a, **k: None)
            assert service.comparison(session=app_session, flt=flt, scope=scope) == fast, (flt, scope)
        # incidents per beat (current, previous) on the chunks equal queries.BEAT_INCIDENTS
        ids = list(district.beat_ids.values())
        fast = staffing._beat_incidents(app_session, flt=flt, scope=scope, before=flt.previous(), ids=ids)
        with monkeypatch.context() as m:
            m.setattr(cells, "beat_counts", lambda *a, **k: None)
            assert staffing._beat_incidents(app_session, flt=flt, scope=scope, before=flt.previous(),
                                            ids=ids) == fast, (flt, scope)
            # the compact per-beat answer written from the chunks' counts equals the one built from the SQL's
            reference = staffing.beats_compact_json(staffing.beats(app_session, flt=flt, scope=scope))
        assert staffing.beats_compact(app_session, flt=flt, scope=scope) == reference, (flt, scope)


def test_binning_equals_the_sql_arithmetic_everywhere(app_session, district, app_conn):
    """Points all over the globe (negative x/y, both hemispheres): numpy cells == HEX_CELLS/SQUARE_CELLS."""
    rng = np.random.default_rng(5)
    at = datetime(2019, 3, 5, 12, tzinfo=LOCAL_TZ)
    app_conn.execute(text(INSERT), [
        {"s": district.station_id, "t": at, "c": "missing", "lon": float(lon), "lat": float(lat)}
        for lon, lat in zip(rng.uniform(-179.9, 179.9, 1500), rng.uniform(-80, 80, 1500), strict=True)])
    flt = build_filter(start=date(2019, 3, 1), end=date(2019, 3, 31), category=["missing"], hours=None,
                       weekdays=None)
    scope = AnalyticsScope(station_ids=None)
    for size in (100.0, 333.3, 5000.0):
        for cell in ("hex", "square"):
            fast = service.cell_counts(session=app_session, flt=flt, scope=scope, cell=cell, size=size)
            assert sum(fast.values()) >= 1500
            assert fast == service.sql_cell_counts(session=app_session, flt=flt, scope=scope, cell=cell, size=size)


def test_a_new_incident_shows_on_the_next_request_and_only_its_chunk_reloads(client, as_user, district, app_conn):
    h = as_user("ana_leader")
    lon, lat = 117.0123, 36.0345
    before = {cell: _heat(client, h, cell=cell, size_m=500) for cell in ("hex", "square")}
    loads = cells.CACHE.loads
    assert _heat(client, h, cell="hex", size_m=500) == before["hex"]
    assert cells.CACHE.loads == loads  # nothing changed: nothing reloaded

    incident = _add(app_conn, district.station_id, lon, lat)
    for cell in ("hex", "square"):
        body = _heat(client, h, cell=cell, size_m=500)
        assert body["total"] == before[cell]["total"] + 1
        key = _cell_of(cell, lon, lat, 500)
        assert _cells(body)[key] == _cells(before[cell]).get(key, 0) + 1
    assert cells.CACHE.loads == loads + 1  # theft, June 2025

    # a change that moves no incident between cells or chunks reloads nothing
    app_conn.execute(text("UPDATE incident SET status = 'open', summary = '改' WHERE id = :i"), {"i": incident})
    _heat(client, h, cell="hex", size_m=500)
    assert cells.CACHE.loads == loads + 1

    # moved to another month and category: both chunks reload, the counts follow
    app_conn.execute(text("UPDATE incident SET category = 'fraud', occurred_at = :t WHERE id = :i"),
                     {"i": incident, "t": datetime(2025, 9, 1, 3, tzinfo=LOCAL_TZ)})
    thefts = _heat(client, h, cell="square", size_m=500, category="theft")
    frauds = _heat(client, h, cell="square", size_m=500, category="fraud", start="2025-09-01", end="2025-09-01")
    want_frauds = sum(1 for i in district.incidents if i["category"] == "fraud"
                      and i["occurred_at"].astimezone(LOCAL_TZ).date() == date(2025, 9, 1))
    assert thefts["total"] == sum(1 for i in district.incidents if i["category"] == "theft")
    assert frauds["total"] == want_frauds + 1

    # moved to another beat (as publishing a plan does): its chunk reloads, the beat figures follow
    def per_beat():
        r = client.get("/api/analytics/beats", params={"start": "2025-09-01", "end": "2025-09-01"}, headers=h)
        return {f["properties"]["code"]: f["properties"]["incidents"] for f in r.json()["features"]}

    unassigned = per_beat()  # the incident has no beat yet
    for code in ("T-ANA-01", "T-ANA-02"):
        app_conn.execute(text("UPDATE incident SET beat_id = :b WHERE id = :i"),
                         {"i": incident, "b": district.beat_ids[code]})
        assert per_beat() == {**unassigned, code: unassigned[code] + 1}

    app_conn.execute(text("DELETE FROM incident WHERE id = :i"), {"i": incident})
    for cell in ("hex", "square"):
        assert _heat(client, h, cell=cell, size_m=500) == before[cell]


def test_a_rolled_back_incident_is_not_served_afterwards(client, as_user, district, app_conn):
    h = as_user("ana_leader")
    before = _heat(client, h, cell="hex", size_m=250)
    savepoint = app_conn.begin_nested()
    _add(app_conn, district.station_id, 117.05, 36.04)
    assert _heat(client, h, cell="hex", size_m=250)["total"] == before["total"] + 1
    savepoint.rollback()
    assert _heat(client, h, cell="hex", size_m=250) == before


def test_station_users_never_get_another_stations_incidents(client, as_user, district, app_conn):
    """The cache holds every station's incidents of a chunk; the answer holds only the scope's."""
    other = app_conn.execute(text(
        "INSERT INTO station (code, name, jurisdiction) VALUES ('T-ANB', '测试二所', "
        "ST_Multi(ST_MakeEnvelope(117.06, 36.0, 117.1, 36.05, 4326))) RETURNING id")).scalar()
    for k in range(30):  # inside T-ANA's area on purpose: only station_id tells them apart
        _add(app_conn, other, 117.02 + k * 0.0005, 36.02)
    own = {"start": "2025-01-01", "end": "2025-12-31"}
    leader = _heat(client, as_user("ana_leader"), **{**own, "station": "T-ANB"}, cell="hex")
    assert leader["total"] == 30
    for user in ("ana_chief", "ana_officer", "ana_planner"):
        for cell in ("hex", "square"):
            r = client.get("/api/analytics/heat", params={**own, "cell": cell}, headers=as_user(user))
            assert r.status_code == 200 and r.headers["content-type"] == "application/json"
            assert r.json()["total"] == len(district.incidents), user
        r = client.get("/api/analytics/matrix", params=own, headers=as_user(user))
        assert r.json()["total"] == len(district.incidents)
        r = client.get("/api/analytics/heat", params={**own, "station": "T-ANB"}, headers=as_user(user))
        assert r.status_code == 403


def test_without_the_chunk_table_the_sql_answers(client, as_user, district, monkeypatch):
    h = as_user("ana_leader")
    cached = {cell: _heat(client, h, cell=cell, size_m=400) for cell in ("hex", "square")}
    monkeypatch.setattr(cells, "CACHE", cells.ChunkCache())
    monkeypatch.setattr(queries, "CHUNK_TABLE_EXISTS", "SELECT false")
    for cell in ("hex", "square"):
        assert _heat(client, h, cell=cell, size_m=400) == cached[cell]
    assert cells.CACHE.loads == 0


def test_eviction_keeps_answers_exact(app_session, district):
    small = cells.ChunkCache(max_rows=50)
    scope = AnalyticsScope(station_ids=(district.station_id,))
    for month in (1, 2):
        flt = build_filter(start=date(2025, month, 1), end=date(2025, month, 28), category=None, hours=None,
                           weekdays=None)
        want = sum(1 for i in district.incidents
                   if date(2025, month, 1) <= i["occurred_at"].astimezone(LOCAL_TZ).date() <= date(2025, month, 28))
        assert len(cells.select(app_session, flt=flt, scope=scope, cache=small).x) == want
    assert {key[2] for key in small._chunks} == {date(2025, 2, 1)}  # January's chunks were evicted
    assert small._rows == sum(c.rows for c in small._chunks.values())
    year = build_filter(start=date(2025, 1, 1), end=date(2025, 12, 31), category=None, hours=None, weekdays=None)
    for _ in range(2):
        assert len(cells.select(app_session, flt=year, scope=scope, cache=small).x) == len(district.incidents)


def test_chunk_time_is_postgres_microseconds(db):
    assert cells.to_us(datetime(2000, 1, 1, 8, tzinfo=LOCAL_TZ)) == 0
    for moment in (datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=UTC), datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
                   datetime(2025, 6, 30, 23, 59, 59, 999_999, tzinfo=LOCAL_TZ)):
        raw = db.execute(text("SELECT timestamptz_send(:t)"), {"t": moment}).scalar()
        assert cells.to_us(moment) == int.from_bytes(raw, "big", signed=True)
    assert cells.months(date(2024, 11, 30), date(2025, 2, 1)) == [
        date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]


@pytest.mark.parametrize("cell", ["hex", "square"])
def test_heat_text_is_the_documented_collection(client, as_user, district, cell):
    body = _heat(client, as_user("ana_leader"), cell=cell, size_m=1000)
    assert list(body)[:2] == ["type", "features"] and body["type"] == "FeatureCollection"
    assert {"cell", "size_m", "ground_size_m", "total", "max", "filters"} <= set(body)
    assert body["size_m"] == 1000.0 and body["cell"] == cell
    assert body["max"] == max(f["properties"]["count"] for f in body["features"])
    keys = [tuple(map(int, f["properties"]["cell"].split(","))) for f in body["features"]]
    assert keys == sorted(keys)
    for f in body["features"]:
        assert set(f) == {"type", "geometry", "properties"} and set(f["properties"]) == {"cell", "count"}


def test_a_recreated_chunk_table_with_the_same_gens_is_not_trusted(client, as_user, district, app_conn, settings):
    """Re-created database or re-run migrations restart the sequence: the same gen may mean other data."""
    h = as_user("ana_leader")
    before = _heat(client, h, cell="hex", size_m=500, category="theft")
    app_conn.execute(text("ALTER TABLE incident_chunk RENAME TO incident_chunk_was"))
    app_conn.execute(text("CREATE TABLE incident_chunk (LIKE incident_chunk_was INCLUDING ALL)"))
    app_conn.execute(text("INSERT INTO incident_chunk SELECT * FROM incident_chunk_was"))
    app_conn.execute(text(f'GRANT SELECT ON incident_chunk TO "{settings.app_db_role}"'))
    app_conn.execute(text(
        "DELETE FROM incident WHERE id = (SELECT id FROM incident WHERE station_id = :s AND category = 'theft'"
        " ORDER BY id LIMIT 1)"), {"s": district.station_id})
    app_conn.execute(text("UPDATE incident_chunk n SET gen = w.gen FROM incident_chunk_was w "
                          "WHERE (n.category, n.month) = (w.category, w.month)"))  # as a restarted sequence would
    assert _heat(client, h, cell="hex", size_m=500, category="theft")["total"] == before["total"] - 1


@pytest.mark.parametrize("cell", ["hex", "square"])
def test_hotspot_features_equal_one_dict_per_cell(app_session, district, cell):
    """Hotspots' GeoJSON text (geo.cellgeojson with z, p, class, level) equals the per-feature dicts."""
    flt = build_filter(start=date(2025, 1, 1), end=date(2025, 12, 31), category=None, hours=None, weekdays=None)
    scope = AnalyticsScope(station_ids=(district.station_id,))
    body = json.loads(service.hotspots(session=app_session, flt=flt, scope=scope, cell=cell, size=300.0))
    counts = service.sql_cell_counts(session=app_session, flt=flt, scope=scope, cell=cell, size=300.0)
    study = sorted(service.extent_cells(session=app_session, scope=scope, cell=cell, size=300.0) | set(counts))
    want = []
    for r in gi_star(study, [counts.get(c, 0) for c in study], cell, include_zero_neighbours=False):
        if r.count > 0 or r.hotspot_class != "ns":
            ring = [[round(x, 6), round(y, 6)] for x, y in binning.cell_polygon(cell, *r.cell, 300.0).exterior.coords]
            want.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"cell": f"{r.cell[0]},{r.cell[1]}", "count": int(r.count),
                                        "z": round(r.z, 3), "p": round(r.p, 4), "class": r.hotspot_class,
                                        "level": service.CLASS_LEVELS[r.hotspot_class]}})
    assert [f["properties"] for f in body["features"]] == [f["properties"] for f in want]
    assert any(f["properties"]["class"].startswith("hot") for f in body["features"])
    for got, expected in zip(body["features"], want, strict=True):
        assert np.allclose(got["geometry"]["coordinates"][0], expected["geometry"]["coordinates"][0], atol=1.01e-6)
    assert body["total"] == len(district.incidents) and body["cells_in_extent"] == len(study)
    small = json.loads(service.hotspots(session=app_session, flt=flt, scope=scope, cell=cell, size=300.0,
                                        compact=True))
    columns = small.pop("cells")
    assert [{"cell": f"{i},{j}", "count": n, "z": z, "p": p, "class": c, "level": v} for i, j, n, z, p, c, v in zip(
        *(columns[k] for k in ("i", "j", "count", "z", "p", "class", "level")), strict=True)] == \
        [f["properties"] for f in want]
    assert small == {"format": "compact", **{k: v for k, v in body.items() if k not in ("type", "features")}}


def test_kept_heat_and_hotspot_answers_follow_every_change(app_session, district, app_conn):
    """Heat and hotspots are kept by the versions of the chunks (and stations) they read: asked again, the kept
    answer; after an incident is added, moved or deleted, or a station changes, the new one (same transaction)."""
    flt = build_filter(start=date(2025, 1, 1), end=date(2025, 12, 31), category=None, hours=None, weekdays=None)
    scope = AnalyticsScope(station_ids=(district.station_id,))

    def both() -> tuple[dict, dict]:
        return (json.loads(service.heat(session=app_session, flt=flt, scope=scope, cell="hex", size=300.0)),
                json.loads(service.hotspots(session=app_session, flt=flt, scope=scope, cell="hex", size=300.0)))

    heat, hot = both()
    loads = service.ANSWERS.loads
    assert both() == (heat, hot) and service.ANSWERS.loads == loads  # nothing changed: the kept answers
    added = _add(app_conn, district.station_id, 117.03, 36.02)
    heat2, hot2 = both()
    assert heat2["total"] == hot2["total"] == heat["total"] + 1 and service.ANSWERS.loads == loads + 2
    app_conn.execute(text("UPDATE incident SET location = ST_SetSRID(ST_MakePoint(117.04, 36.03), 4326) "
                          "WHERE id = :i"), {"i": added})
    heat3, hot3 = both()
    assert _cells(heat3) != _cells(heat2) and heat3["total"] == heat2["total"]
    app_conn.execute(text("DELETE FROM incident WHERE id = :i"), {"i": added})
    assert both() == (heat, hot)
    app_conn.execute(text("UPDATE station SET jurisdiction = ST_Multi(ST_Buffer(jurisdiction, 0.01)) WHERE id = :s"),
                     {"s": district.station_id})
    heat5, hot5 = both()
    assert heat5 == heat and hot5["cells_in_extent"] > hot["cells_in_extent"]


def test_requests_opening_together_load_each_chunk_once(owner_engine, monkeypatch):
    """The dashboard's calls on a cold worker: four requests at once (real connections) need the same
    chunks; each chunk is loaded once, in statements of LOAD_BATCH chunks, and all four get them all."""
    import threading

    from sqlalchemy.orm import Session

    cache = cells.ChunkCache()
    monkeypatch.setattr(cells, "LOAD_BATCH", 5)
    first, last = date(2024, 1, 1), date(2025, 12, 1)
    with Session(owner_engine) as s:
        held = s.execute(text(queries.CHUNK_VERSIONS), {"first": first, "last": last, "categories": None}).all()
    assert len(held) > 5
    barrier = threading.Barrier(4)
    answers: list = [None] * 4

    def open_(i: int) -> None:
        with Session(owner_engine) as session:
            barrier.wait(30)
            answers[i] = cache.keyed_chunks(session, categories=(), first=first, last=last)

    threads = [threading.Thread(target=open_, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert cache.loads == len(held)
    keys = [[(c, m, chunk.gen) for c, m, chunk in a] for a in answers]
    assert all(k == keys[0] for k in keys) and len(keys[0]) == sum(1 for r in held if r.gen is not None) > 0


def test_cells_binned_once_per_chunk_equal_binning_the_selection(app_session, district):
    """Each chunk keeps the cells of its rows for the last BINNED_GRIDS grids (Chunk.binned): the counts equal
    binning the selected x/y afresh, for every grid asked, kept or evicted, whole bureau or one station."""
    flt = build_filter(start=date(2025, 2, 10), end=date(2025, 11, 20), category=None, hours="8-20",
                       weekdays=None)
    cache = cells.ChunkCache()
    grids = [("hex", 500.0), ("square", 250.0), ("hex", 1234.5), ("hex", 500.0)]
    for scope in (AnalyticsScope(station_ids=None), AnalyticsScope(station_ids=(district.station_id,))):
        for cell, size in grids:
            fast = cells.count_cells(*cells.select_cells(app_session, flt=flt, scope=scope, cell=cell, size=size,
                                                         cache=cache))
            want = cells.bin_counts(cells.select(app_session, flt=flt, scope=scope, cache=cache), cell, size)
            assert all(np.array_equal(a, b) for a, b in zip(fast, want, strict=True)), (cell, size)
            assert int(fast[2].sum()) > 0
    chunks = cache.chunks(app_session, categories=(), first=date(2025, 2, 1), last=date(2025, 11, 1))
    assert all(len(c.cells) <= cells.BINNED_GRIDS for c in chunks)
    assert any(("hex", 500.0) in c.cells for c in chunks)
