"""Idempotency-Key on every field write (issue 16; the 实有单位 writes of issue 17 too): same key and body → the
first answer again and no second record; another body → 409; another user's same key is independent; a
rolled-back write leaves no key; the key arriving twice at once → one record (real connections, released together)."""
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.idempotency.service import canonical_hash, prune
from api.main import create_app
from tests.conftest import DEMO_PASSWORD, scalar
from tests.organisations.conftest import EMPTY_BUILDING, new_credit_code, new_id_number
from tests.people.test_collection import fresh_id_number, fresh_plate
from tests.visits.places import beat_of, household_in, other_member

FIRST_PERSON = "SELECT id FROM person WHERE household_id = :h ORDER BY id LIMIT 1"
AUDITS = "SELECT count(*) FROM audit_log WHERE action = :action"


def key() -> str:
    return str(uuid.uuid4())


def visit_body(home, notes: str = "核实户籍") -> dict:
    return {"household_id": home.id, "visited_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
            "checklist": {"verify_hukou": True}, "notes": notes, "follow_up": False,
            "location": {"lon": home.lon, "lat": home.lat, "accuracy_m": 8}}


def dispute_body(conn, home, title: str = "邻里纠纷") -> dict:
    person = scalar(conn, FIRST_PERSON, h=home.id)
    return {"title": title, "category": "neighbour", "grade": "yellow",
            "location": {"lon": home.lon, "lat": home.lat}, "summary": "口角",
            "parties": [{"person_id": person, "side": "applicant"}]}


@pytest.fixture()
def home(app_conn):
    return household_in(app_conn, beat_of(app_conn, "officer1"))


