"""GET /api/analytics/emerging: classes equal an independent implementation (esda + pymannkendall), the seeded
emerging hot spot, the cache by data version, progress, scope and bad input."""
from datetime import date, datetime, timedelta

import numpy as np
import pymannkendall
import pytest
from esda.getisord import G_Local
from libpysal.weights import W
from sqlalchemy import text

from api.analytics import emerging
from api.analytics.filters import LOCAL_TZ
from geo import binning
from tests.analytics.conftest import STATION
from tests.contracts.conftest import contract

INSERT = ("INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, status) "
          "VALUES (:s, :t, :t, :c, '110', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'closed')")
END = date(2025, 12, 28)  # 52 weeks: 2024-12-30 … 2025-12-28
WEEKS = {"start": "2024-12-30", "end": END.isoformat(), "station": STATION, "step": "week", "size_m": 200}


@pytest.fixture()
def jobs(monkeypatch):
    fresh = emerging.nearrepeat.Jobs(name="emerging-test")
    monkeypatch.setattr(emerging, "JOBS", fresh)
    return fresh


def _week_start(k: int) -> datetime:
    return datetime.combine(END - timedelta(days=7 * (52 - k) - 1), datetime.min.time(), LOCAL_TZ)


def _plant(conn, station_id: int) -> None:
    """A place growing over the last five weeks (consecutive) and one hot all year and rising (intensifying)."""
    rng = np.random.default_rng(11)
    rows = []

    def at(lon, lat, week, n):
        for _ in range(n):
            hours = timedelta(hours=int(rng.integers(0, 160)))
            rows.append({"s": station_id, "c": "theft", "t": _week_start(week) + hours,
                         "lon": lon + rng.uniform(-0.0003, 0.0003), "lat": lat + rng.uniform(-0.0003, 0.0003)})

    for k, n in enumerate((4, 6, 8, 10, 12)):
        at(117.050, 36.010, 47 + k, n)
    for week in range(52):
        at(117.010, 36.040, week, 4 + week // 4)
    conn.execute(text(INSERT), rows)


def _reference(conn, station_id: int) -> dict[str, str]:
    """The categories of every cell by another route: cells by PostGIS (ST_HexagonGrid over the jurisdiction,
    centre inside) and geo.binning from lon/lat, Gi* per week by esda, trends by pymannkendall, and the
    ArcGIS rules written out again here."""
    size = 200.0
    extent = {(r.i, r.j) for r in conn.execute(text(
        "SELECT g.i, g.j FROM station s, ST_HexagonGrid(:size, ST_Transform(s.jurisdiction, 3857)) g "
        "WHERE s.id = :s AND ST_Contains(ST_Transform(s.jurisdiction, 3857), ST_Centroid(g.geom))"),
        {"size": size, "s": station_id})}
    rows = conn.execute(text(
        "SELECT ST_X(location), ST_Y(location), timezone('Asia/Shanghai', occurred_at)::date FROM incident "
        "WHERE station_id = :s AND occurred_at >= :a AND occurred_at < :b"),
        {"s": station_id, "a": _week_start(0), "b": _week_start(52)}).all()
    lon = np.array([r[0] for r in rows])
    lat = np.array([r[1] for r in rows])
    i, j = binning.hex_cells(lon, lat, size)
    week = np.array([(END - r[2]).days // 7 for r in rows])
    week = 51 - week
    study = sorted(extent | set(zip(i.tolist(), j.tolist(), strict=True)))
    index = {c: k for k, c in enumerate(study)}
    counts = np.zeros((len(study), 52))
    for a, b, w in zip(i.tolist(), j.tolist(), week.tolist(), strict=True):
        counts[index[(a, b)], w] += 1
    nb = {k: [index[n] for n in binning.neighbours("hex", *c) if n in index] for k, c in enumerate(study)}
    w = W(nb, silence_warnings=True)
    z = np.zeros_like(counts)
    p = np.ones_like(counts)
    for step in range(52):
        ref = G_Local(counts[:, step], w, transform="B", star=True, permutations=0)
        z[:, step], p[:, step] = ref.Zs, 2 * ref.p_norm
    out = {}
    for k, c in enumerate(study):
        label = _arcgis(z[k], p[k])
        if label != "none":
            out[f"{c[0]},{c[1]}"] = label
    return out


def _arcgis(zs, ps) -> str:
    hot, cold = (ps < 0.1) & (zs > 0), (ps < 0.1) & (zs < 0)
    for this, other, prefix, sign in ((hot, cold, "", 1), (cold, hot, "cold_", -1)):
        n, share = len(this), this.mean()
        if not this[-1]:
            if share >= 0.9:
                return prefix + "historical"
            continue
        if share >= 0.9:
            trend = pymannkendall.original_test(sign * zs)
            if trend.p < 0.1:
                return prefix + ("intensifying" if trend.z > 0 else "diminishing")
            return prefix + "persistent"
        if this.sum() == 1:
            return prefix + "new"
        first_hot = int(np.flatnonzero(this)[0])
        if this[first_hot:].all():
            return prefix + "consecutive"
        return prefix + ("oscillating" if other[:n - 1].any() else "sporadic")
    return "none"


def test_classes_equal_an_independent_implementation(app, client, as_user, district, app_conn, jobs):
    _plant(app_conn, district.station_id)
    r = client.get("/api/analytics/emerging", params=WEEKS, headers=as_user("ana_leader"))
    assert r.status_code == 200, r.text
    contract(app, r)  # the declared model, field for field
    body = r.json()
    assert body["status"] == "done" and body["step"] == "week" and len(body["steps"]) == 52
    assert body["steps"][-1] == {"start": "2025-12-22", "end": "2025-12-28"}
    got = {f["properties"]["cell"]: f["properties"]["class"] for f in body["features"]}
    assert got == _reference(app_conn, district.station_id)
    # the planted places: the cells their incidents fall in carry the planted class (Gi* over the small
    # station's ~40 cells is not sensitive enough for a one-week spike next to them: `new` is in tests/geo)
    assert "intensifying" in {got.get(c) for c in _planted_cells(app_conn, 117.010, 36.040)}
    assert "consecutive" in {got.get(c) for c in _planted_cells(app_conn, 117.050, 36.010)}
    assert sum(body["classes"].values()) == len(body["features"])
    # aggregates only: cells with counts, nothing of an incident
    assert set(body["features"][0]["properties"]) == {"cell", "count", "class", "hot_steps", "cold_steps",
                                                      "z_last", "trend_z"}


def _planted_cells(conn, lon, lat) -> set[str]:
    rows = conn.execute(text("SELECT ST_X(location), ST_Y(location) FROM incident WHERE ST_DWithin(location, "
                             "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 0.0005)"), {"lon": lon, "lat": lat}).all()
    i, j = binning.hex_cells(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), 200.0)
    return {f"{a},{b}" for a, b in zip(i.tolist(), j.tolist(), strict=True)}


def _cells_at(lon, lat):
    i, j = binning.hex_cells(np.array([lon]), np.array([lat]), 500.0)
    return [f"{i[0]},{j[0]}"]


def test_the_seeded_emerging_hot_spot_is_consecutive(client, login, db, jobs):
    """The demo seed plants thefts growing over the last six weeks before the anchor at a quiet place."""
    import seed
    from seed.geography import build_district
    from seed.housing import build_housing
    from seed.population import build_people

    figures = seed.SCALES["demo"]
    district = build_district(figures, seed.DEFAULT_SEED)
    housing = build_housing(district, figures, seed.DEFAULT_SEED)
    _, people = build_people(district, housing, figures, seed.DEFAULT_SEED)
    seeded = db.execute(text("SELECT ST_X(location), ST_Y(location) FROM incident WHERE summary LIKE '%电动车被盗' "
                             "AND occurred_at >= CAST(:a AS date) - 42 ORDER BY occurred_at"),
                        {"a": seed.ANCHOR.isoformat()}).all()
    assert seeded
    station = db.execute(text("SELECT code FROM station ORDER BY id LIMIT 1")).scalar()
    last = seed.ANCHOR - timedelta(days=1)
    r = client.get("/api/analytics/emerging", headers=login("leader"), params={
        "station": station, "category": "theft", "step": "week", "end": last.isoformat(),
        "start": (last - timedelta(days=363)).isoformat()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "done"
    got = {f["properties"]["cell"]: f["properties"] for f in body["features"]}
    # the planted place: the centre the seed chose
    centre = _seed_centre(district, housing, people)
    cell = _cells_at(*centre)[0]
    assert got[cell]["class"] == "consecutive" and got[cell]["hot_steps"] == 6, got.get(cell)
    assert got[cell]["trend_z"] > 1.645  # the counts are rising
    assert body["classes"]["consecutive"] >= 1


def _seed_centre(district, housing, people) -> tuple[float, float]:
    import seed.activity as activity
    seen = {}
    real = activity.emerging_centre

    def spy(*args):
        seen["xy"] = real(*args)
        return seen["xy"]

    activity.emerging_centre = spy
    try:
        import seed
        activity.build_incidents(district, housing, people, seed.SCALES["demo"], seed.DEFAULT_SEED)
    finally:
        activity.emerging_centre = real
    x, y, _ = seen["xy"]
    return float(district.frame.lon(np.array([x]))[0]), float(district.frame.lat(np.array([y]))[0])


def test_cached_by_data_version_with_progress(client, as_user, district, app_conn, jobs, monkeypatch):
    headers = as_user("ana_chief")
    params = {k: v for k, v in WEEKS.items() if k != "station"}
    monkeypatch.setattr(emerging.emerging_hot_spots, "__kwdefaults__",
                        {**emerging.emerging_hot_spots.__kwdefaults__, "wait_s": 0.0})
    real = emerging.compute
    gate = __import__("threading").Event()

    def slow(*args):
        gate.wait(10)
        return real(*args)

    monkeypatch.setattr(emerging, "compute", slow)
    first = client.get("/api/analytics/emerging", params=params, headers=headers).json()
    assert first["status"] == "running" and first["features"] == [] and 0 <= first["progress"] < 1
    gate.set()
    for _ in range(100):
        done = client.get("/api/analytics/emerging", params=params, headers=headers).json()
        if done["status"] == "done":
            break
        __import__("time").sleep(0.05)
    assert done["status"] == "done" and done["total"] > 0 and jobs.started == 1
    app_conn.execute(text(INSERT), {"s": district.station_id, "c": "theft", "t": datetime(2025, 6, 3, tzinfo=LOCAL_TZ),
                                    "lon": 117.01, "lat": 36.01})
    client.get("/api/analytics/emerging", params=params, headers=headers)
    assert jobs.started == 2


def test_scope_and_bad_input(client, as_user, district, jobs):
    r = client.get("/api/analytics/emerging", params=WEEKS, headers=as_user("ana_grid"))
    assert r.status_code == 403
    short = {**WEEKS, "start": "2025-11-01", "step": "month"}
    r = client.get("/api/analytics/emerging", params=short, headers=as_user("ana_leader"))
    assert r.status_code == 422 and r.json()["code"] == "analytics.emerging_too_few_steps"
    assert r.json()["params"] == {"step": "month", "steps": 1, "min_steps": 4}
    r = client.get("/api/analytics/emerging", params={**WEEKS, "step": "day"}, headers=as_user("ana_leader"))
    assert r.status_code == 422
    r = client.get("/api/analytics/emerging", params={**WEEKS, "station": "NOPE"}, headers=as_user("ana_chief"))
    assert r.status_code == 403 and r.json()["code"] == "analytics.other_station"
    months = client.get("/api/analytics/emerging", params={**WEEKS, "step": "month", "start": "2025-01-15"},
                        headers=as_user("ana_leader")).json()
    assert [s["start"] for s in months["steps"]][:2] == ["2025-02-01", "2025-03-01"]
    assert months["steps"][-1] == {"start": "2025-11-01", "end": "2025-11-30"}  # December is not whole


def test_step_edges():
    from api.analytics.filters import IncidentFilter
    weeks = emerging.step_edges(IncidentFilter(start=date(2025, 1, 1), end=date(2025, 1, 30)), "week")
    assert weeks == [date(2025, 1, 3) + timedelta(days=7 * k) for k in range(5)]
    months = emerging.step_edges(IncidentFilter(start=date(2025, 1, 1), end=date(2025, 3, 31)), "month")
    assert months == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
