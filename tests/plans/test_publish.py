"""Checks (overlap, gap, invalid, sizing, contiguity), diff privacy, and the atomic publish."""

import pytest
from sqlalchemy import text

from api.plans import review as review_module
from tests.plans.conftest import LAT0, LON0, STEP, beat_feature, column_geojson, polygon_geojson, touch


def _put(client, headers, plan, code, geometry):
    f = beat_feature(plan, code)
    return client.put(
        f"/api/plans/{plan['id']}/beats/{f['id']}",
        json={"geometry": geometry},
        headers={**headers, "If-Match": str(f["properties"]["version"])},
    )


def _store(app_conn, plan, code, geometry):
    """Write a beat's geometry straight into the table: edits through the API cannot break the partition,
    but the check must still find what imported or legacy data may hold."""
    app_conn.execute(
        text("UPDATE beat SET geom = ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)) WHERE id = :id"),
        {"g": __import__("json").dumps(geometry), "id": beat_feature(plan, code)["id"]},
    )


def _kinds(check: dict, severity: str = "error") -> set[str]:
    return {p["kind"] for p in check["problems"] if p["severity"] == severity}


def test_the_copied_plan_passes_with_sizing_and_balance_figures(client, as_user, draft):
    check = client.get(f"/api/plans/{draft['id']}/check", headers=as_user("t_planner")).json()
    assert check["ok"] is True and check["errors"] == 0
    assert {b["code"]: b["households"] for b in check["beats"]} == {"B1": 8, "B2": 16, "B3": 24}
    assert check["balance"]["rural"]["households_ratio"] == 1.5
    assert all(b["polsby_popper"] > 0.5 for b in check["beats"])


def test_overlap_is_reported_with_its_location(client, as_user, draft, app_conn):
    h = as_user("t_planner")
    _store(app_conn, draft, "B1", column_geojson(0, extra_east=0.002))
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    overlap = next(p for p in check["problems"] if p["kind"] == "overlap")
    assert overlap["beats"] == ["B1", "B2"] and overlap["area_m2"] > 10_000
    lon, lat = overlap["location"]
    assert LON0 + STEP < lon < LON0 + STEP + 0.002 and LAT0 < lat < LAT0 + 2 * STEP
    assert check["ok"] is False


def test_gap_and_uncovered_buildings_are_errors(client, as_user, draft, app_conn):
    h = as_user("t_planner")
    x = LON0 + STEP
    _store(app_conn, draft, "B2", polygon_geojson(x, LAT0 + STEP, x + STEP, LAT0 + 2 * STEP))
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert {"gap", "uncovered_buildings"} <= _kinds(check)
    gap = next(p for p in check["problems"] if p["kind"] == "gap")
    assert x < gap["location"][0] < x + STEP and LAT0 < gap["location"][1] < LAT0 + STEP


def test_outside_and_non_contiguous(client, as_user, draft, app_conn):
    h = as_user("t_planner")
    x = LON0 + 2 * STEP
    two_pieces = {
        "type": "MultiPolygon",
        "coordinates": [
            polygon_geojson(x, LAT0, x + STEP + 0.003, LAT0 + 2 * STEP)["coordinates"],
            polygon_geojson(LON0, LAT0 - 0.005, LON0 + 0.002, LAT0 - 0.003)["coordinates"],
        ],
    }
    _store(app_conn, draft, "B3", two_pieces)
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert "outside" in _kinds(check)
    assert "non_contiguous" in _kinds(check, "warning")


def test_assigning_all_of_a_beat_away_is_refused_and_a_deleted_beat_goes_to_its_neighbours(
    client, as_user, mini, draft
):
    h = as_user("t_planner")
    b1, b2 = beat_feature(draft, "B1"), beat_feature(draft, "B2")
    r = client.post(
        f"/api/plans/{draft['id']}/assign",
        json={"beat_id": b1["id"], "village_ids": [mini["villages"]["V10"], mini["villages"]["V11"]]},
        headers=h,
    )
    assert r.status_code == 409 and "B2" in r.json()["detail"]
    r = client.delete(f"/api/plans/{draft['id']}/beats/{b2['id']}", headers={**h, "If-Match": "1"})
    assert r.status_code == 204
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert check["errors"] == 0, check["problems"]
    assert {b["code"] for b in check["beats"]} == {"B1", "B3"}
    assert sum(b["households"] for b in check["beats"]) == 48


