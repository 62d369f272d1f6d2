"""Per-beat figures from the cache of sums by geometry (api/plans/beat_stats.py) equal a full recount after
every kind of edit, in any order, and follow a refresh of the pre-aggregates."""

import random

import pytest
from sqlalchemy import text

from api.plans import queries
from api.plans.service import beat_stats_dict
from tests.plans.conftest import LAT0, LON0, STEP, beat_feature, polygon_geojson


def _full(app_conn, plan_id):
    """Every beat summed from the pre-aggregates, without the cache (the statement the cache replaced)."""
    return {r.code: beat_stats_dict(r) for r in app_conn.execute(text(queries.PLAN_BEAT_STATS), {"plan_id": plan_id})}


def _served(client, h, plan_id):
    plan = client.get(f"/api/plans/{plan_id}", headers=h).json()
    return plan, {f["properties"]["code"]: f["properties"]["stats"] for f in plan["beats"]["features"]}


def _cached_rows(app_conn, station_id):
    return app_conn.execute(text("SELECT count(*) FROM beat_stats_cache WHERE station_id = :s"),
                            {"s": station_id}).scalar()


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_cached_beat_stats_equal_a_full_recount_after_random_edits(client, as_user, mini, draft, app_conn, seed):
    rng = random.Random(seed)
    h = as_user("t_planner")
    villages = list(mini["villages"].values())
    buildings = list(mini["buildings"].values())
    plan, served = _served(client, h, draft["id"])
    assert served == _full(app_conn, draft["id"])
    applied = 0
    for _ in range(8):
        feature = rng.choice(plan["beats"]["features"])
        roll = rng.random()
        if roll < 0.35:
            r = client.post(f"/api/plans/{draft['id']}/assign",
                            json={"beat_id": feature["id"], "village_ids": [rng.choice(villages)]}, headers=h)
        elif roll < 0.55:
            r = client.post(f"/api/plans/{draft['id']}/assign",
                            json={"beat_id": feature["id"], "building_ids": rng.sample(buildings, 2)}, headers=h)
        elif roll < 0.8:
            x0, y0 = LON0 + rng.uniform(0, 2.5) * STEP, LAT0 + rng.uniform(0, 1.5) * STEP
            box = polygon_geojson(x0, y0, min(x0 + rng.uniform(0.3, 1.2) * STEP, LON0 + 3 * STEP),
                                  min(y0 + rng.uniform(0.3, 1.0) * STEP, LAT0 + 2 * STEP))
            f = beat_feature(plan, feature["properties"]["code"])
            r = client.put(f"/api/plans/{draft['id']}/beats/{f['id']}", json={"geometry": box},
                           headers={**h, "If-Match": str(f["properties"]["version"])})
        else:
            r = client.post(f"/api/plans/{draft['id']}/{rng.choice(['undo', 'redo'])}", headers=h)
        if r.status_code == 200:
            applied += 1
        # the check reads the same cache: its figures agree too
        check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
        plan, served = _served(client, h, draft["id"])
        full = _full(app_conn, draft["id"])
        assert served == full, (seed, r.json())
        assert {b["code"]: (b["households"], b["residents"], b["villages"]) for b in check["beats"]} == {
            code: (s["households"], s["residents"], s["villages"]) for code, s in full.items()}
    assert applied >= 1


def test_an_edit_sums_only_the_beats_it_changed(client, as_user, mini, draft, app_conn):
    h = as_user("t_planner")
    station = mini["station"]
    before = _cached_rows(app_conn, station)
    assert before >= 3  # the draft's three beats (copies of the plan in force share their rows)
    b2 = beat_feature(draft, "B2")
    r = client.post(f"/api/plans/{draft['id']}/assign",
                    json={"beat_id": b2["id"], "village_ids": [mini["villages"]["V00"]]}, headers=h)
    assert r.status_code == 200, r.text
    _served(client, h, draft["id"])
    assert _cached_rows(app_conn, station) == before + 2  # B1 and B2 have new shapes; B3 is a hit


def test_a_refresh_of_the_pre_aggregates_empties_the_cache(client, as_user, mini, draft, app_conn):
    h = as_user("t_planner")
    station = mini["station"]
    assert _cached_rows(app_conn, station) > 0
    # a new household in B3's first building, counted once the pre-aggregates are rebuilt
    app_conn.execute(text("INSERT INTO household (building_id, unit, floor, room, kind) VALUES (:b, 1, 2, '201',"
                          " 'owner')"), {"b": mini["buildings"]["V20-0"]})
    app_conn.execute(text("SELECT holomap_refresh_area_stats(:s)"), {"s": station})
    assert _cached_rows(app_conn, station) == 0
    _, served = _served(client, h, draft["id"])
    assert served == _full(app_conn, draft["id"])
    assert served["B3"]["households"] == 4 * 2 * 3 + 1


