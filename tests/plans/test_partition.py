"""No edit can break the partition: unit painting, free-hand edits on shared boundaries, refusals that
store nothing, server-side undo/redo, unique draft names, China time, labels inside their beat."""

import random

import pytest
from sqlalchemy import text

from tests.plans.conftest import LAT0, LON0, STEP, beat_feature, polygon_geojson, touch


def _plan(client, h, plan_id):
    return client.get(f"/api/plans/{plan_id}", headers=h).json()


def _check(client, h, plan_id):
    return client.get(f"/api/plans/{plan_id}/check", headers=h).json()


def _partition_errors(check):
    return [p for p in check["problems"] if p["kind"] in {"overlap", "gap", "outside", "invalid", "empty_beat",
                                                          "uncovered_buildings"}]


def _put(client, h, plan, code, geometry):
    f = beat_feature(plan, code)
    return client.put(f"/api/plans/{plan['id']}/beats/{f['id']}", json={"geometry": geometry},
                      headers={**h, "If-Match": str(f["properties"]["version"])})


def _state(app_conn, plan_id):
    """Everything an edit may change: beats (geometry as text) and units."""
    beats = app_conn.execute(text("SELECT id, code, name, version, ST_AsText(geom) FROM beat WHERE plan_id = :p"
                                  " ORDER BY id"), {"p": plan_id}).all()
    units = app_conn.execute(text("SELECT id, village_id, beat_id, ST_AsText(geom) FROM plan_unit"
                                  " WHERE plan_id = :p ORDER BY id"), {"p": plan_id}).all()
    steps = app_conn.execute(text("SELECT count(*) FROM plan_step WHERE plan_id = :p"), {"p": plan_id}).scalar()
    return beats, units, steps


