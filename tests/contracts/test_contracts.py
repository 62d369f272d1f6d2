"""The real bodies of lookup, floorplan, search, beats, plans, worklist, analytics and OGC against the
models their routes declare (tests/contracts/conftest.py: extra fields forbidden).

Each test first makes sure the lists it checks are not empty, so the nested models are exercised too.
"""
import time

from sqlalchemy import text

from tests.conftest import scalar
from tests.contracts.conftest import contract

# a building of officer1's beats with several households with residents, and one household of it
OFFICER1_BUILDING = """
SELECT b.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, min(h.id) AS household_id
FROM building b JOIN household h ON h.building_id = b.id
WHERE h.beat_id IN (SELECT m.beat_id FROM beat_member m JOIN app_user u ON u.id = m.user_id
                    WHERE u.username = 'officer1')
  AND EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL)
GROUP BY b.id HAVING count(*) >= 3 ORDER BY count(*) DESC, b.id LIMIT 1
"""


def _fresh_plate(conn) -> str:
    for k in range(10_000, 99_999, 7):
        if not scalar(conn, "SELECT count(*) FROM vehicle WHERE plate = :p", p=f"鲁C{k}"):
            return f"鲁C{k}"
    raise AssertionError("no free plate")


def _furnished_building(client, login, app_conn):
    """officer1's building with a visit, an open dispute and a vehicle in its first household."""
    b = app_conn.execute(text(OFFICER1_BUILDING)).mappings().one()
    headers = login("officer1")
    r = client.post("/api/visits", headers=headers, json={
        "household_id": b["household_id"], "checklist": {"verify_residents": True}, "notes": "契约测试",
        "follow_up": True, "location": {"lon": b["lon"], "lat": b["lat"]}})
    assert r.status_code == 201, r.text
    r = client.post("/api/disputes", headers=headers, json={
        "title": "楼上漏水纠纷", "category": "neighbour", "grade": "orange",
        "location": {"lon": b["lon"], "lat": b["lat"]},
        "parties": [{"household_id": b["household_id"], "side": "applicant"}]})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/households/{b['household_id']}/vehicles", headers=headers,
                    json={"plate": _fresh_plate(app_conn), "kind": "car", "brand": "比亚迪", "color": "白"})
    assert r.status_code == 201, r.text
    return b


def test_lookup(app, client, login, app_conn):
    b = _furnished_building(client, login, app_conn)
    r = client.get("/api/lookup", params={"lon": b["lon"], "lat": b["lat"]}, headers=login("officer1"))
    doc = contract(app, r)
    assert doc.building.id == b["id"]
    mine = next(h for h in doc.households if h.id == b["household_id"])
    assert mine.residents and mine.vehicles and mine.visits and mine.open_disputes
    assert doc.building.village is not None and doc.building.beats


def test_floorplan(app, client, login, app_conn):
    b = _furnished_building(client, login, app_conn)
    r = client.get(f"/api/buildings/{b['id']}/floorplan", headers=login("officer1"))
    doc = contract(app, r)
    room = next(x for x in doc.rooms if x.household_id == b["household_id"])
    assert room.residents > 0 and room.last_visit_at is not None and room.dispute_colour == "orange"


def test_search(app, client, login, app_conn):
    b = _furnished_building(client, login, app_conn)
    address = scalar(app_conn, "SELECT address FROM building WHERE id = :id", id=b["id"])
    name = scalar(app_conn, "SELECT min(name) FROM person WHERE household_id = :h AND moved_out IS NULL",
                  h=b["household_id"])
    plate = scalar(app_conn, "SELECT max(plate) FROM vehicle WHERE household_id = :h", h=b["household_id"])
    kinds = set()
    for q in (address[-6:], name, plate):
        doc = contract(app, client.get("/api/search", params={"q": q}, headers=login("officer1")))
        assert doc.results, q
        kinds |= {hit.type for hit in doc.results}
    assert {"building", "person", "vehicle"} <= kinds


def test_current_beats(app, client, login):
    doc = contract(app, client.get("/api/beats", headers=login("officer1")))
    assert doc.features and any(f.properties.in_scope for f in doc.features)
    assert all(f.properties.members for f in doc.features)


