"""GET /api/analytics/repeat-locations: repeat buildings and concentration; officers see their beats'
buildings with the incidents, leaders and planners counts and shares only."""
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import text

from api.analytics.filters import LOCAL_TZ
from tests.analytics.conftest import CATEGORIES, STATION

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
    # the list shows the latest three, newest first; the building's own answer all four
    assert [i["summary"] for i in mine["incidents"]] == ["重复测试"] * 3
    assert mine["incidents"][0]["occurred_at"] == "2025-05-28T22:00:00+08:00"
    assert body["locations_total"] == len(body["locations"]) and (body["offset"], body["limit"]) == (0, 20)
    one = client.get(f"/api/analytics/repeat-locations/{building}", params={"category": "theft", **PERIOD},
                     headers=as_user("ana_officer"))
    assert one.status_code == 200, one.text
    one = one.json()
    assert (one["count"], one["address"], one["beat"]) == (4, "测试路9号", "T-ANA-01")
    assert [i["occurred_at"][:10] for i in one["incidents"]] == ["2025-05-28", "2025-05-19", "2025-05-10",
                                                                  "2025-05-01"]
    assert one["incidents"][:3] == mine["incidents"]
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
        assert agg["victims"]["households"] is None and agg["locations_total"] is None
        assert {k: v for k, v in agg.items() if k not in ("locations", "locations_total", "victims")} == \
            {k: v for k, v in body.items() if k not in ("locations", "locations_total", "victims")}
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


VICTIM = ("INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, beat_id, status,"
          " summary, household_id) VALUES (:s, :t, :t, :c, '110', ST_SetSRID(ST_MakePoint(117.0101, 36.0101), 4326),"
          " :b, 'closed', '受害测试', :h)")
PERIOD = {"start": "2025-01-01", "end": "2025-12-31", "station": STATION}

# the same figures, independently: linked incidents per household in the period, then ranks
INDEPENDENT = """
WITH per AS (
  SELECT household_id, count(*) AS n FROM incident
  WHERE household_id IS NOT NULL AND station_id = :s AND category = ANY(:cats)
    AND timezone('Asia/Shanghai', occurred_at)::date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
  GROUP BY household_id
), ranked AS (SELECT n, row_number() OVER (ORDER BY n DESC) AS k, count(*) OVER () AS total FROM per)
SELECT (SELECT count(*) FROM per) AS households, (SELECT coalesce(sum(n), 0) FROM per) AS incidents,
       (SELECT count(*) FROM per WHERE n >= 2) AS repeat_households,
       (SELECT coalesce(sum(n), 0) FROM per WHERE n >= 2) AS repeat_incidents,
       (SELECT coalesce(sum(n), 0) FROM ranked WHERE k <= ceil(total * 1 / 100.0)) AS top1,
       (SELECT coalesce(sum(n), 0) FROM ranked WHERE k <= ceil(total * 5 / 100.0)) AS top5
"""


def _victims(app_conn, district):
    """Households named by incidents: west #0 three times, #1 twice (fraud), #2 once, #3 once in the period and
    once the year before; a household of the east beat (same building) twice."""
    west = app_conn.execute(text("SELECT id FROM household WHERE beat_id = :b ORDER BY id"),
                            {"b": district.beat_ids["T-ANA-01"]}).scalars().all()
    building = app_conn.execute(text("SELECT building_id FROM household WHERE id = :h"), {"h": west[0]}).scalar()
    east = app_conn.execute(text("INSERT INTO household (building_id, unit, floor, room, kind, beat_id) "
                                 "VALUES (:b, 2, 5, '502', 'rental', :beat) RETURNING id"),
                            {"b": building, "beat": district.beat_ids["T-ANA-02"]}).scalar()
    at = datetime(2025, 3, 1, 21, tzinfo=LOCAL_TZ)
    plan = [(west[0], "theft", 0), (west[0], "theft", 40), (west[0], "fraud", 90), (west[1], "fraud", 10),
            (west[1], "fraud", 200), (west[2], "theft", 5), (west[3], "theft", 30), (west[3], "theft", -400),
            (east, "theft", 3), (east, "theft", 60)]
    app_conn.execute(text(VICTIM), [{"s": district.station_id, "t": at + timedelta(days=d), "c": c, "h": h,
                                     "b": district.beat_ids["T-ANA-01"]} for h, c, d in plan])
    return west, east