def test_sizing_rule_warnings(client, as_user, draft, app):
    settings = app.state.settings
    original = settings.rural_beat_residents_max, settings.rural_beat_villages_max
    settings.rural_beat_residents_max, settings.rural_beat_villages_max = 10, 1
    try:
        check = client.get(f"/api/plans/{draft['id']}/check", headers=as_user("t_planner")).json()
    finally:
        settings.rural_beat_residents_max, settings.rural_beat_villages_max = original
    sizing = [p for p in check["problems"] if p["kind"] == "sizing"]
    assert sorted(p["beats"][0] for p in sizing) == ["B2", "B3"] and check["ok"] is True


def test_diff_is_aggregate_for_planners_and_drills_down_for_chiefs(client, as_user, mini, draft):
    h = as_user("t_planner")
    b1 = beat_feature(draft, "B1")
    client.post(
        f"/api/plans/{draft['id']}/assign",
        json={"beat_id": b1["id"], "village_ids": [mini["villages"]["V10"]]},
        headers=h,
    )
    diff = client.get(f"/api/plans/{draft['id']}/diff", headers=h).json()
    assert diff["totals"] == {"households": 8, "residents": 16, "buildings": 4, "villages": 1}
    assert diff["officers"] == [
        {
            "username": "t_officer",
            "display_name": "t_officer",
            "duty": "officer",
            "beat": "B1",
            "gains_households": 8,
            "loses_households": 0,
        }
    ]
    body = str(diff)
    assert "测试" not in body.replace("测试村", "")  # no resident names, only villages and addresses
    building = diff["buildings"][0]["building_id"]
    assert (
        client.get(
            f"/api/plans/{draft['id']}/diff", params={"households_of": building}, headers=h
        ).status_code
        == 403
    )
    chief = client.get(
        f"/api/plans/{draft['id']}/diff", params={"households_of": building}, headers=as_user("t_chief")
    ).json()
    assert len(chief["households"]) == 2 and chief["households"][0]["to"] == "B1"


def test_planner_cannot_publish_and_a_failing_plan_is_refused_with_problems(
    client, as_user, mini, draft, app_conn
):
    assert client.post(f"/api/plans/{draft['id']}/publish", headers=as_user("t_planner")).status_code == 403
    h = as_user("t_planner")
    _store(app_conn, draft, "B1", column_geojson(0, extra_east=0.002))
    r = client.post(f"/api/plans/{draft['id']}/publish", headers=as_user("t_chief"))
    assert r.status_code == 409
    assert any(p["kind"] == "overlap" for p in r.json()["problems"])
    plans = client.get("/api/plans", headers=h).json()
    assert {p["id"]: p["status"] for p in plans}[mini["plan"]] == "published"


def test_publish_switches_plans_and_recomputes_beats(client, as_user, mini, draft, app_conn):
    b1 = beat_feature(draft, "B1")
    client.post(
        f"/api/plans/{draft['id']}/assign",
        json={"beat_id": b1["id"], "village_ids": [mini["villages"]["V10"]]},
        headers=as_user("t_planner"),
    )
    r = client.post(f"/api/plans/{draft['id']}/publish", headers=as_user("t_chief"))
    assert r.status_code == 200, r.text
    assert r.json()["archived_plan_id"] == mini["plan"]
    q = lambda sql, **p: app_conn.execute(text(sql), p).all()  # noqa: E731
    statuses = dict(q("SELECT id, status FROM beat_plan WHERE station_id = :s", s=mini["station"]))
    assert statuses == {mini["plan"]: "archived", draft["id"]: "published"}
    counts = dict(
        q(
            "SELECT b.code, count(*) FROM household h JOIN beat b ON b.id = h.beat_id "
            "JOIN building bu ON bu.id = h.building_id WHERE bu.station_id = :s GROUP BY b.code",
            s=mini["station"],
        )
    )
    assert counts == {"B1": 16, "B2": 8, "B3": 24}
    plan_of_beats = {
        row[0]
        for row in q(
            "SELECT DISTINCT b.plan_id FROM household h JOIN beat b ON b.id = h.beat_id "
            "JOIN building bu ON bu.id = h.building_id WHERE bu.station_id = :s",
            s=mini["station"],
        )
    }
    assert plan_of_beats == {draft["id"]}
    incident_plans = {
        row[0]
        for row in q(
            "SELECT DISTINCT b.plan_id FROM incident i JOIN beat b ON b.id = i.beat_id"
            " WHERE i.station_id = :s",
            s=mini["station"],
        )
    }
    assert incident_plans == {draft["id"]}
    red = q(
        "SELECT b.code FROM dispute d JOIN beat b ON b.id = d.beat_id WHERE d.station_id = :s",
        s=mini["station"],
    )
    assert red == [("B3",)]
    members = q(
        "SELECT b.code FROM beat_member m JOIN beat b ON b.id = m.beat_id WHERE b.plan_id = :p", p=draft["id"]
    )
    assert members == [("B1",)]
    archived = q(
        "SELECT archived_at, (SELECT published_at FROM beat_plan WHERE id = :d) FROM beat_plan WHERE id = :p",
        p=mini["plan"],
        d=draft["id"],
    )[0]
    assert archived[0] == archived[1]  # the old plan ends exactly when the new one starts
    actions = [a for (a,) in q("SELECT action FROM audit_log WHERE username = 't_chief'")]
    assert "plan.publish" in actions