def test_a_paint_answers_with_the_new_figures_of_the_beats_it_changed(client, as_user, mini, draft, app_conn):
    h = as_user("t_planner")
    b2 = beat_feature(draft, "B2")
    r = client.post(f"/api/plans/{draft['id']}/assign",
                    json={"beat_id": b2["id"], "village_ids": [mini["villages"]["V00"]]}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    full = _full(app_conn, draft["id"])
    assert {b["code"] for b in body["beats"]} == set(body["changed_beats"]) == {"B1", "B2"}
    assert {b["code"]: b["stats"] for b in body["beats"]} == {c: full[c] for c in ("B1", "B2")}
    plan, _ = _served(client, h, draft["id"])
    assert {b["code"]: b["version"] for b in body["beats"]} == {
        c: beat_feature(plan, c)["properties"]["version"] for c in ("B1", "B2")}
    assert full["B2"]["households"] == 4 * 2 + 4 * 1 + 4 * 2  # its own two villages and V00


# The building rows of the refresh before issue 22: households, residents and disputes grouped over every
# building of the county, then joined to the station's (the station's refresh now groups its own alone).
WHOLE_COUNT_BUILDING_ROWS = """
SELECT b.id, b.village_id, b.centroid, coalesce(h.n, 0) AS households, coalesce(p.residents, 0) AS residents,
       coalesce(p.floating, 0) AS floating, coalesce(p.key_persons, 0) AS key_persons,
       coalesce(d.green, 0) AS green, coalesce(d.yellow, 0) AS yellow, coalesce(d.orange, 0) AS orange,
       coalesce(d.red, 0) AS red
FROM building b
LEFT JOIN (SELECT building_id, count(*) AS n FROM household GROUP BY building_id) h ON h.building_id = b.id
LEFT JOIN (
  SELECT hh.building_id, count(*) AS residents, count(*) FILTER (WHERE pe.residency <> 'registered') AS floating,
         count(*) FILTER (WHERE pe.tags && holomap_key_person_tags()) AS key_persons
  FROM person pe JOIN household hh ON hh.id = pe.household_id
  WHERE pe.moved_out IS NULL OR pe.moved_out > current_date
  GROUP BY hh.building_id
) p ON p.building_id = b.id
LEFT JOIN (
  SELECT hh.building_id, count(*) FILTER (WHERE ds.grade = 'green') AS green,
         count(*) FILTER (WHERE ds.grade = 'yellow') AS yellow, count(*) FILTER (WHERE ds.grade = 'orange') AS orange,
         count(*) FILTER (WHERE ds.grade = 'red') AS red
  FROM dispute ds JOIN household hh ON hh.id = ds.household_id
  WHERE ds.status NOT IN ('resolved', 'closed')
  GROUP BY hh.building_id
) d ON d.building_id = b.id
WHERE b.station_id = :s
ORDER BY b.id
"""
STORED_BUILDING_ROWS = """
SELECT building_id, village_id, pt, households, residents, floating, key_persons, disputes_green, disputes_yellow,
       disputes_orange, disputes_red
FROM area_stats WHERE station_id = :s AND building_id IS NOT NULL ORDER BY building_id
"""


@pytest.mark.parametrize("station_only", [True, False])
def test_a_refresh_counts_the_station_buildings_as_a_whole_count_does(mini, app_conn, station_only):
    """The refresh of one station groups the households, residents and disputes of its buildings alone (issue
    22: it grouped the whole county's, ~9 s at county scale); its rows are those of the whole count, for a
    refresh of the station and of every station, with moved-out, floating, tagged residents and disputes."""
    station = mini["station"]
    first = mini["buildings"]["V00-0"]
    household = app_conn.execute(text(
        "SELECT id FROM household WHERE building_id = :b ORDER BY id LIMIT 1"), {"b": first}).scalar()
    app_conn.execute(text(
        "UPDATE person SET residency = 'floating', tags = '{elderly_alone}' WHERE id = (SELECT min(id) FROM "
        "person WHERE household_id = :h AND tags = '{}')"), {"h": household})
    app_conn.execute(text(
        "UPDATE person SET moved_out = current_date - 1 WHERE id = (SELECT max(id) FROM person "
        "WHERE household_id = :h)"), {"h": household})
    for grade, status in (("red", "open"), ("yellow", "mediating"), ("orange", "resolved")):
        app_conn.execute(text(
            "INSERT INTO dispute (station_id, household_id, title, category, grade, status, level, reported_at) "
            "VALUES (:s, :h, '测试纠纷', 'neighbour', :g, :st, 'village', now())"),
            {"s": station, "h": household, "g": grade, "st": status})
    app_conn.execute(text("SELECT holomap_refresh_area_stats(:s)"), {"s": station if station_only else None})
    stored = [tuple(r) for r in app_conn.execute(text(STORED_BUILDING_ROWS), {"s": station})]
    whole = [tuple(r) for r in app_conn.execute(text(WHOLE_COUNT_BUILDING_ROWS), {"s": station})]
    assert stored == whole and len(stored) == len(mini["buildings"])
    row = next(r for r in stored if r[0] == first)
    assert row[4:7] != (0, 0, 0) and (row[7], row[8], row[10]) == (0, 1, 1)