def test_repeat_victims_counts_equal_independent_sql_and_officers_see_their_beats_households(
        client, as_user, district, app_conn):
    west, east = _victims(app_conn, district)
    r = client.get("/api/analytics/repeat-locations", params=PERIOD, headers=as_user("ana_officer"))
    assert r.status_code == 200, r.text
    victims = r.json()["victims"]
    sql = app_conn.execute(text(INDEPENDENT), {"s": district.station_id, "cats": list(CATEGORIES)}).one()
    assert (victims["victim_households"], victims["linked_incidents"], victims["repeat_households"],
            victims["repeat_incidents"]) == (sql.households, sql.incidents, sql.repeat_households,
                                             sql.repeat_incidents) == (5, 9, 3, 7)
    top = {c["top_pct"]: c for c in victims["concentration"]}
    assert (top[1]["incidents"], top[5]["incidents"], top[1]["households"]) == (sql.top1, sql.top5, 1) == (3, 3, 1)
    assert top[1]["share_pct"] == round(100 * 3 / 9, 1) and victims["repeat_share_pct"] == round(100 * 7 / 9, 1)
    assert [(d["incidents"], d["households"]) for d in victims["distribution"]] == [(1, 2), (2, 2), (3, 1), (4, 0)]
    # the officer's beat (west): #0 then #1, busiest first, with their incidents in time order; not the east one
    listed = victims["households"]
    assert [v["household_id"] for v in listed] == [west[0], west[1]]
    assert [i["category"] for i in listed[0]["incidents"]] == ["theft", "theft", "fraud"]
    assert listed[0]["incidents"][0]["occurred_at"] == "2025-03-01T21:00:00+08:00"
    assert listed[0]["address"] == "测试路1号" and listed[0]["beat"] == "T-ANA-01" and listed[0]["count"] == 3
    # the chief sees the whole station's repeat victims; a category filter counts that category only
    chief = client.get("/api/analytics/repeat-locations", params=PERIOD, headers=as_user("ana_chief")).json()
    assert {v["household_id"] for v in chief["victims"]["households"]} == {west[0], west[1], east}
    fraud = client.get("/api/analytics/repeat-locations", params={**PERIOD, "category": "fraud"},
                       headers=as_user("ana_officer")).json()["victims"]
    sql = app_conn.execute(text(INDEPENDENT), {"s": district.station_id, "cats": ["fraud"]}).one()
    assert (fraud["linked_incidents"], fraud["repeat_households"]) == (sql.incidents, sql.repeat_households) == (3, 1)
    assert [v["household_id"] for v in fraud["households"]] == [west[1]]
    # the counts are cached by data version: a link cleared (an update of the incident) is counted at once
    app_conn.execute(text("UPDATE incident SET household_id = NULL WHERE household_id = :h"), {"h": west[0]})
    again = client.get("/api/analytics/repeat-locations", params=PERIOD, headers=as_user("ana_officer")).json()
    assert (again["victims"]["linked_incidents"], again["victims"]["repeat_households"]) == (6, 2)
    assert [v["household_id"] for v in again["victims"]["households"]] == [west[1]]


def test_leaders_get_repeat_victim_counts_and_shares_only(client, as_user, district, app_conn):
    west, east = _victims(app_conn, district)
    officer = client.get("/api/analytics/repeat-locations", params=PERIOD, headers=as_user("ana_chief")).json()
    for who in ("ana_leader", "ana_planner"):
        r = client.get("/api/analytics/repeat-locations", params=PERIOD, headers=as_user(who))
        assert r.status_code == 200, r.text
        victims = r.json()["victims"]
        assert victims["households"] is None
        assert {k: v for k, v in victims.items() if k != "households"} == \
            {k: v for k, v in officer["victims"].items() if k != "households"}
        # no household, address, room, summary or person anywhere in the answer
        assert "household_id" not in r.text and "受害测试" not in r.text and "测试路1号" not in r.text
        assert "502" not in r.text and not any(name in r.text for name in district.person_names)


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


