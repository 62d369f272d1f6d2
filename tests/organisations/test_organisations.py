"""实有单位 API: register, read, correct, list by building / name / credit code, employees; scope, masking,
capabilities, audit and validation (GB 32100, unit/floor, dates)."""
import pytest
from sqlalchemy import text

from tests.conftest import scalar
from tests.organisations.conftest import new_credit_code, new_id_number


def _body(building, **extra):
    return {"building_id": building["id"], "name": "便民小卖部", "kind": "商店", "small_venue": True,
            "credit_code": new_credit_code(), "person_in_charge": "周老板", "phone": "13905439876", **extra}


def _audited(app_conn, action, object_id) -> int:
    return scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = :a AND object_id = :o",
                  a=action, o=str(object_id))


def test_an_officer_registers_reads_and_corrects_an_organisation(client, login, app_conn, empty_building):
    headers = login("officer1")
    r = client.post("/api/organisations", json=_body(empty_building, unit=1, floor=1, room="101"), headers=headers)
    assert r.status_code == 201, r.text
    org = r.json()
    assert org["kind"] == "shop" and org["small_venue"] and org["status"] == "open"
    assert org["phone_masked"] == "139****9876" and org["beat_id"] == empty_building["beat_id"]
    assert org["address"] == empty_building["address"] and org["employees"] == 0
    assert _audited(app_conn, "organisation.register", org["id"]) == 1
    r = client.get(f"/api/organisations/{org['id']}", headers=headers)
    assert r.status_code == 200 and r.json()["name"] == "便民小卖部"
    assert _audited(app_conn, "organisation.read", org["id"]) == 1
    r = client.patch(f"/api/organisations/{org['id']}", json={"status": "停业", "fire_check_on": "2026-11-30",
                                                              "room": None}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "suspended" and r.json()["fire_check_on"] == "2026-11-30" and r.json()["room"] is None
    assert _audited(app_conn, "organisation.correct", org["id"]) == 1


def test_list_by_building_name_and_credit_code(client, login, empty_building, add_organisation):
    code = new_credit_code()
    org = add_organisation(empty_building["id"], name="鸿运五金店", credit_code=code)
    headers = login("officer1")
    for params in ({"building_id": empty_building["id"]}, {"q": "鸿运五金"}, {"q": code.lower()}):
        r = client.get("/api/organisations", params=params, headers=headers)
        assert r.status_code == 200, r.text
        assert org in [o["id"] for o in r.json()["items"]], params


def test_organisations_of_another_beat_are_invisible(client, login, foreign_empty_building, add_organisation):
    org = add_organisation(foreign_empty_building["id"], name="外区五金店")
    headers = login("officer1")
    assert client.get(f"/api/organisations/{org}", headers=headers).status_code == 404
    r = client.get("/api/organisations", params={"q": "外区五金店"}, headers=headers)
    assert r.status_code == 200 and org not in [o["id"] for o in r.json()["items"]]
    r = client.patch(f"/api/organisations/{org}", json={"name": "改名"}, headers=headers)
    assert r.status_code == 404 and r.json()["code"] == "organisation.not_in_scope"
    r = client.post("/api/organisations", json=_body(foreign_empty_building), headers=headers)
    assert r.status_code == 404 and r.json()["code"] == "building.not_in_scope"
    # the chief sees every beat of the station
    assert client.get(f"/api/organisations/{org}", headers=login("chief")).status_code == 200


def test_row_level_security_hides_other_beats_from_the_app_role(app_conn, foreign_empty_building, empty_building,
                                                                add_organisation):
    mine = add_organisation(empty_building["id"])
    theirs = add_organisation(foreign_empty_building["id"])
    officer = scalar(app_conn, "SELECT id FROM app_user WHERE username = 'officer1'")
    app_conn.exec_driver_sql('SET ROLE "holomap_app"')
    try:
        app_conn.execute(text("SELECT set_config('holomap.user_id', CAST(:id AS text), true)"), {"id": officer})
        seen = set(app_conn.execute(text("SELECT id FROM organisation WHERE id IN (:a, :b)"),
                                    {"a": mine, "b": theirs}).scalars())
        employees = app_conn.execute(text("SELECT count(*) FROM organisation_employee WHERE organisation_id = :b"),
                                     {"b": theirs}).scalar()
    finally:
        app_conn.exec_driver_sql("RESET ROLE")
    assert seen == {mine} and employees == 0


@pytest.mark.parametrize("code, reason", [("91330100799655058C", "校验位错误"), ("9133010079965505", "长度应为18位"),
                                          ("91330100799655O58B", "含非法字符")])
def test_a_bad_credit_code_is_refused_with_the_reason(client, login, empty_building, code, reason):
    r = client.post("/api/organisations", json=_body(empty_building, credit_code=code), headers=login("officer1"))
    assert r.status_code == 422
    assert r.json()["code"] == "organisation.credit_code_invalid" and r.json()["params"]["reason"] == reason


def test_a_real_credit_code_is_accepted_and_normalised(client, login, empty_building):
    r = client.post("/api/organisations", json=_body(empty_building, credit_code="9144 0300 7152 6726 xg"),
                    headers=login("officer1"))
    assert r.status_code == 201, r.text
    assert r.json()["credit_code"] == "9144030071526726XG"


def test_a_duplicate_credit_code_is_409(client, login, empty_building, foreign_empty_building, add_organisation):
    code = new_credit_code()
    add_organisation(empty_building["id"], credit_code=code)
    r = client.post("/api/organisations", json=_body(empty_building, credit_code=code), headers=login("officer1"))
    assert r.status_code == 409 and r.json()["code"] == "organisation.duplicate"
    other = new_credit_code()
    add_organisation(foreign_empty_building["id"], credit_code=other)
    r = client.post("/api/organisations", json=_body(empty_building, credit_code=other), headers=login("officer1"))
    assert r.status_code == 409 and r.json()["code"] == "organisation.registered_elsewhere"


@pytest.mark.parametrize("extra, code", [
    ({"unit": 101}, "organisation.place_outside_building"),
    ({"floor": 0}, "organisation.place_outside_building"),
    ({"opened_on": "2999-01-01"}, "organisation.date_in_future"),
    ({"phone": "12345"}, "organisation.phone_invalid"),
    ({"kind": "casino"}, "request.validation"),
    ({"name": "  "}, "request.validation"),
    ({"status": "gone"}, "request.validation"),
    ({"unknown": 1}, "request.validation"),
])
def test_hostile_or_wrong_input_is_a_4xx_with_a_code(client, login, empty_building, extra, code):
    r = client.post("/api/organisations", json=_body(empty_building, **extra), headers=login("officer1"))
    assert 400 <= r.status_code < 500 and r.json()["code"] == code, r.text


def test_required_fields_cannot_be_cleared(client, login, empty_building, add_organisation):
    org = add_organisation(empty_building["id"])
    r = client.patch(f"/api/organisations/{org}", json={"name": None}, headers=login("officer1"))
    assert r.status_code == 422 and r.json()["code"] == "organisation.field_required", r.text


def test_text_is_stored_as_text_never_markup(client, login, empty_building):
    name = "<img src=x onerror=alert(1)>小店"
    r = client.post("/api/organisations", json=_body(empty_building, name=name), headers=login("officer1"))
    assert r.status_code == 201 and r.json()["name"] == name


@pytest.mark.parametrize("username", ["leader", "planner", "admin"])
def test_aggregate_roles_cannot_read_or_register(client, login, empty_building, username):
    headers = login(username)
    assert client.get("/api/organisations", headers=headers).json()["code"] == "auth.capability_missing"
    r = client.post("/api/organisations", json=_body(empty_building), headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "auth.capability_missing"


def test_employees_are_added_changed_and_masked(client, login, app_conn, empty_building, add_organisation):
    org = add_organisation(empty_building["id"])
    headers = login("officer1")
    id_number = new_id_number(11)
    r = client.post(f"/api/organisations/{org}/employees",
                    json={"name": "吴店员", "id_number": id_number, "role": "收银员", "since": "2025-03-01",
                          "phone": "13700001111"}, headers=headers)
    assert r.status_code == 201, r.text
    employee = r.json()
    assert employee["id_number_masked"] == id_number[:6] + "********" + id_number[-4:]
    assert employee["phone_masked"] == "137****1111" and id_number not in r.text
    r = client.post(f"/api/organisations/{org}/employees", json={"name": "吴店员", "id_number": id_number},
                    headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "organisation.employee_duplicate"
    r = client.post(f"/api/organisations/{org}/employees", json={"name": "错号", "id_number": "371602199001011234"},
                    headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "organisation.employee_id_number_invalid"
    r = client.patch(f"/api/organisations/{org}/employees/{employee['id']}", json={"left_on": "2025-02-01"},
                     headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "organisation.employee_left_before_since"
    r = client.patch(f"/api/organisations/{org}/employees/{employee['id']}", json={"left_on": "2025-09-30"},
                     headers=headers)
    assert r.status_code == 200 and r.json()["left_on"] == "2025-09-30"
    r = client.get(f"/api/organisations/{org}/employees", headers=headers)
    assert r.status_code == 200 and [e["id"] for e in r.json()["items"]] == [employee["id"]]
    assert client.get(f"/api/organisations/{org}", headers=headers).json()["employees"] == 0
    assert _audited(app_conn, "organisation.employee_add", org) == 1


def test_an_employee_linked_to_a_resident_takes_the_record(client, login, app_conn, empty_building, big_building,
                                                           add_organisation):
    org = add_organisation(empty_building["id"])
    person = app_conn.execute(text("SELECT p.id, p.name, p.id_number FROM person p WHERE p.household_id IN "
                                   "(SELECT id FROM household WHERE building_id = :b) AND p.moved_out IS NULL "
                                   "ORDER BY p.id LIMIT 1"), {"b": big_building["id"]}).first()
    r = client.post(f"/api/organisations/{org}/employees", json={"person_id": person.id, "role": "店长"},
                    headers=login("officer1"))
    assert r.status_code == 201, r.text
    assert r.json()["name"] == person.name and r.json()["person_id"] == person.id
    assert r.json()["id_number_masked"].endswith(person.id_number[-4:])


def test_a_grid_member_registers_and_corrects_but_sees_masked_identities(client, login, app_conn, add_organisation):
    from tests.organisations.conftest import EMPTY_BUILDING
    grid_beats = list(app_conn.execute(text(
        "SELECT b.id FROM beat_member m JOIN app_user u ON u.id = m.user_id AND u.username = 'grid1' "
        "JOIN beat b ON b.id = m.beat_id JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'")).scalars())
    building = app_conn.execute(text(EMPTY_BUILDING),
                                {"beats": grid_beats, "inside": True, "kind": None}).mappings().first()
    if building is None:
        pytest.skip("grid1's beats have no building without households in this seed")
    headers = login("grid1")
    r = client.post("/api/organisations", json=_body(building), headers=headers)
    assert r.status_code == 201, r.text
    org = r.json()["id"]
    id_number = new_id_number(13)
    r = client.post(f"/api/organisations/{org}/employees", json={"name": "郑店员", "id_number": id_number},
                    headers=headers)
    assert r.status_code == 201 and id_number not in r.text
    r = client.patch(f"/api/organisations/{org}", json={"notes": "消防器材已检查"}, headers=headers)
    assert r.status_code == 200 and r.json()["notes"] == "消防器材已检查"


def test_publishing_a_plan_moves_organisations_with_their_building(db):
    """The trigger beat_plan_publish_organisations re-derives organisation.beat_id from the new plan."""
    building = db.execute(text("""
        SELECT b.id, p.station_id, p.id AS plan_id FROM building b
        JOIN beat bt ON ST_Covers(bt.geom, b.centroid) JOIN beat_plan p ON p.id = bt.plan_id AND p.status = 'published'
        ORDER BY b.id LIMIT 1""")).first()
    org = db.execute(text("INSERT INTO organisation (building_id, name, kind) VALUES (:b, '迁移测试', 'shop') "
                          "RETURNING id"), {"b": building.id}).scalar_one()
    db.execute(text("UPDATE organisation SET beat_id = NULL WHERE id = :id"), {"id": org})
    db.execute(text("UPDATE beat_plan SET status = 'archived' WHERE id = :p"), {"p": building.plan_id})
    db.execute(text("UPDATE beat_plan SET status = 'published' WHERE id = :p"), {"p": building.plan_id})
    beat = db.execute(text("SELECT beat_id FROM organisation WHERE id = :id"), {"id": org}).scalar()
    expected = db.execute(text("""SELECT bt.id FROM beat bt, building b WHERE b.id = :b AND bt.plan_id = :p
                                  AND ST_Covers(bt.geom, b.centroid) ORDER BY bt.id LIMIT 1"""),
                          {"b": building.id, "p": building.plan_id}).scalar()
    assert beat == expected and beat is not None
