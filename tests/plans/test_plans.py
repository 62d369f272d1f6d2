"""Drafts, access rules, beat edits with optimistic locking, assignment and live stats."""

from sqlalchemy import text

from tests.plans.conftest import LAT0, LON0, STEP, beat_feature, column_geojson, polygon_geojson


def test_draft_is_a_copy_of_the_current_plan_with_versions_and_stats(client, as_user, mini, draft):
    assert draft["status"] == "draft" and draft["based_on"] == mini["plan"]
    features = draft["beats"]["features"]
    assert [f["properties"]["code"] for f in features] == ["B1", "B2", "B3"]
    b1 = beat_feature(draft, "B1")
    assert b1["properties"]["version"] == 1 and b1["id"] not in mini["beats"].values()
    # members of the current beat with the same code are shown (carried over at publish)
    assert [m["username"] for m in b1["properties"]["members"]] == ["t_officer"]
    # col 0: 2 villages × 4 buildings × 1 household × 2 residents
    assert b1["properties"]["stats"]["households"] == 8 and b1["properties"]["stats"]["residents"] == 16
    assert beat_feature(draft, "B3")["properties"]["stats"]["households"] == 24
    listed = client.get("/api/plans", headers=as_user("t_planner")).json()
    assert [p["status"] for p in listed][:2] == ["draft", "published"]


def test_officers_cannot_see_plans_and_other_stations_drafts_do_not_leak(client, as_user, login, mini, draft):
    assert client.get("/api/plans", headers=as_user("t_officer")).status_code == 403
    assert client.post("/api/plans", json={}, headers=as_user("t_officer")).status_code == 403


def test_plan_in_force_at_a_date(client, as_user, mini):
    r = client.get("/api/plans", params={"at": "2000-01-01T00:00:00Z"}, headers=as_user("t_planner"))
    assert r.status_code == 200 and r.json() == []
    r = client.get("/api/plans", params={"at": "2099-01-01T00:00:00Z"}, headers=as_user("t_planner"))
    assert [p["id"] for p in r.json()] == [mini["plan"]]


def _put(client, headers, draft, code, body, version=None):
    beat_id = beat_feature(draft, code)["id"]
    h = dict(headers)
    if version is not None:
        h["If-Match"] = f'"{version}"'
    return client.put(f"/api/plans/{draft['id']}/beats/{beat_id}", json=body, headers=h)


def test_edit_needs_if_match_and_a_stale_version_gets_412(client, as_user, draft):
    h = as_user("t_planner")
    body = {"geometry": column_geojson(0)}
    assert _put(client, h, draft, "B1", body).status_code == 428
    first = _put(client, h, draft, "B1", body, version=1)
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"2"' and first.json()["properties"]["version"] == 2
    second = _put(client, h, draft, "B1", body, version=1)  # the other editor's stale write
    assert second.status_code == 412 and second.json()["current_version"] == 2
    assert _put(client, h, draft, "B1", body, version=2).status_code == 200


def test_two_edits_from_the_same_version_exactly_one_wins(client, as_user, draft, app_conn):
    h = as_user("t_planner")
    wider = {"geometry": column_geojson(0, extra_east=0.002)}
    narrower = {"geometry": column_geojson(0)}
    results = [_put(client, h, draft, "B1", body, version=1).status_code for body in (wider, narrower)]
    assert sorted(results) == [200, 412]
    beat_id = beat_feature(draft, "B1")["id"]
    version = app_conn.execute(text("SELECT version FROM beat WHERE id = :id"), {"id": beat_id}).scalar()
    assert version == 2  # exactly one update landed, none lost silently


def test_invalid_geometry_is_422_with_reason_and_location(client, as_user, draft):
    h = as_user("t_planner")
    x, y = LON0, LAT0
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + STEP, y + STEP], [x + STEP, y], [x, y + STEP], [x, y]]],
    }
    r = _put(client, h, draft, "B1", {"geometry": bowtie}, version=1)
    assert r.status_code == 422
    assert r.json()["code"] == "geometry.invalid_geometry" and r.json()["location"] is not None
    assert "Self-intersection" in r.json()["detail"]
    repaired = _put(client, h, draft, "B1", {"geometry": bowtie, "repair": True}, version=1)
    assert repaired.status_code == 200