def test_painting_a_village_moves_it_whole_and_both_beats_change(client, as_user, mini, draft):
    h = as_user("t_planner")
    b1 = beat_feature(draft, "B1")
    r = client.post(f"/api/plans/{draft['id']}/assign",
                    json={"beat_id": b1["id"], "village_ids": [mini["villages"]["V10"]]}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["changed_beats"] == ["B1", "B2"]
    plan = _plan(client, h, draft["id"])
    stats = {f["properties"]["code"]: f["properties"]["stats"] for f in plan["beats"]["features"]}
    assert stats["B1"]["households"] == 8 + 8 and stats["B2"]["households"] == 8
    assert stats["B1"]["villages"] == 3 and stats["B2"]["villages"] == 1
    check = _check(client, h, draft["id"])
    assert _partition_errors(check) == [] and check["ok"]
    steps = client.get(f"/api/plans/{draft['id']}/history", headers=h).json()["steps"]
    assert steps[-1]["label"] == "测试村V10 从 B2 划入 B1"


def test_dragging_a_shared_boundary_moves_it_for_both_beats(client, as_user, draft):
    h = as_user("t_planner")
    # B1 reaches 0.002° into B2: B2 gives that strip, no overlap
    x = LON0 + STEP + 0.002
    r = _put(client, h, draft, "B1", polygon_geojson(LON0, LAT0, x, LAT0 + 2 * STEP))
    assert r.status_code == 200, r.text
    check = _check(client, h, draft["id"])
    assert _partition_errors(check) == [], check["problems"]
    area = {b["code"]: b["area_km2"] for b in check["beats"]}
    assert area["B1"] > area["B2"]
    # and back west of the old line: B1 gives the strip to B2 (its only neighbour there)
    plan = _plan(client, h, draft["id"])
    r = _put(client, h, plan, "B1", polygon_geojson(LON0, LAT0, LON0 + STEP - 0.003, LAT0 + 2 * STEP))
    assert r.status_code == 200, r.text
    check = _check(client, h, draft["id"])
    assert _partition_errors(check) == [], check["problems"]
    assert {b["code"]: b["area_km2"] for b in check["beats"]}["B1"] < area["B2"]


@pytest.mark.parametrize(("geometry", "status", "code"), [
    # shrinking B1 away from the jurisdiction's west edge would leave land in no beat
    (polygon_geojson(LON0 + 0.003, LAT0, LON0 + STEP, LAT0 + 2 * STEP), 422, "plan.edit_leaves_gap"),
    # reaching outside the station
    (polygon_geojson(LON0 - 0.005, LAT0, LON0 + STEP, LAT0 + 2 * STEP), 422, "plan.edit_outside"),
    # swallowing all of B2
    (polygon_geojson(LON0, LAT0, LON0 + 2 * STEP, LAT0 + 2 * STEP), 409, "plan.beats_emptied"),
])
def test_edits_that_would_break_the_partition_are_refused_and_store_nothing(
    client, as_user, draft, app_conn, geometry, status, code
):
    h = as_user("t_planner")
    client.get(f"/api/plans/{draft['id']}/check", headers=h)  # units exist before we look
    app_conn.execute(text("SELECT 1"))
    before = _state(app_conn, draft["id"])
    r = _put(client, h, draft, "B1", geometry)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code
    if status == 422:
        lon, lat = body["location"]
        assert LON0 - 0.01 < lon < LON0 + 3 * STEP and LAT0 - 0.01 < lat < LAT0 + 2 * STEP
    assert _state(app_conn, draft["id"]) == before


def test_locked_neighbours_refuse_to_give_area(client, as_user, draft):
    h = as_user("t_planner")
    b2 = beat_feature(draft, "B2")
    r = client.put(f"/api/plans/{draft['id']}/beats/{b2['id']}", json={"locked": True},
                   headers={**h, "If-Match": str(b2["properties"]["version"])})
    assert r.status_code == 200
    plan = _plan(client, h, draft["id"])
    r = _put(client, h, plan, "B1", polygon_geojson(LON0, LAT0, LON0 + STEP + 0.002, LAT0 + 2 * STEP))
    assert r.status_code == 409 and r.json()["code"] == "plan.edit_locked_beats"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_unit_moves_and_boundary_drags_keep_the_partition(client, as_user, mini, draft, seed):
    """Property: whatever sequence of accepted edits, the check reports 0 overlaps and 0 gaps."""
    rng = random.Random(seed)
    h = as_user("t_planner")
    villages = list(mini["villages"].values())
    buildings = list(mini["buildings"].values())
    accepted = 0
    for _ in range(6):
        plan = _plan(client, h, draft["id"])
        feature = rng.choice(plan["beats"]["features"])
        roll = rng.random()
        if roll < 0.4:
            r = client.post(f"/api/plans/{draft['id']}/assign",
                            json={"beat_id": feature["id"], "village_ids": [rng.choice(villages)]}, headers=h)
        elif roll < 0.6:
            r = client.post(f"/api/plans/{draft['id']}/assign",
                            json={"beat_id": feature["id"], "building_ids": rng.sample(buildings, 2)}, headers=h)
        else:  # a random box drawn as the beat's new shape: a free-hand drag of many vertices at once
            x0 = LON0 + rng.uniform(0, 2.5) * STEP
            y0 = LAT0 + rng.uniform(0, 1.5) * STEP
            box = polygon_geojson(x0, y0, min(x0 + rng.uniform(0.3, 1.2) * STEP, LON0 + 3 * STEP),
                                  min(y0 + rng.uniform(0.3, 1.0) * STEP, LAT0 + 2 * STEP))
            r = _put(client, h, plan, feature["properties"]["code"], box)
        assert r.status_code in (200, 409, 422), r.text
        if r.status_code != 200:
            assert r.json()["code"] in {"plan.edit_leaves_gap", "plan.beats_emptied", "plan.edit_locked_beats"}
            continue
        accepted += 1
        check = _check(client, h, draft["id"])
        assert _partition_errors(check) == [], (seed, check["problems"])
        assert sum(b["households"] for b in check["beats"]) == 48
    assert accepted >= 1


def test_undo_and_redo_are_kept_on_the_server(client, as_user, mini, draft):
    h = as_user("t_planner")
    original = {f["properties"]["code"]: f["properties"]["stats"]["households"] for f in draft["beats"]["features"]}
    b3 = beat_feature(draft, "B3")
    client.post(f"/api/plans/{draft['id']}/assign",
                json={"beat_id": b3["id"], "village_ids": [mini["villages"]["V11"]]}, headers=h)
    x = LON0 + STEP + 0.004
    plan = _plan(client, h, draft["id"])
    assert _put(client, h, plan, "B1", polygon_geojson(LON0, LAT0, x, LAT0 + 2 * STEP)).status_code == 200
    # another "device": a fresh login reads the same history
    history = client.get(f"/api/plans/{draft['id']}/history", headers=h).json()
    labels = [s["label"] for s in history["steps"]]
    assert labels[0] == "测试村V11 从 B2 划入 B3" and labels[1].startswith("调整 B1 边界（扩入 ")
    assert history["can_undo"] and not history["can_redo"]
    assert "+08:00" in history["steps"][0]["at"]
    r = client.post(f"/api/plans/{draft['id']}/undo", headers=h)
    assert r.status_code == 200 and r.json()["step"]["label"].startswith("调整 B1 边界")
    r = client.post(f"/api/plans/{draft['id']}/undo", headers=h)
    assert r.status_code == 200
    plan = _plan(client, h, draft["id"])
    assert {f["properties"]["code"]: f["properties"]["stats"]["households"]
            for f in plan["beats"]["features"]} == original
    assert _partition_errors(_check(client, h, draft["id"])) == []
    assert client.post(f"/api/plans/{draft['id']}/undo", headers=h).json()["code"] == "plan.nothing_to_undo"
    assert client.post(f"/api/plans/{draft['id']}/redo", headers=h).status_code == 200
    plan = _plan(client, h, draft["id"])
    households = {f["properties"]["code"]: f["properties"]["stats"]["households"] for f in plan["beats"]["features"]}
    assert households["B3"] == original["B3"] + 8 and households["B2"] == original["B2"] - 8
    # a new edit drops the redo branch
    touch(client, h, plan, code="B2")
    history = client.get(f"/api/plans/{draft['id']}/history", headers=h).json()
    assert not history["can_redo"] and len(history["steps"]) == 2


def test_undo_of_a_new_and_a_deleted_beat(client, as_user, draft):
    h = as_user("t_planner")
    r = client.post(f"/api/plans/{draft['id']}/beats", headers=h, json={
        "code": "B4", "name": "新警务区", "kind": "rural",
        "geometry": polygon_geojson(LON0 + 2 * STEP, LAT0, LON0 + 3 * STEP, LAT0 + STEP)})
    assert r.status_code == 201, r.text
    assert _partition_errors(_check(client, h, draft["id"])) == []
    b4 = r.json()
    r = client.delete(f"/api/plans/{draft['id']}/beats/{b4['id']}",
                      headers={**h, "If-Match": str(b4["properties"]["version"])})
    assert r.status_code == 204
    assert client.post(f"/api/plans/{draft['id']}/undo", headers=h).status_code == 200  # B4 is back
    codes = [f["properties"]["code"] for f in _plan(client, h, draft["id"])["beats"]["features"]]
    assert codes == ["B1", "B2", "B3", "B4"]
    assert _partition_errors(_check(client, h, draft["id"])) == []
    assert client.post(f"/api/plans/{draft['id']}/undo", headers=h).status_code == 200  # B4 never made
    codes = [f["properties"]["code"] for f in _plan(client, h, draft["id"])["beats"]["features"]]
    assert codes == ["B1", "B2", "B3"]
    assert _check(client, h, draft["id"])["ok"]


def test_default_names_are_unique_in_china_time_and_drafts_can_be_renamed(client, as_user, draft):
    h = as_user("t_planner")
    a = client.post("/api/plans", json={}, headers=h).json()
    b = client.post("/api/plans", json={}, headers=h).json()
    assert a["name"] != b["name"] and a["name"].startswith("草案 ")
    assert a["created_at"].endswith("+08:00")
    r = client.patch(f"/api/plans/{a['id']}", json={"name": "城区调整"}, headers=h)
    assert r.status_code == 200 and r.json()["name"] == "城区调整"
    assert client.patch(f"/api/plans/{a['id']}", json={"name": "  "}, headers=h).json()["code"] == "plan.name_empty"
    assert client.delete(f"/api/plans/{b['id']}", headers=h).status_code == 204


def test_labels_sit_inside_their_beat(client, as_user, mini, draft, app_conn):
    h = as_user("t_planner")
    b1 = beat_feature(draft, "B1")
    client.post(f"/api/plans/{draft['id']}/assign",
                json={"beat_id": b1["id"], "village_ids": [mini["villages"]["V10"]]}, headers=h)
    for f in _plan(client, h, draft["id"])["beats"]["features"]:
        lon, lat = f["properties"]["label"]
        inside = app_conn.execute(text("SELECT ST_Covers(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) FROM beat"
                                       " WHERE id = :id"), {"x": lon, "y": lat, "id": f["id"]}).scalar()
        assert inside, f["properties"]["code"]


def test_published_beats_labels_sit_inside_them_on_the_map(client, as_user, mini, app_conn):
    """GET /api/beats (the Map screen's layer) carries a label point inside each beat: for an L-shaped beat the
    centre of its bounding box lies in the neighbour (the issue's LC04 label inside LC01)."""
    x0, y0, half, full = LON0, LAT0, STEP / 2, 2 * STEP  # B1: thin arms along the south and west sides
    ell = (f"MULTIPOLYGON((({x0} {y0},{x0 + full} {y0},{x0 + full} {y0 + half},{x0 + half} {y0 + half},"
           f"{x0 + half} {y0 + full},{x0} {y0 + full},{x0} {y0})))")
    rest = (f"MULTIPOLYGON((({x0 + half} {y0 + half},{x0 + full} {y0 + half},{x0 + full} {y0 + full},"
            f"{x0 + half} {y0 + full},{x0 + half} {y0 + half})))")
    for code, wkt in (("B1", ell), ("B2", rest)):
        app_conn.execute(text("UPDATE beat SET geom = ST_GeomFromText(:g, 4326) WHERE id = :id"),
                         {"g": wkt, "id": mini["beats"][code]})
    r = client.get("/api/beats", headers=as_user("t_planner"))
    assert r.status_code == 200, r.text
    features = {f["properties"]["code"]: f for f in r.json()["features"]}
    assert set(features) == {"B1", "B2", "B3"}
    for code, f in features.items():
        lon, lat = f["properties"]["label"]
        inside = app_conn.execute(text("SELECT ST_Covers(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) FROM beat"
                                       " WHERE id = :id"), {"x": lon, "y": lat, "id": f["id"]}).scalar()
        assert inside, code
    # the old rule (centre of the bounding box) would have put B1's code inside B2
    centre_in_b2 = app_conn.execute(text(
        "SELECT ST_Covers(b2.geom, ST_Centroid(ST_Envelope(b1.geom))) FROM beat b1, beat b2"
        " WHERE b1.id = :b1 AND b2.id = :b2"), {"b1": mini["beats"]["B1"], "b2": mini["beats"]["B2"]}).scalar()
    assert centre_in_b2


def test_submit_freezes_the_draft_the_chief_returns_or_approves_and_the_history_is_kept(
    client, as_user, mini, draft, app_conn
):
    planner, chief = as_user("t_planner"), as_user("t_chief")
    b1 = beat_feature(draft, "B1")
    client.post(f"/api/plans/{draft['id']}/assign",
                json={"beat_id": b1["id"], "village_ids": [mini["villages"]["V10"]]}, headers=planner)
    r = client.post(f"/api/plans/{draft['id']}/submit", json={"note": "城区扩大"}, headers=planner)
    assert r.status_code == 200 and r.json()["review_state"] == "submitted"
    r = client.post(f"/api/plans/{draft['id']}/assign",
                    json={"beat_id": b1["id"], "village_ids": [mini["villages"]["V11"]]}, headers=planner)
    assert r.status_code == 409 and r.json()["code"] == "plan.submitted"
    assert client.post(f"/api/plans/{draft['id']}/approve", headers=planner).json()["code"] == \
        "plan.review_chief_only"
    r = client.post(f"/api/plans/{draft['id']}/return", json={"note": " "}, headers=chief)
    assert r.json()["code"] == "plan.return_note_required"
    r = client.post(f"/api/plans/{draft['id']}/return", json={"note": "V01 划给 B2"}, headers=chief)
    assert r.status_code == 200 and r.json()["review_state"] == "returned"
    r = client.post(f"/api/plans/{draft['id']}/assign",
                    json={"beat_id": beat_feature(draft, "B2")["id"], "village_ids": [mini["villages"]["V01"]]},
                    headers=planner)
    assert r.status_code == 200
    client.post(f"/api/plans/{draft['id']}/submit", json={"note": "已按意见修改"}, headers=planner)
    r = client.post(f"/api/plans/{draft['id']}/approve", json={"note": "同意"}, headers=chief)
    assert r.status_code == 200, r.text
    review = client.get(f"/api/plans/{draft['id']}/review", headers=chief).json()
    assert [(e["action"], e["note"], e["by"]) for e in review["events"]] == [
        ("submit", "城区扩大", "t_planner"), ("return", "V01 划给 B2", "t_chief"),
        ("submit", "已按意见修改", "t_planner"), ("approve", "同意", "t_chief")]
    assert all(e["at"].endswith("+08:00") for e in review["events"])
    # the officers' map: households of V10 now in B1, of V01 in B2
    for village, code in (("V10", "B1"), ("V01", "B2")):
        beat = app_conn.execute(text(
            "SELECT DISTINCT bt.code FROM household h JOIN building b ON b.id = h.building_id JOIN beat bt"
            " ON bt.id = h.beat_id WHERE b.village_id = :v"), {"v": mini["villages"][village]}).scalars().all()
        assert beat == [code]


def test_an_unchanged_draft_is_not_published(client, as_user, mini, draft, app_conn):
    r = client.post(f"/api/plans/{draft['id']}/publish", headers=as_user("t_chief"))
    assert r.status_code == 409 and r.json()["code"] == "plan.no_changes"
    status = app_conn.execute(text("SELECT status FROM beat_plan WHERE id = :p"), {"p": draft["id"]}).scalar()
    assert status == "draft"


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_random_shared_vertex_drags_keep_the_partition_and_move_both_beats(client, as_user, mini, draft, app_conn,
                                                                           seed):
    """Property: drag a random vertex that a beat shares with a neighbour to a random nearby point. Accepted:
    0 overlaps and 0 gaps, every household still in one beat, and the neighbour's shape changed with it.
    Refused (a self-crossing ring, a piece left in no beat…): the reason as a stable code, nothing stored."""
    from shapely.geometry import Point, shape

    rng = random.Random(seed)
    h = as_user("t_planner")
    accepted = 0
    for _ in range(8):
        plan = _plan(client, h, draft["id"])
        shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in plan["beats"]["features"]}
        feature = rng.choice(plan["beats"]["features"])
        code = feature["properties"]["code"]
        polygon = max(shapes[code].geoms, key=lambda p: p.area)
        ring = list(polygon.exterior.coords)[:-1]
        shared = [(i, other) for i, xy in enumerate(ring) for other, geom in shapes.items()
                  if other != code and Point(xy).distance(geom) < 1e-9]
        if not shared:
            continue
        i, neighbour = rng.choice(shared)
        x, y = ring[i]
        ring[i] = (min(max(x + rng.uniform(-0.4, 0.4) * STEP, LON0), LON0 + 3 * STEP),
                   min(max(y + rng.uniform(-0.4, 0.4) * STEP, LAT0), LAT0 + 2 * STEP))
        moved = {"type": "Polygon", "coordinates": [[list(p) for p in ring + ring[:1]]]}
        before = _state(app_conn, draft["id"])
        r = _put(client, h, plan, code, moved)
        assert r.status_code in (200, 409, 422), r.text
        if r.status_code != 200:
            assert r.json()["code"] in {"plan.edit_leaves_gap", "plan.beats_emptied",
                                        "geometry.invalid_geometry"}, r.json()
            assert _state(app_conn, draft["id"]) == before  # refused: nothing stored
            continue
        accepted += 1
        check = _check(client, h, draft["id"])
        assert _partition_errors(check) == [], (seed, check["problems"])
        assert sum(b["households"] for b in check["beats"]) == 48
        features = _plan(client, h, draft["id"])["beats"]["features"]
        after = {f["properties"]["code"]: shape(f["geometry"]) for f in features}
        if after[code].symmetric_difference(shapes[code]).area > 1e-10:  # the drag changed the beat…
            changed = [c for c in after if c != code and after[c].symmetric_difference(shapes[c]).area > 1e-10]
            assert changed, (seed, code, neighbour)  # …and a neighbour with it: one shared line
    assert accepted >= 1