def _buildings_with_repeats(app_conn, district, plan):
    """Buildings 180 m apart along lat 36.045 (west beat: lon < 117.03), each with its number of incidents at
    the door, of the beat given; returns their ids in plan order."""
    ids, rows = [], []
    at = datetime(2025, 6, 1, 9, tzinfo=LOCAL_TZ)
    for k, (n, beat) in enumerate(plan):
        lon = 117.0015 + 0.002 * k
        ids.append(app_conn.execute(text(
            "INSERT INTO building (station_id, village_id, address, footprint, floors, units, kind) "
            "SELECT :s, id, :a, ST_Buffer(ST_SetSRID(ST_MakePoint(:lon, 36.045), 4326), 0.00005), 2, 1,"
            " 'residential' FROM village WHERE code = 'T-ANA-V1' RETURNING id"),
            {"s": district.station_id, "a": f"分页路{k}号", "lon": lon}).scalar())
        rows += [{"s": district.station_id, "t": at + timedelta(days=d, hours=k), "lon": lon + 0.00003 * d,
                  "lat": 36.045, "b": district.beat_ids[beat]} for d in range(n)]
    app_conn.execute(text(INSERT), rows)
    return ids


# independently: the incidents of the beats in the period, each at its nearest building centroid within 30 m
# (geodesic metres), buildings with two or more, the most first then by id
INDEPENDENT_LOCATIONS = """
SELECT nb.id, count(*) AS n FROM incident i
CROSS JOIN LATERAL (SELECT b.id, ST_Distance(b.centroid::geography, i.location::geography) AS d FROM building b
                    ORDER BY b.centroid <-> i.location LIMIT 1) nb
WHERE i.beat_id = ANY(:beats) AND i.station_id = :s AND nb.d <= 30
  AND timezone('Asia/Shanghai', i.occurred_at)::date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
GROUP BY nb.id HAVING count(*) >= 2 ORDER BY count(*) DESC, nb.id
"""


def test_pages_of_the_list_together_are_the_whole_list_in_the_same_order(client, as_user, district, app_conn):
    """Ties (two buildings with 3) in building id order; pages of 2 joined = one page of 100 = an independent
    nearest-building count in SQL; past the end an empty page with the same total."""
    plan = [(3, "T-ANA-01"), (5, "T-ANA-01"), (2, "T-ANA-01"), (3, "T-ANA-01"), (6, "T-ANA-02"), (1, "T-ANA-01"),
            (4, "T-ANA-01")]
    ids = _buildings_with_repeats(app_conn, district, plan)
    chief = as_user("ana_chief")

    def page(**params) -> dict:
        r = client.get("/api/analytics/repeat-locations", params={**PERIOD, **params}, headers=chief)
        assert r.status_code == 200, r.text
        return r.json()

    whole = page(limit=100)
    expected = app_conn.execute(text(INDEPENDENT_LOCATIONS), {"beats": list(district.beat_ids.values()),
                                                               "s": district.station_id}).all()
    assert [(loc["building_id"], loc["count"]) for loc in whole["locations"]] == [(r.id, r.n) for r in expected]
    assert whole["locations_total"] == len(expected) == len(whole["locations"])
    mine = [loc["building_id"] for loc in whole["locations"] if loc["building_id"] in ids]
    assert mine == [ids[4], ids[1], ids[6], ids[0], ids[3], ids[2]]  # 6, 5, 4, 3, 3 (lower id first), 2
    assert all(len(loc["incidents"]) == min(3, loc["count"]) for loc in whole["locations"])
    joined, offset = [], 0
    while True:
        body = page(offset=offset, limit=2)
        assert body["locations_total"] == whole["locations_total"] and (body["offset"], body["limit"]) == (offset, 2)
        if not body["locations"]:
            break
        joined += body["locations"]
        offset += 2
    assert joined == whole["locations"]
    assert offset >= whole["locations_total"] and page(offset=10_000)["locations"] == []
    # the default page is the first 20
    first = page()
    assert first["locations"] == whole["locations"][:20] and first["limit"] == 20
    # each building's own answer: all its incidents, as many as counted, the list's latest three first
    for loc in whole["locations"]:
        one = client.get(f"/api/analytics/repeat-locations/{loc['building_id']}", params=PERIOD, headers=chief)
        assert one.status_code == 200, one.text
        one = one.json()
        assert len(one["incidents"]) == one["count"] == loc["count"] and one["incidents"][:3] == loc["incidents"]
        times = [i["occurred_at"] for i in one["incidents"]]
        assert times == sorted(times, reverse=True)