def test_swapped_coordinates_and_foreign_crs_are_refused(client, as_user, draft):
    h = as_user("t_planner")
    swapped = polygon_geojson(LAT0, LON0, LAT0 + STEP, LON0 + STEP)
    r = _put(client, h, draft, "B1", {"geometry": swapped}, version=1)
    assert r.status_code == 422 and r.json()["code"] == "geometry.swapped_coordinates"
    crs = {**column_geojson(0), "crs": {"type": "name", "properties": {"name": "EPSG:4490"}}}
    r = _put(client, h, draft, "B1", {"geometry": crs}, version=1)
    assert r.status_code == 422 and r.json()["code"] == "geometry.wrong_crs"
    far = polygon_geojson(110.0, 35.0, 110.01, 35.01)
    r = _put(client, h, draft, "B1", {"geometry": far}, version=1)
    assert r.status_code == 422 and r.json()["code"] == "geometry.outside_area"


def test_published_plans_cannot_be_edited(client, as_user, mini):
    h = {**as_user("t_planner"), "If-Match": "1"}
    r = client.put(f"/api/plans/{mini['plan']}/beats/{mini['beats']['B1']}", json={"name": "x"}, headers=h)
    assert r.status_code == 409


def test_assign_village_moves_whole_village_and_bumps_versions(client, as_user, mini, draft):
    h = as_user("t_planner")
    b1 = beat_feature(draft, "B1")
    r = client.post(
        f"/api/plans/{draft['id']}/assign",
        json={"beat_id": b1["id"], "village_ids": [mini["villages"]["V10"]]},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["changed_beats"] == ["B1", "B2"]
    plan = client.get(f"/api/plans/{draft['id']}", headers=h).json()
    # V10 has 4 buildings × 2 households
    assert beat_feature(plan, "B1")["properties"]["stats"]["households"] == 16
    assert beat_feature(plan, "B2")["properties"]["stats"]["households"] == 8
    assert beat_feature(plan, "B2")["properties"]["version"] == 2
    check = client.get(f"/api/plans/{draft['id']}/check", headers=h).json()
    assert check["errors"] == 0, check["problems"]


def test_assign_a_building_warns_about_the_split_village(client, as_user, mini, draft):
    h = as_user("t_planner")
    b1 = beat_feature(draft, "B1")
    r = client.post(
        f"/api/plans/{draft['id']}/assign",
        json={"beat_id": b1["id"], "building_ids": [mini["buildings"]["V10-0"]]},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert [w["kind"] for w in r.json()["warnings"]] == ["split_village"]
    diff = client.get(f"/api/plans/{draft['id']}/diff", headers=h).json()
    assert diff["totals"] == {"households": 2, "residents": 4, "buildings": 1, "villages": 1}
    assert diff["moves"] == [{"from": "B2", "to": "B1", "households": 2, "residents": 4, "buildings": 1}]


def test_locked_beats_refuse_changes(client, as_user, mini, draft):
    h = as_user("t_planner")
    b2 = beat_feature(draft, "B2")
    r = _put(client, h, draft, "B2", {"locked": True}, version=1)
    assert r.status_code == 200 and r.json()["properties"]["locked"] is True
    r = client.post(
        f"/api/plans/{draft['id']}/assign",
        json={"beat_id": beat_feature(draft, "B1")["id"], "village_ids": [mini["villages"]["V10"]]},
        headers=h,
    )
    assert r.status_code == 409 and "B2" in r.json()["detail"]
    assert _put(client, h, draft, "B2", {"geometry": column_geojson(1)}, version=2).status_code == 409
    assert b2["id"]


def test_area_stats_of_a_drawn_polygon(client, as_user, mini):
    h = as_user("t_planner")
    r = client.post(
        "/api/beats/stats", json=polygon_geojson(LON0, LAT0, LON0 + STEP, LAT0 + 2 * STEP), headers=h
    )
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["households"], s["residents"], s["buildings"], s["villages"]) == (8, 16, 8, 2)
    assert s["floating"] == 8 and s["key_persons"] == 2 and s["incidents_12m"] == 2
    assert 1.9 < s["area_km2"] < 2.3
    red = client.post("/api/beats/stats", json=column_geojson(2), headers=h).json()
    assert red["disputes_open"]["red"] == 1
    bad = client.post(
        "/api/beats/stats", json={"type": "Polygon", "coordinates": [[[LON0, LAT0]]]}, headers=h
    )
    assert bad.status_code == 422


def test_plan_edits_are_audited(client, as_user, draft, app_conn):
    _put(client, as_user("t_planner"), draft, "B1", {"name": "新名"}, version=1)
    actions = (
        app_conn.execute(text("SELECT action FROM audit_log WHERE username = 't_planner' ORDER BY id"))
        .scalars()
        .all()
    )
    assert "plan.create" in actions and "plan.beat.update" in actions


def _many_vertices(n: int) -> dict:
    """A valid polygon inside the mini station's area with n + 1 positions."""
    import math

    cx, cy, r = LON0 + STEP / 2, LAT0 + STEP / 2, STEP / 3
    ring = [[cx + r * math.cos(2 * math.pi * i / n), cy + r * math.sin(2 * math.pi * i / n)] for i in range(n)]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def test_area_stats_refuse_more_vertices_than_the_limit_at_once(client, as_user, mini, settings, app_conn,
                                                               monkeypatch):
    """The default limit (HOLOMAP_MAX_GEOMETRY_VERTICES, 50,000): one vertex more is a clear 422, decided from
    the count alone: no position is checked, no shape is built and no statistics query runs (the costly
    work; asserted by what ran, not by wall-clock time, which a loaded machine stretches)."""
    from sqlalchemy import event

    import geo.geometry

    def must_not_run(*args, **kwargs):
        raise AssertionError("the oversized geometry reached per-position work")

    monkeypatch.setattr(geo.geometry, "_check_structure", must_not_run)
    monkeypatch.setattr(geo.geometry, "shape", must_not_run)
    h = as_user("t_planner")  # signs in before the statements are counted
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    limit = settings.max_geometry_vertices
    event.listen(app_conn, "before_cursor_execute", count)
    try:
        r = client.post("/api/beats/stats", json=_many_vertices(limit), headers=h)
    finally:
        event.remove(app_conn, "before_cursor_execute", count)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "geometry.too_many_vertices"
    assert body["params"] == {"vertices": limit + 1, "limit": limit}
    assert statements, "the listener saw the request's statements (user, audit)"
    assert not [s for s in statements if "area_stats" in s or "ST_GeomFromWKB" in s], statements


def test_beat_edits_and_new_beats_obey_the_vertex_limit(client, as_user, draft, settings, monkeypatch):
    from api.config import get_settings

    monkeypatch.setattr(get_settings(), "max_geometry_vertices", 200)
    h = as_user("t_planner")
    r = _put(client, h, draft, "B1", {"geometry": _many_vertices(200)}, version=1)
    assert r.status_code == 422 and r.json()["code"] == "geometry.too_many_vertices", r.text
    assert r.json()["params"] == {"vertices": 201, "limit": 200}
    r = client.post(f"/api/plans/{draft['id']}/beats", headers=h,
                    json={"code": "B9", "name": "多点", "kind": "urban", "geometry": _many_vertices(300)})
    assert r.status_code == 422 and r.json()["code"] == "geometry.too_many_vertices", r.text
    assert _put(client, h, draft, "B1", {"geometry": _many_vertices(150)}, version=1).status_code == 200


def test_a_geometry_body_over_the_byte_limit_is_refused_before_it_is_parsed(client, as_user, draft, settings):
    """413 geometry.body_too_large from the Content-Length alone: a 19 MB polygon cost ~1 s of json.loads on
    the event loop (every other request waited); other routes keep the app-wide body limit."""
    h = {**as_user("t_planner"), "content-type": "application/json"}
    limit = settings.max_geometry_bytes
    big = b'{"type": "Polygon", "coordinates": [[' + b" " * limit + b"]]}"
    r = client.post("/api/beats/stats", content=big, headers=h)
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "geometry.body_too_large"
    assert r.json()["params"] == {"bytes": len(big), "limit": limit}
    assert r.headers.get("x-request-id")  # answered inside the app's guard middleware
    beat_id = beat_feature(draft, "B1")["id"]
    r = client.put(f"/api/plans/{draft['id']}/beats/{beat_id}", content=big, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 413 and r.json()["code"] == "geometry.body_too_large"
    small = client.post("/api/beats/stats", json=_many_vertices(1000), headers=as_user("t_planner"))
    assert small.status_code == 200, small.text


def test_key_persons_of_an_area_follow_the_key_person_tags_setting(client, as_user, mini, login, app_conn):
    h = as_user("t_planner")
    area = polygon_geojson(LON0, LAT0, LON0 + STEP, LAT0 + 2 * STEP)
    assert client.post("/api/beats/stats", json=area, headers=h).json()["key_persons"] == 2  # 'key_person' tag
    app_conn.execute(text("UPDATE person SET tags = ARRAY['disabled'] WHERE tags = '{}' AND household_id IN "
                          "(SELECT id FROM household WHERE building_id = ANY(:b))"),
                     {"b": list(mini["buildings"].values())})
    admin = login("admin")
    r = client.put("/api/settings/key-person-tags", json={"tags": ["disabled"]}, headers=admin)
    assert r.status_code == 200, r.text
    # the change rebuilt the pre-aggregates: 14 residents tagged 残疾 count, the two 'key_person' ones no longer
    assert client.post("/api/beats/stats", json=area, headers=h).json()["key_persons"] == 14
    client.put("/api/settings/key-person-tags", json={"tags": ["disabled", "key_person"]}, headers=admin)
    assert client.post("/api/beats/stats", json=area, headers=h).json()["key_persons"] == 16
