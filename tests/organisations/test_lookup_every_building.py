"""Issue 17: every building in scope opens — a building without households (shop, school, factory) in the
user's beats answers 200 with its organisations; one in another beat says whose it is, never its people."""
import json

import pytest
from sqlalchemy import text

from tests.organisations.conftest import EMPTY_BUILDING, new_id_number
from tests.places.conftest import rows

EVERY_EMPTY_BUILDING = """
SELECT b.id, b.kind, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat
FROM building b
WHERE NOT EXISTS (SELECT 1 FROM household h WHERE h.building_id = b.id)
  AND EXISTS (SELECT 1 FROM beat bt JOIN beat_plan p ON p.id = bt.plan_id AND p.status = 'published'
              WHERE ST_Covers(bt.geom, b.centroid))
ORDER BY b.id
"""


def _lookup(client, headers, building):
    return client.get("/api/lookup", params={"lon": building["lon"], "lat": building["lat"]}, headers=headers)


@pytest.mark.parametrize("kind", ["commercial", "public", "industrial"])
def test_a_building_without_households_in_the_beat_opens(client, login, app_conn, officer1_beats, kind):
    found = app_conn.execute(text(EMPTY_BUILDING), {"beats": officer1_beats, "inside": True, "kind": kind}).mappings()
    building = found.first()
    if building is None:  # the officer's beats have none of this kind: take one in the station, open as the chief
        building = app_conn.execute(text(EMPTY_BUILDING),
                                    {"beats": [], "inside": False, "kind": kind}).mappings().first()
        assert building is not None, f"the seed has no {kind} building without households"
        headers = login("chief")
    else:
        headers = login("officer1")
    r = _lookup(client, headers, building)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["building"]["id"] == building["id"] and doc["building"]["kind"] == kind
    assert doc["households"] == []
    assert isinstance(doc["organisations"], list)
    assert building["beat_id"] in [b["id"] for b in doc["building"]["beats"]]


def test_the_chief_opens_every_building_without_households_of_the_station(client, login, app_conn):
    buildings = rows(app_conn, EVERY_EMPTY_BUILDING)
    assert len(buildings) >= 10, "the seed has buildings without households (shops, schools, factories)"
    headers = login("chief")
    refused = [b["id"] for b in buildings if _lookup(client, headers, b).status_code != 200]
    assert refused == []


def test_a_shop_lists_its_organisation_and_employees_masked(client, login, app_conn, empty_building,
                                                           add_organisation):
    id_number = new_id_number(3)
    org = add_organisation(empty_building["id"], name="惠民超市", employees=[("李店员", id_number)])
    r = _lookup(client, login("officer1"), empty_building)
    assert r.status_code == 200, r.text
    (shop,) = [o for o in r.json()["organisations"] if o["id"] == org]
    assert shop["name"] == "惠民超市" and shop["kind"] == "shop" and shop["phone_masked"] == "139****1234"
    (employee,) = shop["employees"]
    assert employee["name"] == "李店员" and employee["id_number_masked"] == id_number[:6] + "********" + id_number[-4:]
    assert id_number not in r.text and "13905431234" not in r.text


def test_a_grid_member_sees_the_shop_masked_too(client, login, app_conn, add_organisation):
    grid_beats = [r["id"] for r in rows(app_conn, """
        SELECT b.id FROM beat_member m JOIN app_user u ON u.id = m.user_id AND u.username = 'grid1'
        JOIN beat b ON b.id = m.beat_id JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'""")]
    building = app_conn.execute(text(EMPTY_BUILDING),
                                {"beats": grid_beats, "inside": True, "kind": None}).mappings().first()
    if building is None:
        pytest.skip("grid1's beats have no building without households in this seed")
    id_number = new_id_number(5)
    add_organisation(building["id"], employees=[("赵店员", id_number)])
    r = _lookup(client, login("grid1"), building)
    assert r.status_code == 200, r.text
    assert r.json()["organisations"] and id_number not in r.text


def test_a_building_without_households_in_another_beat_names_its_beat_never_its_people(
    client, login, app_conn, foreign_empty_building, add_organisation
):
    id_number = new_id_number(7)
    add_organisation(foreign_empty_building["id"], name="外区小店", employees=[("钱店员", id_number)])
    r = _lookup(client, login("officer1"), foreign_empty_building)
    assert r.status_code == 404
    body = r.json()
    assert body["code"] == "building.not_in_scope"
    assert body["params"]["building_id"] == foreign_empty_building["id"]
    assert body["params"]["beats"] and body["params"]["beats"][0]["station"]
    dumped = json.dumps(body, ensure_ascii=False)
    assert "外区小店" not in dumped and "钱店员" not in dumped and id_number not in dumped


def test_the_floorplan_of_a_shop_opens_with_its_organisations(client, login, empty_building, add_organisation):
    org = add_organisation(empty_building["id"], name="一楼药店", kind="clinic", unit=1, floor=1, room="101",
                           employees=[("孙药师", new_id_number(9))])
    r = client.get(f"/api/buildings/{empty_building['id']}/floorplan", headers=login("officer1"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["rooms"] == []
    (o,) = [o for o in doc["organisations"] if o["organisation_id"] == org]
    assert (o["unit"], o["floor"], o["room"], o["employees"]) == (1, 1, "101", 1)


def test_the_floorplan_of_a_foreign_shop_is_404(client, login, foreign_empty_building):
    r = client.get(f"/api/buildings/{foreign_empty_building['id']}/floorplan", headers=login("officer1"))
    assert r.status_code == 404 and r.json()["code"] == "building.not_in_scope"