def test_a_paint_is_one_change_of_owner_refused_whole_when_it_empties_a_beat(client, as_user, mini, draft, app_conn):
    """Painting whole villages moves units and re-derives beats in one statement (units.MOVE_AND_REDERIVE):
    the step stores ids and beats only (no outline), undo gives back the exact geometry, and a paint that
    would leave a beat with no unit is refused with nothing stored."""
    h = as_user("t_planner")
    before = _state(app_conn, draft["id"])
    b2 = beat_feature(draft, "B2")
    r = client.post(f"/api/plans/{draft['id']}/assign",
                    json={"beat_id": b2["id"], "village_ids": [mini["villages"]["V00"], mini["villages"]["V01"]]},
                    headers=h)
    assert (r.status_code, r.json()["code"], r.json()["params"]) == (409, "plan.beats_emptied", {"beats": ["B1"]})
    assert _state(app_conn, draft["id"]) == before
    r = client.post(f"/api/plans/{draft['id']}/assign",
                    json={"beat_id": b2["id"], "village_ids": [mini["villages"]["V00"]]}, headers=h)
    assert r.status_code == 200, r.text
    assert [(b["code"], b["version"], b["stats"]["households"]) for b in r.json()["beats"]] == [
        ("B1", 2, 4), ("B2", 2, 20)]
    step = app_conn.execute(text("SELECT before, after FROM plan_step WHERE plan_id = :p"), {"p": draft["id"]}).one()
    assert ["wkb" in u for u in step.before["units"] + step.after["units"]] == [False, False]
    assert [u["beat_id"] for u in step.before["units"]] == [beat_feature(draft, "B1")["id"]]
    assert [u["beat_id"] for u in step.after["units"]] == [b2["id"]]
    assert client.post(f"/api/plans/{draft['id']}/undo", headers=h).status_code == 200
    beats, units, _ = _state(app_conn, draft["id"])
    same = app_conn.execute(text("SELECT ST_Equals(ST_GeomFromText(:a), ST_GeomFromText(:b))"),
                            {"a": beats[0].st_astext, "b": before[0][0].st_astext}).scalar()
    assert same and [b.code for b in beats] == ["B1", "B2", "B3"]
    assert [(u.village_id, u.beat_id) for u in units] == [(u.village_id, u.beat_id) for u in before[1]]
