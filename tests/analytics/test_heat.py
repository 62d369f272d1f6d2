"""Heat cells, filters and the hour × weekday matrix on the synthetic station T-ANA."""
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import text

from api.analytics.filters import LOCAL_TZ
from geo import binning
from tests.analytics.conftest import STATION

YEAR = {"start": "2025-01-01", "end": "2025-12-31", "station": STATION}


def _local(incident):
    return incident["occurred_at"].astimezone(LOCAL_TZ)


def _expected(district, *, start=date(2025, 1, 1), end=date(2025, 12, 31), categories=None, hours=None,
              weekdays=None) -> list[dict]:
    return [i for i in district.incidents
            if start <= _local(i).date() <= end
            and (categories is None or i["category"] in categories)
            and (hours is None or _local(i).hour in hours)
            and (weekdays is None or _local(i).isoweekday() in weekdays)]


def _heat(client, headers, **params):
    r = client.get("/api/analytics/heat", params={**YEAR, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("size", [100, 250, 1000, 5000])
def test_totals_agree_across_cell_shapes(client, as_user, district, size):
    h = as_user("ana_leader")
    hexes, squares = _heat(client, h, cell="hex", size_m=size), _heat(client, h, cell="square", size_m=size)
    assert hexes["total"] == squares["total"] == len(district.incidents)
    assert sum(f["properties"]["count"] for f in hexes["features"]) == hexes["total"]
    assert sum(f["properties"]["count"] for f in squares["features"]) == squares["total"]


@pytest.mark.parametrize("cell", ["hex", "square"])
@pytest.mark.parametrize("size", [100.0, 400.0, 1234.5])
def test_cells_match_python_binning_and_postgis_grid(client, as_user, district, app_conn, cell, size):
    body = _heat(client, as_user("ana_leader"), cell=cell, size_m=size)
    got = {tuple(map(int, f["properties"]["cell"].split(","))): f["properties"]["count"]
           for f in body["features"]}
    lons = [i["lon"] for i in district.incidents]
    lats = [i["lat"] for i in district.incidents]
    ii, jj = binning.cells(cell, lons, lats, size)
    assert got == dict(Counter(zip(ii.tolist(), jj.tolist(), strict=True)))
    grid = "ST_HexagonGrid" if cell == "hex" else "ST_SquareGrid"
    rows = app_conn.execute(text(
        f"SELECT g.i, g.j, count(*) AS n FROM station s, {grid}(:size, ST_Transform(s.jurisdiction, 3857)) g,"
        " incident p WHERE s.code = :code AND p.station_id = s.id"
        " AND ST_Intersects(ST_Transform(p.location, 3857), g.geom) GROUP BY 1, 2"),
        {"size": size, "code": STATION}).all()
    assert {(r.i, r.j): r.n for r in rows} == got
    ring = body["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == (7 if cell == "hex" else 5) and ring[0] == ring[-1]


def test_filters_compose(client, as_user, district):
    h = as_user("ana_leader")
    cases = [
        ({"category": "theft"}, {"categories": {"theft"}}),
        ({"category": ["theft", "fraud"]}, {"categories": {"theft", "fraud"}}),
        ({"category": "fight,traffic"}, {"categories": {"fight", "traffic"}}),
        ({"hours": "0-6,22-23"}, {"hours": set(range(7)) | {22, 23}}),
        ({"weekdays": "1-5"}, {"weekdays": {1, 2, 3, 4, 5}}),
        ({"start": "2025-03-01", "end": "2025-05-31"}, {"start": date(2025, 3, 1), "end": date(2025, 5, 31)}),
        ({"start": "2025-06-01", "end": "2025-08-31", "category": "theft", "hours": "18-23",
          "weekdays": "6-7"},
         {"start": date(2025, 6, 1), "end": date(2025, 8, 31), "categories": {"theft"},
          "hours": set(range(18, 24)), "weekdays": {6, 7}}),
    ]
    for params, expected in cases:
        want = len(_expected(district, **expected))
        assert 0 < want < len(district.incidents)
        for cell in ("hex", "square"):
            body = _heat(client, h, cell=cell, **params)
            assert body["total"] == want, (params, cell)


def test_end_date_is_inclusive_in_local_time(client, as_user, district):
    day = _local(district.incidents[0]).date()
    body = _heat(client, as_user("ana_leader"), start=day.isoformat(), end=day.isoformat())
    assert body["total"] == len(_expected(district, start=day, end=day)) >= 1


@pytest.mark.parametrize("params, fragment", [
    ({"size_m": 50}, "size_m"), ({"size_m": 6000}, "size_m"), ({"size_m": "big"}, "size_m"),
    ({"cell": "triangle"}, "cell"), ({"hours": "25"}, "hours"), ({"hours": "6-2"}, "backwards"),
    ({"hours": "a-b"}, "hours"), ({"weekdays": "0-5"}, "weekdays"), ({"category": "arson"}, "category"),
    ({"start": "2025-05-01", "end": "2025-04-01"}, "after"), ({"start": "2025-13-01"}, "start"),
    ({"start": "1990-01-01", "end": "2025-01-01"}, "period"), ({"hours": ","}, "hours"),
])
def test_bad_filters_are_422_with_a_message(client, as_user, district, params, fragment):
    for path in ("heat", "hotspots", "matrix"):
        r = client.get(f"/api/analytics/{path}", params={**YEAR, **params}, headers=as_user("ana_leader"))
        if path == "matrix" and set(params) <= {"size_m", "cell"}:
            continue
        assert r.status_code == 422, (path, params, r.text)
        assert fragment in r.json()["detail"]


def test_matrix_counts_by_local_weekday_and_hour(client, as_user, district):
    r = client.get("/api/analytics/matrix", params={**YEAR, "category": "theft"},
                   headers=as_user("ana_leader"))
    assert r.status_code == 200, r.text
    body = r.json()
    thefts = _expected(district, categories={"theft"})
    want = Counter((_local(i).isoweekday(), _local(i).hour) for i in thefts)
    assert body["total"] == sum(want.values())
    assert all(body["counts"][wd - 1][hr] == n for (wd, hr), n in want.items())
    assert len(body["counts"]) == 7 and all(len(row) == 24 for row in body["counts"])
    assert sum(body["by_hour"]) == sum(body["by_weekday"]) == body["total"]


def test_compare_against_the_previous_period(client, as_user, district):
    params = {"start": "2025-07-01", "end": "2025-12-31", "station": STATION}
    r = client.get("/api/analytics/compare", params=params, headers=as_user("ana_leader"))
    assert r.status_code == 200, r.text
    body = r.json()
    # 184 days (Jul–Dec) → the 184 days before: 2024-12-29 … 2025-06-30
    assert body["previous"] == {"start": "2024-12-29", "end": "2025-06-30", "total": len(
        _expected(district, start=date(2024, 12, 29), end=date(2025, 6, 30)))}
    assert body["current"]["total"] == len(_expected(district, start=date(2025, 7, 1)))
    assert sum(c["current"] for c in body["categories"]) == body["current"]["total"]
    assert [m["month"] for m in body["monthly"]] == [f"2025-{m:02d}" for m in range(7, 13)]


def test_compare_gives_the_same_days_a_year_earlier_too(client, as_user, district):
    """同比 next to 环比: 2026-03-01 … 2026-03-31 against 2026-01-29 … 2026-02-28 and 2025-03-01 … 2025-03-31."""
    params = {"start": "2026-03-01", "end": "2026-03-31", "station": STATION}
    body = client.get("/api/analytics/compare", params=params, headers=as_user("ana_leader")).json()
    march = _expected(district, start=date(2025, 3, 1), end=date(2025, 3, 31))
    assert body["year_ago"] == {"start": "2025-03-01", "end": "2025-03-31", "total": len(march)} and march
    assert body["previous"] == {"start": "2026-01-29", "end": "2026-02-28", "total": 0}
    assert body["current"]["total"] == 0 and body["year_change_pct"] == -100.0 and body["change_pct"] is None
    by_category = {c["category"]: c for c in body["categories"]}
    for category in {i["category"] for i in march}:
        assert by_category[category]["year_ago"] == sum(i["category"] == category for i in march)
        assert by_category[category]["year_change_pct"] == -100.0
    # 29 February has no twin: the year before ends on the 28th
    leap = client.get("/api/analytics/compare", params={"start": "2028-02-01", "end": "2028-02-29"},
                      headers=as_user("ana_leader")).json()
    assert leap["year_ago"]["start"] == "2027-02-01" and leap["year_ago"]["end"] == "2027-02-28"
