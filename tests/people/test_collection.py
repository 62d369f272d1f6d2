"""信息采集: registering and correcting residents and vehicles in the user's beats, by author.

POST /api/households/{id}/persons, PATCH /api/persons/{id}, POST /api/households/{id}/vehicles,
PATCH /api/vehicles/{id}; row-level security on the same writes; the officer's month counts by author.
"""
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.clock import china_today
from geo import idnumber
from tests.conftest import as_app_role, scalar
from tests.visits.places import beat_of, household_in, household_outside

USER_ID = "SELECT id FROM app_user WHERE username = :u"
SET_USER = "SELECT set_config('holomap.user_id', CAST(:id AS text), true)"
EXISTS = "SELECT count(*) FROM person WHERE id_number = :n"


def fresh_id_number(conn, seq: int = 1, gender: str = "M", born: date = date(1990, 5, 17)) -> str:
    """A valid ID number nobody in the database has."""
    for s in range(seq, 500):
        number = idnumber.make("371602", born, s, gender)
        if not scalar(conn, EXISTS, n=number):
            return number
    raise AssertionError("no free ID number")


def fresh_plate(conn) -> str:
    for k in range(10_000, 99_999, 7):
        plate = f"鲁M{k}"
        if not scalar(conn, "SELECT count(*) FROM vehicle WHERE plate = :p", p=plate):
            return plate
    raise AssertionError("no free plate")


@pytest.fixture()
def home(app_conn):
    return household_in(app_conn, beat_of(app_conn, "officer1"))


def register(client, headers, household_id: int, **fields):
    return client.post(f"/api/households/{household_id}/persons", json=fields, headers=headers)


def test_officer_registers_a_floating_resident_in_own_beat(client, login, app_conn, home):
    number = fresh_id_number(app_conn, gender="F")
    r = register(client, login("officer1"), home.id, name="测试流动", id_number=number, phone="13812345678",
                 residency="流动", relation_to_head="租客", tags=["low_income"], moved_in="2026-10-01")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id_number_masked"] == idnumber.mask(number) and number not in r.text
    assert body["gender"] == "F" and body["birth_date"] == "1990-05-17"
    assert body["residency"] == "floating" and body["phone_masked"] == "138****5678"
    row = app_conn.execute(text("SELECT p.household_id, u.username FROM person p JOIN app_user u "
                                "ON u.id = p.created_by AND u.id = p.updated_by WHERE p.id = :id"),
                           {"id": body["id"]}).one()
    assert tuple(row) == (home.id, "officer1")
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'person.register' "
                  "AND object_id = :id AND username = 'officer1'", id=str(body["id"])) == 1


def test_a_duplicate_id_number_is_409_without_saying_where(client, login, app_conn, home):
    other = app_conn.execute(text("SELECT p.id_number, p.household_id FROM person p JOIN household h "
                                  "ON h.id = p.household_id WHERE h.beat_id <> ALL(CAST(:b AS int[])) LIMIT 1"),
                             {"b": [beat_of(app_conn, "officer1")]}).one()
    r = register(client, login("officer1"), home.id, name="重复", id_number=other.id_number, residency="floating")
    assert r.status_code == 409
    assert "already registered" in r.json()["detail"]
    assert str(other.household_id) not in r.text and other.id_number not in r.text


@pytest.mark.parametrize(("number", "reason"), [
    ("371602199005170001", "校验位错误"), ("37160219900517001", "长度错误"), ("371602199002300012", "日期"),
])
def test_a_bad_id_number_is_422_with_the_reason(client, login, home, number, reason):
    r = register(client, login("officer1"), home.id, name="错号", id_number=number)
    assert r.status_code == 422
    assert reason in r.json()["detail"]


def test_bad_fields_are_422(client, login, app_conn, home):
    headers = login("officer1")
    number = fresh_id_number(app_conn)
    for fields, word in (({"residency": "visitor"}, "residency"), ({"tags": ["vip"]}, "tags"),
                         ({"phone": "12"}, "phone"), ({"moved_in": "1980-01-01"}, "moved_in")):
        r = register(client, headers, home.id, name="某", id_number=number, **fields)
        assert r.status_code == 422 and word in r.json()["detail"], (fields, r.text)


