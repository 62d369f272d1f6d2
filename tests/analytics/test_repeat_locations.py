"""GET /api/analytics/repeat-locations: repeat buildings and concentration; officers see their beats'
buildings with the incidents, leaders and planners counts and shares only."""
from datetime import datetime, timedelta

from sqlalchemy import text

from api.analytics import repeats
from api.analytics.filters import LOCAL_TZ
from tests.analytics.conftest import STATION

INSERT = ("INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, beat_id, status,"
          " summary) VALUES (:s, :t, :t, 'theft', '110', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :b, 'closed',"
          " '重复测试')")
YEAR = {"start": "2025-01-01", "end": "2025-12-31", "station": STATION, "category": "theft"}


def _repeat_building(app_conn, district):
    """A second building in the west beat with four thefts at its door and one 40 m away (not at it)."""
    building = app_conn.execute(text(
        "INSERT INTO building (station_id, village_id, address, footprint, floors, units, kind) "
        "SELECT :s, id, '测试路9号', ST_Buffer(ST_SetSRID(ST_MakePoint(117.02, 36.03), 4326), 0.0001), 2, 1,"
        " 'residential' FROM village WHERE code = 'T-ANA-V1' RETURNING id"), {"s": district.station_id}).scalar()
    at = datetime(2025, 5, 1, 22, tzinfo=LOCAL_TZ)
    rows = [{"s": district.station_id, "t": at + timedelta(days=k * 9), "lon": 117.02 + 0.00005 * k, "lat": 36.03,
             "b": district.beat_ids["T-ANA-01"]} for k in range(4)]
    rows.append({**rows[0], "lat": 36.03036})  # 40 m north
    app_conn.execute(text(INSERT), rows)
    return building


def test_counts_shares_and_the_officers_list(client, as_user, district, app_conn):
    building = _repeat_building(app_conn, district)
    officer = client.get("/api/analytics/repeat-locations", params={k: v for k, v in YEAR.items() if k != "station"},
                         headers=as_user("ana_officer"))
    assert officer.status_code == 200, officer.text
    body = officer.json()
    theft = sum(1 for i in district.incidents if i["category"] == "theft") + 5
    assert body["incidents"] == theft and body["radius_m"] == 30.0
    (mine,) = [loc for loc in body["locations"] if loc["building_id"] == building]
    assert mine["count"] == 4 and mine["address"] == "测试路9号" and mine["beat"] == "T-ANA-01"
    assert [i["summary"] for i in mine["incidents"]] == ["重复测试"] * 4
    assert mine["incidents"][0]["occurred_at"].startswith("2025-05-01T22:00:00+08:00")
    assert body["repeat_buildings"] >= 1 and body["repeat_incidents"] >= 4
    # the synthetic district has 2 buildings: the top 1 % is one building, the busiest
    assert body["buildings"] == 2 and body["concentration"][0]["buildings"] == 1
    assert body["concentration"][0]["incidents"] == max(4, body["concentration"][0]["incidents"])
    assert sum(d["buildings"] * d["incidents"] for d in body["distribution"][:4]) <= body["at_buildings"]

    for who in ("ana_leader", "ana_planner"):
        r = client.get("/api/analytics/repeat-locations", params=YEAR, headers=as_user(who))
        assert r.status_code == 200, r.text
        agg = r.json()
        assert agg["locations"] is None and "测试路9号" not in r.text and "重复测试" not in r.text
        assert {k: v for k, v in agg.items() if k != "locations"} == \
            {k: v for k, v in body.items() if k != "locations"}
    assert client.get("/api/analytics/repeat-locations", params=YEAR,
                      headers=as_user("ana_grid")).status_code == 403


def test_an_officer_sees_only_the_buildings_of_the_own_beats(client, as_user, district, app_conn):
    _repeat_building(app_conn, district)
    # move the officer to the east beat: the west beat's repeat building leaves the list, not the counts
    app_conn.execute(text("UPDATE beat_member SET beat_id = :e WHERE beat_id = :w"),
                     {"e": district.beat_ids["T-ANA-02"], "w": district.beat_ids["T-ANA-01"]})
    r = client.get("/api/analytics/repeat-locations", params={k: v for k, v in YEAR.items() if k != "station"},
                   headers=as_user("ana_officer"))
    assert r.status_code == 200 and "测试路9号" not in r.text
    assert all(loc["beat"] == "T-ANA-02" for loc in r.json()["locations"])
    assert r.json()["repeat_incidents"] >= 4


def test_the_counts_are_kept_per_version_and_follow_a_new_incident(client, as_user, district, app_conn, monkeypatch):
    """Issue 22: the assignment of incidents to buildings is kept per (incidents' version, buildings, filter,
    scope): asked again, the same answer without assigning again; after a new incident, the new counts."""
    _repeat_building(app_conn, district)
    assigned = []
    nearest = repeats.Buildings.nearest
    monkeypatch.setattr(repeats.Buildings, "nearest", lambda self, x, y: assigned.append(len(x)) or nearest(self, x, y))
    # this test's transaction wrote buildings, so they are read afresh each time (own writes are never kept);
    # here they are kept as for a request without writes of its own
    kept = {}
    buildings = repeats._buildings
    monkeypatch.setattr(repeats, "_buildings", lambda session, scope: kept.setdefault(
        scope.station_ids, buildings(session, scope)))
    headers = as_user("ana_leader")
    first = client.get("/api/analytics/repeat-locations", params=YEAR, headers=headers).json()
    again = client.get("/api/analytics/repeat-locations", params=YEAR, headers=headers).json()
    assert again == first and len(assigned) <= 1
    other = client.get("/api/analytics/repeat-locations", params={**YEAR, "hours": "22"}, headers=headers).json()
    assert other["incidents"] < first["incidents"]  # another filter: counted for itself
    app_conn.execute(text(INSERT), {"s": district.station_id, "t": datetime(2025, 6, 1, 22, tzinfo=LOCAL_TZ),
                                    "lon": 117.02, "lat": 36.03, "b": district.beat_ids["T-ANA-01"]})
    after = client.get("/api/analytics/repeat-locations", params=YEAR, headers=headers).json()
    assert after["incidents"] == first["incidents"] + 1 and after["at_buildings"] == first["at_buildings"] + 1