@pytest.fixture()
def case(client, login, app_conn, home):
    """case(name) → (method, path, body A, body B, audit action) of one write route, its object made."""
    headers = login("officer1")

    def made(method, path, body):
        r = client.request(method, path, json=body, headers=headers)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def _case(name: str):
        if name == "visit.create":
            return "POST", "/api/visits", visit_body(home), visit_body(home, "另一次"), "visit.create"
        if name == "visit.update":
            visit = made("POST", "/api/visits", visit_body(home))
            return "PATCH", f"/api/visits/{visit['id']}", {"notes": "更正"}, {"notes": "再更正"}, "visit.update"
        if name == "dispute.create":
            return ("POST", "/api/disputes", dispute_body(app_conn, home), dispute_body(app_conn, home, "另一纠纷"),
                    "dispute.create")
        dispute = made("POST", "/api/disputes", dispute_body(app_conn, home))
        if name == "dispute.update":
            return ("PATCH", f"/api/disputes/{dispute['id']}", {"summary": "补充"}, {"summary": "再补充"},
                    "dispute.update")
        if name == "dispute.event":
            return ("POST", f"/api/disputes/{dispute['id']}/events", {"kind": "note", "text": "记录"},
                    {"kind": "note", "text": "另一记录"}, "dispute.event.note")
        if name == "person.register":
            number = fresh_id_number(app_conn, gender="F")
            body = {"name": "测试流动", "id_number": number, "residency": "floating"}
            return ("POST", f"/api/households/{home.id}/persons", body, {**body, "name": "另一人"},
                    "person.register")
        if name == "person.correct":
            person = scalar(app_conn, FIRST_PERSON, h=home.id)
            return ("PATCH", f"/api/persons/{person}", {"phone": "13900001111"}, {"phone": "13900002222"},
                    "person.correct")
        if name == "vehicle.register":
            plate = fresh_plate(app_conn)
            return ("POST", f"/api/households/{home.id}/vehicles", {"plate": plate},
                    {"plate": plate, "kind": "car"}, "vehicle.register")
        if name == "vehicle.correct":
            vehicle = made("POST", f"/api/households/{home.id}/vehicles", {"plate": fresh_plate(app_conn)})
            return ("PATCH", f"/api/vehicles/{vehicle['id']}", {"kind": "car"}, {"kind": "truck"},
                    "vehicle.correct")
        if name.startswith("organisation."):
            return organisation_case(name)
        if name == "household.correct":
            return ("PATCH", f"/api/households/{home.id}", {"landlord_name": "房东甲"},
                    {"landlord_name": "房东乙"}, "household.correct")
        if name == "incident.create":
            lon, lat = app_conn.execute(text(
                "SELECT ST_X(b.centroid), ST_Y(b.centroid) FROM household h JOIN building b ON b.id = h.building_id "
                "WHERE h.id = :h"), {"h": home.id}).one()
            body = {"occurred_at": "2026-01-05T10:00:00+08:00", "category": "other", "source": "walk-in",
                    "location": {"lon": lon, "lat": lat}, "summary": "求助开锁"}
            return "POST", "/api/incidents", body, {**body, "summary": "捡拾物品"}, "incident.create"
        if name == "building.correct":
            building = scalar(app_conn, "SELECT building_id FROM household WHERE id = :h", h=home.id)
            return ("PATCH", f"/api/buildings/{building}", {"use": "rental"}, {"use": "own_use"}, "building.correct")
        raise AssertionError(name)

    def organisation_case(name: str):
        beats = list(scalar(app_conn, "SELECT array_agg(m.beat_id) FROM beat_member m JOIN app_user u ON "
                                      "u.id = m.user_id WHERE u.username = 'officer1'"))
        row = app_conn.execute(text(EMPTY_BUILDING), {"beats": beats, "inside": True, "kind": None}).mappings().one()
        body = {"building_id": row["id"], "name": "便民小卖部", "kind": "商店", "credit_code": new_credit_code(),
                "person_in_charge": "周老板", "phone": "13905439876"}
        if name == "organisation.register":
            return "POST", "/api/organisations", body, {**body, "name": "另一小卖部"}, "organisation.register"
        org = made("POST", "/api/organisations", body)
        if name == "organisation.correct":
            return ("PATCH", f"/api/organisations/{org['id']}", {"person_in_charge": "吴经理"},
                    {"person_in_charge": "郑经理"}, "organisation.correct")
        employee = {"name": "店员甲", "id_number": new_id_number(next(_employees)), "role": "店员"}
        if name == "organisation.employee_add":
            return ("POST", f"/api/organisations/{org['id']}/employees", employee, {**employee, "role": "收银"},
                    "organisation.employee_add")
        added = made("POST", f"/api/organisations/{org['id']}/employees", employee)
        if name == "organisation.employee_change":
            return ("PATCH", f"/api/organisations/{org['id']}/employees/{added['id']}", {"role": "店长"},
                    {"role": "收银"}, "organisation.employee_change")
        raise AssertionError(name)

    return _case


_employees = iter(range(10_000))

ROUTES = ["visit.create", "visit.update", "dispute.create", "dispute.update", "dispute.event",
          "person.register", "person.correct", "vehicle.register", "vehicle.correct",
          "organisation.register", "organisation.correct", "organisation.employee_add",
          "organisation.employee_change", "household.correct", "building.correct", "incident.create"]


def reordered(body: dict) -> str:
    """The same JSON in another key order and spacing (the canonical hash must not care)."""
    return json.dumps(dict(reversed(list(body.items()))), indent=2, ensure_ascii=False)


@pytest.mark.parametrize("name", ROUTES)
def test_the_same_key_and_body_replay_the_first_answer_without_a_second_write(client, login, app_conn, case,
                                                                              name):
    method, path, body, _, action = case(name)
    headers = {**login("officer1"), "Idempotency-Key": key()}
    before = scalar(app_conn, AUDITS, action=action)
    first = client.request(method, path, json=body, headers=headers)
    assert first.status_code in (200, 201), first.text
    assert "idempotent-replayed" not in first.headers
    again = client.request(method, path, content=reordered(body),
                           headers={**headers, "Content-Type": "application/json"})
    assert again.status_code == first.status_code
    assert again.content == first.content  # byte for byte
    assert again.headers["idempotent-replayed"] == "true"
    assert scalar(app_conn, AUDITS, action=action) == before + 1  # ran once