def test_out_of_scope_is_404_and_aggregate_roles_get_403(client, login, app_conn, home):
    outside = household_outside(app_conn, "officer1")
    number = fresh_id_number(app_conn)
    assert register(client, login("officer1"), outside.id, name="某", id_number=number).status_code == 404
    person = scalar(app_conn, "SELECT id FROM person WHERE household_id = :h LIMIT 1", h=outside.id)
    assert client.patch(f"/api/persons/{person}", json={"phone": "13800000000"},
                        headers=login("officer1")).status_code == 404
    for username in ("planner", "leader", "admin"):
        headers = login(username)
        assert register(client, headers, home.id, name="某", id_number=number).status_code == 403
        assert client.post(f"/api/households/{home.id}/vehicles", json={"plate": "鲁M12345"},
                           headers=headers).status_code == 403
    assert not scalar(app_conn, EXISTS, n=number)


def test_grid_members_register_floating_residents_only(client, login, app_conn):
    home = household_in(app_conn, beat_of(app_conn, "grid1"))
    headers = login("grid1")
    r = register(client, headers, home.id, name="网格登记", id_number=fresh_id_number(app_conn),
                 residency="floating")
    assert r.status_code == 201, r.text
    r = register(client, headers, home.id, name="网格登记", id_number=fresh_id_number(app_conn, seq=3),
                 residency="registered")
    assert r.status_code == 403
    person = register(client, login("chief"), home.id, name="所长登记",
                      id_number=fresh_id_number(app_conn, seq=5)).json()["id"]
    assert client.patch(f"/api/persons/{person}", json={"tags": []}, headers=headers).status_code == 403
    assert client.post(f"/api/households/{home.id}/vehicles", json={"plate": fresh_plate(app_conn)},
                       headers=headers).status_code == 403