def test_plans_draft_check_diff_propose_publish(app, client, login, app_conn):
    planner, chief = login("planner"), login("chief")
    plan = contract(app, client.post("/api/plans", json={}, headers=planner), 201)
    assert plan.status == "draft" and plan.beats.features
    assert all(f.properties.stats is not None for f in plan.beats.features)
    listed = contract(app, client.get("/api/plans", headers=planner))
    assert plan.id in {p.id for p in listed}
    contract(app, client.get(f"/api/plans/{plan.id}", headers=planner))

    first, second = plan.beats.features[0], plan.beats.features[1]
    r = client.put(f"/api/plans/{plan.id}/beats/{first.id}", json={"name": "改名警务区"},
                   headers={**planner, "If-Match": str(first.properties.version)})
    assert contract(app, r).properties.name == "改名警务区"
    x, y = app_conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(jurisdiction) p"
                                 " FROM station WHERE id = :s) s"), {"s": plan.station_id}).one()
    r = client.post(f"/api/plans/{plan.id}/beats", headers=planner, json={
        "code": "CT99", "name": "契约测试", "kind": "rural", "geometry": {"type": "Polygon", "coordinates": [
            [[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y]]]}})
    contract(app, r, 201)
    village = scalar(app_conn, "SELECT min(id) FROM village WHERE station_id = :s", s=plan.station_id)
    r = client.post(f"/api/plans/{plan.id}/assign", headers=planner,
                    json={"beat_id": second.id, "village_ids": [village]})
    contract(app, r)

    check = contract(app, client.get(f"/api/plans/{plan.id}/check", headers=planner))
    assert check.problems and check.beats and check.balance
    assert not [p for p in check.problems if p.kind in ("overlap", "gap")]  # edits keep the partition
    diff = contract(app, client.get(f"/api/plans/{plan.id}/diff", headers=planner))
    assert diff.moves and diff.villages and diff.buildings and diff.households is None
    buildings = [m.building_id for m in diff.buildings[:3]]
    drill = contract(app, client.get(f"/api/plans/{plan.id}/diff", params={"households_of": buildings},
                                     headers=chief))
    assert drill.households

    beat_ids = {f.properties.code: f.id for f in contract(
        app, client.get(f"/api/plans/{plan.id}", headers=planner)).beats.features}
    r = client.delete(f"/api/plans/{plan.id}/beats/{beat_ids['CT99']}", headers={**planner, "If-Match": "1"})
    assert r.status_code == 204, r.text
    proposal = contract(app, client.post(f"/api/plans/{plan.id}/propose", json={}, headers=planner))
    assert proposal.beats and proposal.plan.id == plan.id
    history = contract(app, client.get(f"/api/plans/{plan.id}/history", headers=planner))
    assert history.steps[-1].kind == "propose" and history.can_undo
    undone = contract(app, client.post(f"/api/plans/{plan.id}/undo", headers=planner))
    assert undone.step.kind == "propose" and undone.can_redo
    assert contract(app, client.post(f"/api/plans/{plan.id}/redo", headers=planner)).step.kind == "propose"
    renamed = contract(app, client.patch(f"/api/plans/{plan.id}", json={"name": "契约方案"}, headers=planner))
    assert renamed.name == "契约方案"
    submitted = contract(app, client.post(f"/api/plans/{plan.id}/submit", json={"note": "请审批"}, headers=planner))
    assert submitted.review_state == "submitted"
    returned = contract(app, client.post(f"/api/plans/{plan.id}/return", json={"note": "再平衡一下"},
                                         headers=chief))
    assert returned.review_state == "returned" and [e.action for e in returned.events] == ["submit", "return"]
    contract(app, client.post(f"/api/plans/{plan.id}/submit", json={"note": "已修改"}, headers=planner))
    published = contract(app, client.post(f"/api/plans/{plan.id}/approve", json={"note": "同意"}, headers=chief))
    assert published.plan_id == plan.id and published.archived_plan_id is not None
    review = contract(app, client.get(f"/api/plans/{plan.id}/review", headers=chief))
    assert [e.action for e in review.events] == ["submit", "return", "submit", "approve"]


def test_area_stats(app, client, login):
    plan = client.get("/api/beats", headers=login("planner")).json()
    doc = contract(app, client.post("/api/beats/stats", json=plan["features"][0]["geometry"],
                                    headers=login("planner")))
    assert doc.households > 0


def test_worklist_of_officer_and_chief(app, client, login):
    for user in ("officer1", "chief"):
        doc = contract(app, client.get("/api/worklist", headers=login(user)))
        assert doc.households_due.items and doc.key_persons_due.items
        assert doc.disputes_due.items and doc.disputes_red_orange.items
        contract(app, client.get("/api/worklist/month", headers=login(user)))