@pytest.mark.parametrize("name", ROUTES)
def test_the_same_key_with_another_body_is_409(client, login, app_conn, case, name):
    method, path, body, other, action = case(name)
    headers = {**login("officer1"), "Idempotency-Key": key()}
    assert client.request(method, path, json=body, headers=headers).status_code in (200, 201)
    before = scalar(app_conn, AUDITS, action=action)
    r = client.request(method, path, json=other, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "idempotency.conflict", r.text
    assert scalar(app_conn, AUDITS, action=action) == before


@pytest.mark.parametrize("name", ROUTES)
def test_another_users_same_key_is_independent(client, login, app_conn, case, home, name):
    method, path, body, _, action = case(name)
    same = key()
    first = client.request(method, path, json=body, headers={**login("officer1"), "Idempotency-Key": same})
    assert first.status_code in (200, 201), first.text
    colleague = other_member(app_conn, beat_of(app_conn, "officer1"), "officer1")
    before = scalar(app_conn, AUDITS, action=action)
    theirs = client.request(method, path, json=body, headers={**login(colleague), "Idempotency-Key": same})
    assert "idempotent-replayed" not in theirs.headers  # ran as their own request (or was refused on its own)
    assert not (theirs.status_code == 409 and theirs.json()["code"].startswith("idempotency."))
    if theirs.status_code in (200, 201):
        assert scalar(app_conn, AUDITS, action=action) == before + 1


def test_without_a_key_writes_run_as_before(client, login, app_conn, home):
    headers = login("officer1")
    ids = {client.post("/api/visits", json=visit_body(home), headers=headers).json()["id"] for _ in range(2)}
    assert len(ids) == 2


@pytest.mark.parametrize("bad", ["short", "x" * 129, "有中文的键值abcdef", "spaces in key", "a/b/c/d/e/f"])
def test_a_malformed_key_is_422_and_writes_nothing(client, login, app_conn, home, bad):
    before = scalar(app_conn, AUDITS, action="visit.create")
    r = client.post("/api/visits", json=visit_body(home),
                    headers={**login("officer1"), "Idempotency-Key": bad.encode()})
    assert r.status_code == 422 and r.json()["code"] == "idempotency.key_invalid", r.text
    assert r.json()["params"] == {"min": 8, "max": 128}
    assert scalar(app_conn, AUDITS, action="visit.create") == before


def test_an_error_answer_is_not_stored_and_a_retry_runs(client, login, app_conn, home):
    headers = {**login("officer1"), "Idempotency-Key": key()}
    bad = {**visit_body(home), "household_id": 2_000_000_000}
    assert client.post("/api/visits", json=bad, headers=headers).status_code == 404
    assert scalar(app_conn, "SELECT count(*) FROM idempotency_key WHERE key = :k", k=headers["Idempotency-Key"]) == 0
    # the key is free: the corrected request (another body) runs
    assert client.post("/api/visits", json=visit_body(home), headers=headers).status_code == 201


def test_a_write_that_crashes_leaves_no_key_and_the_replay_runs_once(app, app_conn, login, home, monkeypatch):
    from api.visits import service

    headers = {**login("officer1"), "Idempotency-Key": key()}
    body = visit_body(home)
    real = service.create

    def crash(**kwargs):
        real(**kwargs)  # the visit is written … and then the process fails before the commit
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(service, "create", crash)
    before = scalar(app_conn, AUDITS, action="visit.create")
    visits = "SELECT count(*) FROM visit WHERE household_id = :h"
    count = scalar(app_conn, visits, h=home.id)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/api/visits", json=body, headers=headers).status_code == 500
        assert scalar(app_conn, "SELECT count(*) FROM idempotency_key WHERE key = :k",
                      k=headers["Idempotency-Key"]) == 0
        assert scalar(app_conn, visits, h=home.id) == count  # rolled back with the claim
        monkeypatch.setattr(service, "create", real)
        first = client.post("/api/visits", json=body, headers=headers)
        again = client.post("/api/visits", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.content == again.content
    assert scalar(app_conn, visits, h=home.id) == count + 1
    assert scalar(app_conn, AUDITS, action="visit.create") == before + 1


def test_keys_past_the_retention_are_pruned_and_newer_ones_kept(app_session, app_conn):
    user = scalar(app_conn, "SELECT id FROM app_user WHERE username = 'officer1'")
    for k, age in (("old-key-0001", "31 days"), ("new-key-0001", "29 days")):
        app_conn.execute(text("INSERT INTO idempotency_key (user_id, key, route, body_hash, status, response, "
                              "created_at) VALUES (:u, :k, 'POST /api/visits', 'x', 201, '{}', "
                              "now() - CAST(:age AS interval))"), {"u": user, "k": k, "age": age})
    assert prune(session=app_session, days=30) >= 1
    left = {k for (k,) in app_conn.execute(text("SELECT key FROM idempotency_key WHERE user_id = :u"), {"u": user})}
    assert "old-key-0001" not in left and "new-key-0001" in left


def test_the_canonical_hash_ignores_key_order_and_spacing():
    assert canonical_hash(b'{"a": 1, "b": [1, 2]}') == canonical_hash(b'{"b":[1,2],"a":1}')
    assert canonical_hash(b'{"a": 1}') != canonical_hash(b'{"a": 2}')


def test_the_header_is_declared_in_openapi(client):
    doc = client.get("/openapi.json").json()
    for path, method in (("/api/visits", "post"), ("/api/visits/{visit_id}", "patch"),
                         ("/api/disputes/{dispute_id}/events", "post"),
                         ("/api/households/{household_id}/vehicles", "post"), ("/api/organisations", "post"),
                         ("/api/organisations/{organisation_id}", "patch"),
                         ("/api/organisations/{organisation_id}/employees", "post"),
                         ("/api/organisations/{organisation_id}/employees/{employee_id}", "patch")):
        names = [p["name"] for p in doc["paths"][path][method].get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, (path, method, names)


# ---- the same key twice at once, on real connections ---------------------------------------------------

@pytest.fixture()
def committed_visits(owner_engine):
    """Visit ids and keys to delete after a test whose writes were committed."""
    made = {"visits": [], "keys": []}
    yield made
    with owner_engine.begin() as conn:
        if made["visits"]:
            conn.execute(text("DELETE FROM visit WHERE id = ANY(:ids)"), {"ids": made["visits"]})
        if made["keys"]:
            conn.execute(text("DELETE FROM idempotency_key WHERE key = ANY(:k)"), {"k": made["keys"]})


def test_the_same_key_sent_twice_at_once_writes_one_visit(settings, owner_engine, committed_visits):
    with owner_engine.connect() as conn:
        home = household_in(conn, beat_of(conn, "officer1"))
        count_sql = "SELECT count(*) FROM visit WHERE household_id = :h"
        before = scalar(conn, count_sql, h=home.id)
    with TestClient(create_app(settings)) as client:  # its own engine: real commits, separate connections
        r = client.post("/api/auth/token", data={"username": "officer1", "password": DEMO_PASSWORD})
        token = {"Authorization": f"Bearer {r.json()['access_token']}"}
        for _ in range(3):
            same = key()
            committed_visits["keys"].append(same)
            body = visit_body(home)
            barrier = threading.Barrier(2)
            answers: list = [None, None]

            def send(i: int, body=body, same=same, barrier=barrier, answers=answers) -> None:
                barrier.wait()
                answers[i] = client.post("/api/visits", json=body, headers={**token, "Idempotency-Key": same})

            threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            statuses = sorted(a.status_code for a in answers)
            ok = [a for a in answers if a.status_code == 201]
            # one ran; the other waited for it and replayed its answer (or, past the lock timeout, got 409)
            assert statuses in ([201, 201], [201, 409]), [a.text for a in answers]
            assert len({a.content for a in ok}) == 1
            for a in answers:
                if a.status_code == 409:
                    assert a.json()["code"] == "idempotency.in_progress" and a.headers["retry-after"]
            committed_visits["visits"].append(ok[0].json()["id"])
        with owner_engine.connect() as conn:
            assert scalar(conn, count_sql, h=home.id) == before + 3