def test_officer_corrects_a_resident_but_never_the_id_number(client, login, app_conn, home):
    headers = login("officer1")
    person = app_conn.execute(text("SELECT id, id_number, created_by FROM person WHERE household_id = :h "
                                   "ORDER BY id LIMIT 1"), {"h": home.id}).one()
    r = client.patch(f"/api/persons/{person.id}", json={"phone": "13900001111", "tags": ["veteran"],
                                                        "residency": "temporary", "relation_to_head": "女婿"},
                     headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["tags"] == ["veteran"] and r.json()["phone_masked"] == "139****1111"
    row = app_conn.execute(text("SELECT phone, residency, relation_to_head, id_number, created_by, "
                                "(SELECT username FROM app_user WHERE id = updated_by) AS who "
                                "FROM person WHERE id = :id"), {"id": person.id}).one()
    assert tuple(row) == ("13900001111", "temporary", "女婿", person.id_number, person.created_by, "officer1")
    r = client.patch(f"/api/persons/{person.id}", json={"id_number": fresh_id_number(app_conn)}, headers=headers)
    assert r.status_code == 422 and "id_number" in r.json()["detail"]
    r = client.patch(f"/api/persons/{person.id}", json={"moved_out": "2999-01-01"}, headers=headers)
    assert r.status_code == 422
    assert client.patch(f"/api/persons/{person.id}", json={"moved_out": china_today().isoformat()},
                        headers=headers).json()["moved_out"] == china_today().isoformat()


def test_vehicles_register_and_correct(client, login, app_conn, home):
    headers = login("officer1")
    plate = fresh_plate(app_conn)
    r = client.post(f"/api/households/{home.id}/vehicles", json={"plate": f" {plate[:2]}·{plate[2:]} ",
                                                                  "kind": "e_bike", "color": "白"},
                    headers=headers)
    assert r.status_code == 201, r.text
    vehicle = r.json()
    assert vehicle["kind"] == "e_bike" and plate not in r.text
    assert scalar(app_conn, "SELECT plate FROM vehicle WHERE id = :id", id=vehicle["id"]) == plate
    dup = client.post(f"/api/households/{home.id}/vehicles", json={"plate": plate}, headers=headers)
    assert dup.status_code == 409 and "already registered" in dup.json()["detail"]
    bad = client.post(f"/api/households/{home.id}/vehicles", json={"plate": "ABC"}, headers=headers)
    assert bad.status_code == 422 and "车牌号" in bad.json()["detail"]
    r = client.patch(f"/api/vehicles/{vehicle['id']}", json={"kind": "car", "brand": "五菱"}, headers=headers)
    assert r.status_code == 200 and r.json()["brand"] == "五菱"
    outside = scalar(app_conn, "SELECT v.id FROM vehicle v JOIN household h ON h.id = v.household_id "
                     "WHERE h.beat_id <> :b LIMIT 1", b=beat_of(app_conn, "officer1"))
    assert client.patch(f"/api/vehicles/{outside}", json={"kind": "car"}, headers=headers).status_code == 404


def test_rls_refuses_direct_writes_out_of_scope_as_the_app_role(app_conn):
    uid = scalar(app_conn, USER_ID, u="officer1")
    inside = household_in(app_conn, beat_of(app_conn, "officer1")).id
    outside = household_outside(app_conn, "officer1").id
    number = fresh_id_number(app_conn)
    insert = text("INSERT INTO person (household_id, name, id_number, gender, birth_date, residency, created_by,"
                  " updated_by) VALUES (:h, '直插', :n, 'M', '1990-05-17', 'floating', :u, :u)")
    existing = scalar(app_conn, "SELECT id FROM person WHERE household_id = :h LIMIT 1", h=inside)
    with as_app_role(app_conn) as conn:
        conn.execute(text(SET_USER), {"id": uid})
        with pytest.raises(DBAPIError, match="row-level security"):
            with conn.begin_nested():
                conn.execute(insert, {"h": outside, "n": number, "u": uid})
        with pytest.raises(DBAPIError, match="row-level security"):  # in scope, in someone else's name
            with conn.begin_nested():
                conn.execute(insert, {"h": inside, "n": number, "u": scalar(conn, USER_ID, u="officer2")})
        with pytest.raises(DBAPIError, match="ID number"):
            with conn.begin_nested():
                conn.execute(text("UPDATE person SET id_number = :n, updated_by = :u WHERE id = :id"),
                             {"n": number, "u": uid, "id": existing})
        with conn.begin_nested():
            conn.execute(insert, {"h": inside, "n": number, "u": uid})
        # aggregate roles correct nothing
        conn.execute(text(SET_USER), {"id": scalar(conn, USER_ID, u="planner")})
        assert conn.execute(text("UPDATE person SET phone = NULL WHERE household_id = :h"),
                            {"h": inside}).rowcount == 0


def test_the_month_counts_what_the_officer_registered_and_corrected(client, login, app_conn, home):
    headers = login("officer1")
    before = client.get("/api/worklist/month", headers=headers).json()
    other_before = client.get("/api/worklist/month", headers=login("aux1")).json()
    assert register(client, headers, home.id, name="月度", id_number=fresh_id_number(app_conn),
                    residency="floating").status_code == 201
    client.post(f"/api/households/{home.id}/vehicles", json={"plate": fresh_plate(app_conn)}, headers=headers)
    existing = scalar(app_conn, "SELECT id FROM person WHERE household_id = :h AND created_by IS NULL LIMIT 1",
                      h=home.id)
    assert client.patch(f"/api/persons/{existing}", json={"tags": []}, headers=headers).status_code == 200
    after = client.get("/api/worklist/month", headers=headers).json()
    assert after["information_collected"] == before["information_collected"] + 3
    assert after["floating_registered"] == before["floating_registered"] + 1
    assert after["vehicles_registered"] == before["vehicles_registered"] + 1
    assert client.get("/api/worklist/month", headers=login("aux1")).json() == other_before
    month = after["month"]
    r = client.get("/api/analytics/officers", params={"start": f"{month}-01", "end": china_today().isoformat()},
                   headers=login("chief"))
    assert r.status_code == 200, r.text
    (officer,) = [o for o in r.json()["officers"] if o["username"] == "officer1"]
    (row,) = [m for m in officer["months"] if m["month"] == month]
    assert row["floating_registered"] >= 1 and row["vehicles_registered"] >= 1 and row["records_corrected"] >= 1
    assert row["information_collected"] == after["information_collected"]


def test_seeded_records_have_no_author_and_predate_today(app_conn):
    for table in ("household", "person", "vehicle"):
        row = app_conn.execute(text(f"SELECT count(*) FILTER (WHERE created_by IS NOT NULL OR updated_by IS NOT NULL),"
                                    f" max(created_at) < date_trunc('day', now()) FROM {table}")).one()
        assert tuple(row) == (0, True), table