def test_other_beats_never_appear_and_leaders_get_counts_only(client, as_user, district, app_conn):
    plan = [(3, "T-ANA-01"), (4, "T-ANA-02"), (2, "T-ANA-02")]
    west, east, east2 = _buildings_with_repeats(app_conn, district, plan)
    officer = as_user("ana_officer")  # the west beat
    seen = []
    for offset in range(0, 200, 1):
        r = client.get("/api/analytics/repeat-locations", params={**PERIOD, "offset": offset, "limit": 1},
                       headers=officer)
        assert r.status_code == 200, r.text
        if not r.json()["locations"]:
            break
        seen += r.json()["locations"]
        assert "分页路1号" not in r.text and "分页路2号" not in r.text
    assert west in [loc["building_id"] for loc in seen] and all(loc["beat"] == "T-ANA-01" for loc in seen)
    assert not {east, east2} & {loc["building_id"] for loc in seen}
    assert r.json()["locations_total"] == len(seen)
    # another beat's building, a building with one incident, one that does not exist: 404 with the same code
    for building in (east, east2, 2_000_000_000):
        r = client.get(f"/api/analytics/repeat-locations/{building}", params=PERIOD, headers=officer)
        assert r.status_code == 404 and r.json()["code"] == "analytics.repeat_location_not_found", r.text
        assert "分页路" not in r.text
    assert client.get(f"/api/analytics/repeat-locations/{west}", params=PERIOD, headers=officer).status_code == 200
    # outside the period it is no repeat location
    r = client.get(f"/api/analytics/repeat-locations/{west}", params={**PERIOD, "start": "2025-07-01"},
                   headers=officer)
    assert r.status_code == 404
    for who in ("ana_leader", "ana_planner"):
        r = client.get("/api/analytics/repeat-locations", params={**PERIOD, "offset": 0, "limit": 100},
                       headers=as_user(who))
        assert r.status_code == 200 and r.json()["locations"] is None and r.json()["locations_total"] is None
        assert "分页路" not in r.text
        for building in (west, east):
            r = client.get(f"/api/analytics/repeat-locations/{building}", params=PERIOD, headers=as_user(who))
            assert r.status_code == 403 and r.json()["code"] == "personal_data.aggregates_only", r.text
            assert "分页路" not in r.text
    r = client.get(f"/api/analytics/repeat-locations/{west}", params=PERIOD, headers=as_user("ana_grid"))
    assert r.status_code == 403 and "分页路" not in r.text


def test_hostile_paging_and_building_values_are_refused_with_a_stable_code(client, as_user, district):
    chief = as_user("ana_chief")
    for params in ({"offset": -1}, {"offset": "x"}, {"offset": 10**12}, {"limit": 0}, {"limit": 101},
                   {"limit": "1e3"}, {"limit": ""}, {"offset": "1; DROP TABLE incident"}):
        r = client.get("/api/analytics/repeat-locations", params={**PERIOD, **params}, headers=chief)
        assert r.status_code == 422 and r.json()["code"] == "request.validation", (params, r.text)
    for building in ("0", "-5", "abc", str(2**31), "1.5"):
        r = client.get(f"/api/analytics/repeat-locations/{building}", params=PERIOD, headers=chief)
        assert r.status_code == 422 and r.json()["code"] == "request.validation", (building, r.text)
    r = client.get("/api/analytics/repeat-locations/%00", params=PERIOD, headers=chief)
    assert r.status_code == 400 and r.json()["code"] == "request.nul_byte"
    r = client.get("/api/analytics/repeat-locations/1", params={**PERIOD, "start": "2025-13-01"}, headers=chief)
    assert r.status_code == 422


def test_without_incident_chunks_the_list_and_a_building_are_the_same(client, as_user, district, app_conn,
                                                                      monkeypatch):
    """The beats' incidents read in SQL (no chunk table or no buildings version) give the same pages."""
    from api.analytics import repeats

    ids = _buildings_with_repeats(app_conn, district, [(3, "T-ANA-01"), (4, "T-ANA-02")])
    chief = as_user("ana_chief")
    params = {**PERIOD, "hours": "0-23", "weekdays": "1-7", "limit": 100}
    cached = client.get("/api/analytics/repeat-locations", params=params, headers=chief).json()
    one = client.get(f"/api/analytics/repeat-locations/{ids[1]}", params=PERIOD, headers=chief).json()
    monkeypatch.setattr(repeats, "_assigned_parts", lambda session, **_: None)
    fresh = client.get("/api/analytics/repeat-locations", params=params, headers=chief).json()
    assert fresh["locations"] == cached["locations"] and fresh["locations_total"] == cached["locations_total"] > 0
    assert fresh["repeat_buildings"] == cached["repeat_buildings"]
    assert client.get(f"/api/analytics/repeat-locations/{ids[1]}", params=PERIOD, headers=chief).json() == one
    assert one["count"] == 4