def test_a_failure_mid_publish_changes_nothing(client, as_user, mini, draft, app_conn, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    original = review_module.record_publish
    monkeypatch.setattr(review_module, "record_publish", boom)  # the last step of the publish request
    touch(client, as_user("t_planner"), draft)
    before = app_conn.execute(text("SELECT id, beat_id FROM household ORDER BY id")).all()
    with pytest.raises(RuntimeError):
        client.post(f"/api/plans/{draft['id']}/publish", headers=as_user("t_chief"))
    monkeypatch.setattr(review_module, "record_publish", original)
    statuses = dict(
        app_conn.execute(
            text("SELECT id, status FROM beat_plan WHERE station_id = :s"), {"s": mini["station"]}
        ).all()
    )
    assert statuses == {mini["plan"]: "published", draft["id"]: "draft"}
    assert app_conn.execute(text("SELECT id, beat_id FROM household ORDER BY id")).all() == before


def test_a_draft_made_before_the_plan_in_force_was_published_is_refused(client, as_user, mini, draft, app_conn):
    """The sequential face of the publish race: the older draft would silently undo the newer plan."""
    other = client.post("/api/plans", json={"name": "另一草案"}, headers=as_user("t_planner")).json()
    touch(client, as_user("t_planner"), other)
    touch(client, as_user("t_planner"), draft)
    chief = as_user("t_chief")
    assert client.post(f"/api/plans/{other['id']}/publish", headers=chief).status_code == 200
    r = client.post(f"/api/plans/{draft['id']}/publish", headers=chief)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["code"] == "plan.superseded"
    assert body["params"]["plan_id"] == other["id"] and body["params"]["plan_name"] == "另一草案"
    assert f"plan {other['id']}" in body["detail"] and "create a new draft" in body["detail"]
    statuses = dict(app_conn.execute(text("SELECT id, status FROM beat_plan WHERE station_id = :s"),
                                     {"s": mini["station"]}).all())
    assert statuses == {mini["plan"]: "archived", other["id"]: "published", draft["id"]: "draft"}
    # a draft made from the plan now in force publishes, carrying the members over again
    fresh = client.post("/api/plans", json={"name": "新草案"}, headers=as_user("t_planner")).json()
    touch(client, as_user("t_planner"), fresh, name="再改名")
    r = client.post(f"/api/plans/{fresh['id']}/publish", headers=chief)
    assert r.status_code == 200, r.text
    assert r.json()["archived_plan_id"] == other["id"]
    members = app_conn.execute(text("SELECT b.code FROM beat_member m JOIN beat b ON b.id = m.beat_id"
                                    " WHERE b.plan_id = :p"), {"p": fresh["id"]}).all()
    assert members == [("B1",)]


def test_publishing_the_plan_in_force_again_is_a_conflict(client, as_user, mini, draft):
    chief = as_user("t_chief")
    r = client.post(f"/api/plans/{draft['id']}/publish", headers=chief)
    assert r.status_code == 409 and r.json()["code"] == "plan.no_changes"  # 没有变化: nothing published
    touch(client, as_user("t_planner"), draft)
    assert client.post(f"/api/plans/{draft['id']}/publish", headers=chief).status_code == 200
    r = client.post(f"/api/plans/{draft['id']}/publish", headers=chief)
    assert r.status_code == 409


def test_publish_keeps_beat_ids_and_writes_only_what_changes_beat(client, as_user, mini, draft, app_conn):
    """A kept beat code keeps its beat id: households and incidents that stay are not rewritten, the
    archive keeps the old beats (geometry, units, members) under new ids, the draft's units follow."""
    q = lambda sql, **p: app_conn.execute(text(sql), p).all()  # noqa: E731
    old_ids = dict(q("SELECT code, id FROM beat WHERE plan_id = :p", p=mini["plan"]))
    old_geoms = dict(q("SELECT code, ST_AsBinary(geom) FROM beat WHERE plan_id = :p", p=mini["plan"]))
    households = dict(q("SELECT h.id, h.beat_id FROM household h JOIN building b ON b.id = h.building_id "
                        "WHERE b.station_id = :s", s=mini["station"]))
    moving = {hid for (hid,) in q("SELECT h.id FROM household h JOIN building b ON b.id = h.building_id "
                                  "WHERE b.village_id = :v", v=mini["villages"]["V10"])}
    old_members = q("SELECT b.code, m.user_id, m.duty FROM beat_member m JOIN beat b ON b.id = m.beat_id "
                    "WHERE b.plan_id = :p ORDER BY 1, 2", p=mini["plan"])
    r = client.post(
        f"/api/plans/{draft['id']}/assign",
        json={"beat_id": beat_feature(draft, "B1")["id"], "village_ids": [mini["villages"]["V10"]]},
        headers=as_user("t_planner"),
    )
    assert r.status_code == 200, r.text
    r = client.post(f"/api/plans/{draft['id']}/publish", headers=as_user("t_chief"))
    assert r.status_code == 200, r.text
    assert r.json()["households"] == len(moving) == 8  # only the households that change beat
    assert dict(q("SELECT code, id FROM beat WHERE plan_id = :p", p=draft["id"])) == old_ids
    after = dict(q("SELECT h.id, h.beat_id FROM household h JOIN building b ON b.id = h.building_id "
                   "WHERE b.station_id = :s", s=mini["station"]))
    assert {h for h in after if after[h] != households[h]} == moving
    assert all(after[h] == old_ids["B1"] for h in moving)
    archived = dict(q("SELECT code, id FROM beat WHERE plan_id = :p", p=mini["plan"]))
    assert set(archived) == set(old_ids) and not set(archived.values()) & set(old_ids.values())
    for code, wkb in old_geoms.items():
        same = q("SELECT ST_Equals(geom, ST_GeomFromWKB(:g, 4326)) FROM beat WHERE id = :id",
                 g=bytes(wkb), id=archived[code])
        assert same == [(True,)], code
    assert q("SELECT b.code, m.user_id, m.duty FROM beat_member m JOIN beat b ON b.id = m.beat_id "
             "WHERE b.plan_id = :p ORDER BY 1, 2", p=mini["plan"]) == old_members
    assert q("SELECT b.code, m.user_id, m.duty FROM beat_member m JOIN beat b ON b.id = m.beat_id "
             "WHERE b.plan_id = :p ORDER BY 1, 2", p=draft["id"]) == old_members
    crossing = q("SELECT count(*) FROM plan_unit u JOIN beat b ON b.id = u.beat_id WHERE u.plan_id <> b.plan_id")
    assert crossing == [(0,)]
    stray = q("SELECT count(*) FROM incident i LEFT JOIN beat b ON b.id = i.beat_id "
              "WHERE i.station_id = :s AND (b.plan_id IS DISTINCT FROM :p OR NOT ST_Covers(b.geom, i.location))",
              s=mini["station"], p=draft["id"])
    assert stray == [(0,)]


def test_the_diff_is_drawn_as_the_areas_changing_beat(client, as_user, mini, draft):
    h = as_user("t_planner")
    client.post(f"/api/plans/{draft['id']}/assign",
                json={"beat_id": beat_feature(draft, "B1")["id"], "village_ids": [mini["villages"]["V10"]]},
                headers=h)
    diff = client.get(f"/api/plans/{draft['id']}/diff", headers=h).json()
    areas = diff["areas"]["features"]
    assert [(a["properties"]["from"], a["properties"]["to"]) for a in areas] == [("B2", "B1")]
    (area,) = areas
    assert area["properties"]["households"] == 8 and area["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # the village V10 is a square of STEP degrees: about 1.1 km × 1.0 km at this latitude
    assert 0.8e6 < area["properties"]["area_m2"] < 1.5e6
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert check["targets"]["urban"]["households_max"] > 0 and check["targets"]["rural"]["residents_max"] > 0


def test_the_diff_follows_each_edit_and_household_with_its_shapes_kept(client, as_user, mini, draft, app_conn):
    """The beat of each building and the areas changing beat are kept per version of beats, buildings and villages
    (shapes.plan_shapes, issue 22); an edit, a moved building and a new household show on the next diff, which
    equals a diff computed with nothing kept, also after more diffs on one connection than psycopg prepares
    statements after (the moves' statement runs with custom plans)."""
    from api.plans import shapes

    h = as_user("t_planner")

    diff, fresh = _kept_and_fresh(client, f"/api/plans/{draft['id']}/diff", h)

    assert diff()["totals"]["households"] == 0
    loads = shapes.SHAPES.loads
    for _ in range(12):
        assert diff()["totals"]["households"] == 0
    assert shapes.SHAPES.loads == loads  # kept
    client.post(f"/api/plans/{draft['id']}/assign",
                json={"beat_id": beat_feature(draft, "B1")["id"], "village_ids": [mini["villages"]["V10"]]},
                headers=h)
    edited = diff()
    assert edited["totals"]["households"] == 8 and edited["areas"]["features"] and edited == fresh()
    app_conn.execute(text("INSERT INTO household (building_id, unit, floor, room, kind, beat_id) "
                          "VALUES (:b, 1, 9, '901', 'owner', :beat)"),
                     {"b": mini["buildings"]["V10-0"], "beat": mini["beats"]["B2"]})
    assert diff()["totals"]["households"] == 9  # households are read on every diff
    # a building of V10 moved into V20 (B3 in the plan in force and in the draft): its households go to B3
    app_conn.execute(text("UPDATE building SET footprint = ST_Buffer(ST_SetSRID(ST_MakePoint(:x, :y), 4326), 0.0002) "
                          "WHERE id = :b"),
                     {"b": mini["buildings"]["V10-0"], "x": LON0 + 2.5 * STEP, "y": LAT0 + 0.5 * STEP})
    moved = diff()
    assert {b["building_id"]: b["to"] for b in moved["buildings"]}[mini["buildings"]["V10-0"]] == "B3"
    assert moved == fresh()


def test_the_check_follows_each_edit_with_its_shapes_kept(client, as_user, mini, draft, app_conn):
    """The buildings in no beat and the villages split by their buildings are kept per version of beats,
    buildings and villages (shapes.plan_shapes, issue 22): a beat stored smaller, a building moved into another
    beat and a village renamed show on the next check, which equals a check with nothing kept."""
    from api.plans import shapes

    h = as_user("t_planner")
    app_conn.execute(text("DELETE FROM plan_unit WHERE plan_id = :p"), {"p": draft["id"]})  # split by buildings

    check, fresh = _kept_and_fresh(client, f"/api/plans/{draft['id']}/check", h)

    first = check()
    loads = shapes.SHAPES.loads
    assert check() == first and shapes.SHAPES.loads == loads  # kept
    assert not {"uncovered_buildings", "split_village"} & (_kinds(first, "error") | _kinds(first, "warning"))
    _store(app_conn, draft, "B3", polygon_geojson(LON0 + 2 * STEP, LAT0, LON0 + 2.5 * STEP, LAT0 + 2 * STEP))
    smaller = check()
    assert "uncovered_buildings" in _kinds(smaller) and smaller == fresh()
    app_conn.execute(text("UPDATE building SET footprint = ST_Buffer(ST_SetSRID(ST_MakePoint(:x, :y), 4326), 0.0002) "
                          "WHERE id = :b"), {"b": mini["buildings"]["V00-0"], "x": LON0 + 1.5 * STEP,
                                             "y": LAT0 + 0.5 * STEP})
    moved = check()
    split = [p for p in moved["problems"] if p["kind"] == "split_village"]
    assert [p["beats"] for p in split] == [["B1", "B2"]] and moved == fresh()
    app_conn.execute(text("UPDATE village SET name = '改名村' WHERE id = :v"), {"v": mini["villages"]["V00"]})
    renamed = check()
    assert [p["params"]["village"] for p in renamed["problems"] if p["kind"] == "split_village"] == ["改名村"]
    assert renamed == fresh()


def _kept_and_fresh(client, url: str, headers: dict):
    """The plan answer at `url` as the server gives it (its shapes kept, api/plans/shapes.py), and the same with
    nothing kept (computed from scratch): the two must agree after every edit."""
    from api.plans import shapes

    def kept() -> dict:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    def fresh() -> dict:
        shapes.SHAPES.clear()
        return kept()

    return kept, fresh
