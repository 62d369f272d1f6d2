"""GET /api/analytics/repeat-locations: repeat buildings and concentration; officers see their beats'
buildings with the incidents, leaders and planners counts and shares only."""
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import text

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


def test_the_nearest_building_of_each_incident_is_reused_per_chunk_and_equals_a_fresh_assignment(
        app_session, district, monkeypatch):
    """Item 3 of issue 21: the assignment is kept per incident chunk and buildings version; any filter of the
    period, hours and weekdays gives what assigning its incidents afresh gives."""
    from api.analytics import repeats
    from api.analytics.dependencies import AnalyticsScope
    from api.analytics.filters import build_filter
    from api.analytics.nearrepeat import events

    monkeypatch.setattr(repeats, "_ASSIGNED", type(repeats._ASSIGNED)())
    monkeypatch.setattr(repeats, "_ASSIGNED_ROWS", [0])
    scope = AnalyticsScope(station_ids=(district.station_id,))
    buildings, _ = repeats._buildings(app_session, scope)
    calls = []
    real = repeats.Buildings.nearest
    monkeypatch.setattr(repeats.Buildings, "nearest", lambda self, x, y: calls.append(len(x)) or real(self, x, y))
    key = ("test", scope.station_ids)  # as if the buildings were unchanged and committed
    filters = [build_filter(start=datetime(2025, 1, 1).date(), end=datetime(2025, 12, 31).date(), category=None,
                            hours=None, weekdays=None),
               build_filter(start=datetime(2025, 3, 10).date(), end=datetime(2025, 8, 20).date(), category=["theft"],
                            hours="0-6,22-23", weekdays="6-7")]
    for flt in filters:
        got = repeats._assigned(app_session, flt=flt, scope=scope, buildings=buildings, buildings_key=key)
        ev = events(app_session, flt=flt, scope=scope)
        assert np.array_equal(np.sort(got), np.sort(real(buildings, ev.x, ev.y)))
        assert len(got) == len(ev.x) > 0
    computed = len(calls)
    for flt in filters:
        repeats._assigned(app_session, flt=flt, scope=scope, buildings=buildings, buildings_key=key)
    assert len(calls) == computed  # the second time nothing is assigned again


def test_buildings_added_moved_or_removed_show_on_the_next_answer(client, as_user, district, app_conn):
    """The building centroids are kept per buildings layer version (repeats.BUILDINGS_VERSION): each change
    of `building`, in the asking transaction too, is seen by the next answer."""
    leader = as_user("ana_leader")

    def ask() -> dict:
        r = client.get("/api/analytics/repeat-locations", params=YEAR, headers=leader)
        assert r.status_code == 200, r.text
        return r.json()

    first = ask()
    assert ask() == first and first["buildings"] == 1
    building = _repeat_building(app_conn, district)
    added = ask()
    assert added["buildings"] == 2 and added["at_buildings"] >= first["at_buildings"] + 4
    app_conn.execute(text("UPDATE building SET footprint = ST_Buffer(ST_SetSRID(ST_MakePoint(117.05, 36.04), 4326), "
                          "0.0001) WHERE id = :b"), {"b": building})
    moved = ask()
    assert moved["buildings"] == 2 and moved["at_buildings"] == first["at_buildings"]
    app_conn.execute(text("DELETE FROM building WHERE id = :b"), {"b": building})
    assert ask()["buildings"] == 1