def test_analytics_for_leader(app, client, login):
    leader = login("leader")
    for cell in ("hex", "square"):
        heat = contract(app, client.get("/api/analytics/heat", params={"cell": cell}, headers=leader))
        assert heat.features and heat.total > 0
        hot = contract(app, client.get("/api/analytics/hotspots", params={"cell": cell}, headers=leader))
        assert hot.features and hot.cells_in_extent > 0
    assert contract(app, client.get("/api/analytics/matrix", headers=leader)).total > 0
    assert contract(app, client.get("/api/analytics/compare", headers=leader)).categories
    beats = contract(app, client.get("/api/analytics/beats", headers=leader))
    assert beats.features and beats.features[0].properties.residents > 0
    officers = contract(app, client.get("/api/analytics/officers", headers=leader))
    assert officers.officers and officers.officers[0].months
    # a Knox test longer than the request's wait answers `running` (a contract of its own); the client asks again
    deadline = time.monotonic() + 120
    while True:
        knox = contract(app, client.get("/api/analytics/near-repeat", params={"category": "theft"}, headers=leader))
        if knox.status != "running" or time.monotonic() > deadline:
            break
        assert 0.0 <= knox.progress <= 1.0
        time.sleep(0.5)
    assert knox.status == "done" and knox.result.cells and knox.result.events > 0
    repeats = contract(app, client.get("/api/analytics/repeat-locations", headers=leader))
    assert repeats.locations is None and repeats.concentration[0].incidents > 0
    assert repeats.victims.households is None and repeats.victims.repeat_households > 0  # the seed's victims
    mine = contract(app, client.get("/api/analytics/repeat-locations", headers=login("officer1")))
    assert mine.locations and mine.locations[0].incidents  # the seed's near-repeat burglaries share doors
    assert mine.victims.households is not None and mine.locations_total >= len(mine.locations)
    one = contract(app, client.get(f"/api/analytics/repeat-locations/{mine.locations[0].building_id}",
                                   headers=login("officer1")))
    assert one.count == len(one.incidents) == mine.locations[0].count


def test_analytics_of_an_empty_period(app, client, login):
    params = {"start": "2001-01-01", "end": "2001-01-31"}
    for path in ("heat", "hotspots", "matrix", "compare", "beats", "officers"):
        contract(app, client.get(f"/api/analytics/{path}", params=params, headers=login("leader")))
    empty = contract(app, client.get("/api/analytics/near-repeat", params={**params, "category": "fire"},
                                     headers=login("leader")))
    assert empty.result.events == 0 and empty.result.zone is None


def test_ogc(app, client, login):
    headers = login("officer1")
    contract(app, client.get("/ogc", headers=headers))
    contract(app, client.get("/ogc/conformance", headers=headers))
    assert contract(app, client.get("/ogc/collections", headers=headers)).collections
    for collection in ("stations", "beats", "villages", "buildings"):
        contract(app, client.get(f"/ogc/collections/{collection}", headers=headers))
        page = contract(app, client.get(f"/ogc/collections/{collection}/items", params={"limit": 2},
                                        headers=headers))
        assert page.features
        contract(app, client.get(f"/ogc/collections/{collection}/items/{page.features[0].id}", headers=headers))


def test_health_checklist_and_export(app, client, login):
    contract(app, client.get("/api/health"))
    contract(app, client.get("/api/visits/checklist", headers=login("officer1")))
    contract(app, client.get("/api/export/beats.geojson", headers=login("planner")))


def test_sign_in_refresh_and_photo(app, client, app_conn):
    """Issue 16: the session token with its refresh token, its renewal, and a photo's description."""
    from tests.conftest import DEMO_PASSWORD
    from tests.photos.test_photos import jpeg
    from tests.visits.places import beat_of, household_in

    signed = contract(app, client.post("/api/auth/token", data={"username": "officer1", "password": DEMO_PASSWORD}))
    assert signed.refresh_token and signed.refresh_expires_in and signed.session_expires_in
    renewed = contract(app, client.post("/api/auth/refresh", json={"refresh_token": signed.refresh_token}))
    headers = {"Authorization": f"Bearer {renewed.access_token}"}
    home = household_in(app_conn, beat_of(app_conn, "officer1"))
    r = client.post("/api/photos", files={"file": ("p.jpg", jpeg(), "image/jpeg")},
                    data={"building_id": str(home.building_id)}, headers=headers)
    photo = contract(app, r, 201)
    assert photo.building_id == home.building_id and photo.taken_at is not None


def test_offline_pack(app, client, login, app_conn):
    b = _furnished_building(client, login, app_conn)
    headers = login("officer1")
    pack = contract(app, client.get("/api/offline/pack", headers=headers))
    entry = next(e for e in pack.buildings if e.building.id == b["id"])
    mine = next(h for h in entry.households if h.id == b["household_id"])
    assert mine.residents and mine.vehicles and mine.visits and mine.open_disputes
    assert pack.beats and pack.worklist.households_due is not None
    summary = contract(app, client.get("/api/offline/pack/summary", headers=headers))
    assert summary.counts.households == sum(len(e.households) for e in pack.buildings)
