"""出租屋管理 and documents (issue 17, migration 0006): a household's landlord and lease, a building's owner
and use, residents' 户籍 address, 居住证 and travel documents, the move history — scoped, audited, refused
with a stable code on bad input."""
from datetime import timedelta

import pytest

from api.clock import china_today
from tests.conftest import scalar
from tests.people.test_collection import fresh_id_number, register
from tests.visits.places import beat_of, household_in, household_outside

AUDITED = "SELECT count(*) FROM audit_log WHERE action = :a AND object_id = :o"


@pytest.fixture()
def home(app_conn):
    return household_in(app_conn, beat_of(app_conn, "officer1"))


def test_officer_records_a_rental_with_landlord_and_lease(client, login, app_conn, home):
    headers = login("officer1")
    audited = scalar(app_conn, AUDITED, a="household.correct", o=str(home.id))
    landlord = scalar(app_conn, "SELECT min(id) FROM person WHERE household_id = :h", h=home.id)
    r = client.patch(f"/api/households/{home.id}", headers=headers, json={
        "kind": "rental", "landlord_person_id": landlord, "landlord_name": "王房东", "landlord_phone": "13912345678",
        "lease_start": "2026-01-01", "lease_end": "2026-12-31"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "rental" and body["landlord_person_id"] == landlord
    assert body["landlord_phone_masked"] == "139****5678" and "13912345678" not in r.text
    assert (body["lease_start"], body["lease_end"]) == ("2026-01-01", "2026-12-31")
    assert scalar(app_conn, AUDITED, a="household.correct", o=str(home.id)) == audited + 1
    # fields left out stay; null clears
    r = client.patch(f"/api/households/{home.id}", headers=headers, json={"lease_end": None})
    assert r.json()["lease_end"] is None and r.json()["landlord_name"] == "王房东"


@pytest.mark.parametrize(("body", "code"), [
    ({"lease_start": "2026-05-01", "lease_end": "2026-04-01"}, "household.lease_end_before_start"),
    ({"landlord_phone": "12<script>"}, "person.phone_invalid"),
    ({"kind": None}, "household.field_required"),
    ({"landlord_person_id": 2_000_000_000}, "person.link_not_in_scope"),
    ({"kind": "palace"}, "request.validation"),
    ({"landlord_name": "x" * 51}, "request.validation"),
])
def test_bad_household_facts_are_refused_with_a_code(client, login, home, body, code):
    r = client.patch(f"/api/households/{home.id}", headers=login("officer1"), json=body)
    assert r.status_code in (400, 422) and r.json()["code"] == code, r.text


def test_household_and_building_of_another_beat_are_404_and_grid_members_correct_nothing(client, login, app_conn,
                                                                                          home):
    other = household_outside(app_conn, "officer1")
    headers = login("officer1")
    r = client.patch(f"/api/households/{other.id}", headers=headers, json={"landlord_name": "某人"})
    assert r.status_code == 404 and r.json()["code"] == "household.not_in_scope"
    building = scalar(app_conn, "SELECT building_id FROM household WHERE id = :h", h=other.id)
    r = client.patch(f"/api/buildings/{building}", headers=headers, json={"use": "rental"})
    assert r.status_code == 404 and r.json()["code"] == "building.not_in_scope"
    grid_home = household_in(app_conn, beat_of(app_conn, "grid1"))
    r = client.patch(f"/api/households/{grid_home.id}", headers=login("grid1"), json={"landlord_name": "某人"})
    assert r.status_code == 403 and r.json()["code"] == "person.grid_floating_only"
    r = client.patch(f"/api/households/{home.id}", headers=login("leader"), json={"landlord_name": "某人"})
    assert r.status_code == 403


def test_building_owner_and_use(client, login, app_conn, home):
    headers = login("officer1")
    audited = scalar(app_conn, AUDITED, a="building.correct", o=str(home.building_id))
    r = client.patch(f"/api/buildings/{home.building_id}", headers=headers,
                     json={"use": "rental", "owner_name": "李业主", "owner_phone": "13700001234"})
    assert r.status_code == 200, r.text
    assert r.json()["use"] == "rental" and r.json()["owner_phone_masked"] == "137****1234"
    assert scalar(app_conn, AUDITED, a="building.correct", o=str(home.building_id)) == audited + 1
    r = client.patch(f"/api/buildings/{home.building_id}", headers=headers, json={"use": "castle"})
    assert r.status_code == 422 and r.json()["code"] == "request.validation"


def test_resident_documents_and_move_history(client, login, app_conn, home):
    headers = login("officer1")
    expires = (china_today() + timedelta(days=200)).isoformat()
    r = register(client, headers, home.id, name="测试暂住", id_number=fresh_id_number(app_conn), residency="暂住",
                 registered_address="河南省商丘市虞城县某村1号", permit_no="鲁居202600001234",
                 permit_expires=expires, moved_in="2026-03-01")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["registered_address"] == "河南省商丘市虞城县某村1号" and body["permit_expires"] == expires
    assert body["permit_no_masked"] == "鲁居*********234" and "202600001234" not in r.text
    assert body["document_kind"] == "id_card" and body["document_no_masked"] is None
    person = body["id"]
    r = client.patch(f"/api/persons/{person}", headers=headers,
                     json={"document_kind": "passport", "document_no": "E12345678", "nationality": "KOR",
                           "visa_expires": expires, "moved_out": china_today().isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()["document_kind"] == "passport" and r.json()["nationality"] == "KOR"
    assert r.json()["document_no_masked"] == "E1****678"
    r = client.get(f"/api/persons/{person}/moves", headers=headers)
    assert r.status_code == 200, r.text
    assert [(m["kind"], m["household_id"]) for m in r.json()] == [("out", home.id), ("in", home.id)]
    assert r.json()[1]["moved_on"] == "2026-03-01"
    assert scalar(app_conn, AUDITED, a="person.moves", o=str(person)) == 1  # a new person: its first read


@pytest.mark.parametrize(("body", "code"), [
    ({"permit_no": "鲁居202600001234"}, "person.permit_for_registered"),
    ({"document_kind": "passport", "document_no": None}, "person.field_required"),
    ({"document_kind": "visa_card"}, "request.validation"),
    ({"permit_no": "<b>x</b>"}, "request.validation"),
    ({"registered_address": ""}, "request.validation"),
])
def test_bad_document_facts_are_refused_with_a_code(client, login, app_conn, home, body, code):
    person = scalar(app_conn, "SELECT min(id) FROM person WHERE household_id = :h AND residency = 'registered'",
                    h=home.id)
    r = client.patch(f"/api/persons/{person}", headers=login("officer1"), json=body)
    assert r.status_code in (400, 422) and r.json()["code"] == code, r.text
