"""Contracts of issue 17: the lookup and 楼盘表 of a shop (organisations with employees), and every
/api/organisations route, validated field for field against their declared models."""
from sqlalchemy import text

from tests.contracts.conftest import contract
from tests.organisations.conftest import EMPTY_BUILDING, new_credit_code, new_id_number
from tests.places.conftest import OFFICER_BEATS


def _shop(client, login, app_conn):
    beats = [r for r in app_conn.execute(text(OFFICER_BEATS), {"username": "officer1"}).scalars()]
    b = app_conn.execute(text(EMPTY_BUILDING), {"beats": beats, "inside": True, "kind": None}).mappings().first()
    headers = login("officer1")
    r = client.post("/api/organisations", headers=headers, json={
        "building_id": b["id"], "name": "契约小超市", "kind": "shop", "small_venue": True,
        "credit_code": new_credit_code(), "legal_rep": "冯法人", "person_in_charge": "陈店长",
        "phone": "13905430000", "unit": 1, "floor": 1, "room": "101", "opened_on": "2020-05-01",
        "fire_check_on": "2026-06-01", "notes": "契约测试"})
    org = contract(app_of(client), r, 201)
    r = client.post(f"/api/organisations/{org.id}/employees", headers=headers, json={
        "name": "楚店员", "id_number": new_id_number(17), "phone": "13800000017", "role": "店员",
        "since": "2024-01-01"})
    return b, org, contract(app_of(client), r, 201)


def app_of(client):
    return client.app


def test_organisation_routes(app, client, login, app_conn):
    b, org, employee = _shop(client, login, app_conn)
    headers = login("officer1")
    assert employee.id_number_masked and employee.phone_masked
    doc = contract(app, client.get(f"/api/organisations/{org.id}", headers=headers))
    assert doc.employees == 1 and doc.phone_masked
    doc = contract(app, client.get("/api/organisations", params={"building_id": b["id"]}, headers=headers))
    assert doc.items
    doc = contract(app, client.patch(f"/api/organisations/{org.id}", json={"status": "suspended"}, headers=headers))
    assert doc.status == "suspended"
    doc = contract(app, client.get(f"/api/organisations/{org.id}/employees", headers=headers))
    assert doc.items
    doc = contract(app, client.patch(f"/api/organisations/{org.id}/employees/{employee.id}", json={"role": "店长"},
                                     headers=headers))
    assert doc.role == "店长"


def test_lookup_and_floorplan_of_a_shop(app, client, login, app_conn):
    b, org, _ = _shop(client, login, app_conn)
    headers = login("officer1")
    doc = contract(app, client.get("/api/lookup", params={"lon": b["lon"], "lat": b["lat"]}, headers=headers))
    shop = next(o for o in doc.organisations if o.id == org.id)
    assert shop.employees and shop.employees[0].id_number_masked
    doc = contract(app, client.get(f"/api/buildings/{b['id']}/floorplan", headers=headers))
    assert any(o.organisation_id == org.id for o in doc.organisations)


def test_quality_board_and_items(app, client, login, app_conn):
    b, org, _ = _shop(client, login, app_conn)
    app_conn.execute(text("UPDATE organisation SET person_in_charge = NULL WHERE id = :id"), {"id": org.id})
    headers = login("officer1")
    doc = contract(app, client.get("/api/quality", headers=headers))
    assert doc.checks and doc.beats and doc.trend
    doc = contract(app, client.get("/api/quality/organisation_no_person_in_charge", headers=headers))
    assert any(i.id == org.id for i in doc.items)
    station = app_conn.execute(text("SELECT station_id FROM app_user WHERE username = 'chief'")).scalar()
    doc = contract(app, client.get("/api/quality", params={"station_id": station}, headers=login("leader")))
    assert doc.beats
