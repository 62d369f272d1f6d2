"""1+1+N membership (issue 19): the chief (own station) and the admin replace a current beat's members as a
whole, audited; the members' scope follows on their next request; two changes at once are serialised."""
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from tests.conftest import DEMO_PASSWORD, scalar

MEMBERS = "SELECT duty, user_id FROM beat_member WHERE beat_id = :b ORDER BY duty, user_id"
BEAT_OF = """
SELECT b.id, b.code FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
JOIN beat_member m ON m.beat_id = b.id JOIN app_user u ON u.id = m.user_id
WHERE u.username = :u AND m.duty = 'officer'
"""


def uid(conn, username: str) -> int:
    return scalar(conn, "SELECT id FROM app_user WHERE username = :u", u=username)


def beat_of(conn, officer: str):
    return conn.execute(text(BEAT_OF), {"u": officer}).one()


def members_body(conn, officer, auxiliary, grid, mediators):
    return {"officer": officer and uid(conn, officer), "auxiliary": auxiliary and uid(conn, auxiliary),
            "grid_members": [uid(conn, g) for g in grid], "mediators": [uid(conn, m) for m in mediators]}


def test_the_chief_assigns_grid_members_and_they_see_the_beat_on_their_next_request(client, login, app_conn):
    beat = beat_of(app_conn, "officer1")
    other = beat_of(app_conn, "officer2")
    grid3 = client.post("/api/auth/token", data={"username": "grid3", "password": DEMO_PASSWORD}).json()
    grid3 = {"Authorization": f"Bearer {grid3['access_token']}"}
    before = client.get("/api/me", headers=grid3).json()["beats"]
    assert beat.code not in before and other.code in before
    body = members_body(app_conn, "officer1", "aux1", ["grid1", "grid3"], ["grid3"])
    r = client.put(f"/api/beats/{beat.id}/members", json=body, headers=login("chief"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["officer"]["username"] == "officer1" and out["auxiliary"]["username"] == "aux1"
    assert [m["username"] for m in out["grid_members"]] == ["grid1", "grid3"]
    assert [m["username"] for m in out["mediators"]] == ["grid3"]
    assert beat.code in client.get("/api/me", headers=grid3).json()["beats"]  # the very next request
    # grid2 left the beat: its scope loses it at once
    grid2 = client.post("/api/auth/token", data={"username": "grid2", "password": DEMO_PASSWORD}).json()
    assert beat.code not in client.get("/api/me", headers={"Authorization": f"Bearer {grid2['access_token']}"}
                                       ).json()["beats"]
    params = scalar(app_conn, "SELECT reason_params FROM audit_log WHERE action = 'beat.members'"
                    " AND object_type = 'beat' AND object_id = :b ORDER BY id DESC LIMIT 1", b=str(beat.id))
    assert {"field": "grid_member", "old": ["grid1", "grid2"], "new": ["grid1", "grid3"]} in params["changes"]
    assert {"field": "mediator", "old": ["grid1"], "new": ["grid3"]} in params["changes"]


@pytest.fixture()
def second_station(app_conn):
    """A second station (in the test's transaction) with a published plan, one beat and one grid member."""
    station = app_conn.execute(text(
        "INSERT INTO station (code, name, jurisdiction) SELECT 'TEST2', '测试二所', jurisdiction FROM station "
        "WHERE id = 1 RETURNING id")).scalar()
    plan = app_conn.execute(text("INSERT INTO beat_plan (station_id, name, status) VALUES (:s, '二所', 'published')"
                                 " RETURNING id"), {"s": station}).scalar()
    beat = app_conn.execute(text(
        "INSERT INTO beat (plan_id, code, name, kind, geom) SELECT :p, 'T2-01', '二所一区', kind, geom FROM beat "
        "WHERE id = :b RETURNING id"), {"p": plan, "b": beat_of(app_conn, "officer1").id}).scalar()
    app_conn.execute(text("INSERT INTO app_user (username, display_name, role, station_id, password_hash) "
                          "VALUES ('grid2x', '二所网格员', 'grid_member', :s, 'x')"), {"s": station})
    return {"station": station, "beat": beat}


def test_members_must_have_the_duty_role_and_the_beat_station(client, login, app_conn, second_station):
    beat = beat_of(app_conn, "officer1")
    chief = login("chief")
    cases = [
        (members_body(app_conn, "aux1", None, [], []), "beat_members.wrong_role"),
        (members_body(app_conn, None, None, ["officer1"], []), "beat_members.wrong_role"),
        ({"officer": None, "auxiliary": None, "grid_members": [999999], "mediators": []},
         "beat_members.user_unknown"),
    ]
    cases.append((members_body(app_conn, None, None, ["grid2x"], []), "beat_members.wrong_station"))
    app_conn.execute(text("UPDATE app_user SET active = false WHERE username = 'grid4'"))
    cases.append((members_body(app_conn, None, None, ["grid4"], []), "beat_members.user_inactive"))
    for body, code in cases:
        r = client.put(f"/api/beats/{beat.id}/members", json=body, headers=chief)
        assert r.status_code == 422 and r.json()["code"] == code, (body, r.text)
    assert client.put(f"/api/beats/{beat.id}/members", json=members_body(app_conn, "officer1", None, [], []),
                      headers=login("officer1")).status_code == 403


def test_a_chief_only_in_its_station_the_admin_anywhere_and_only_the_plan_in_force(client, login, app_conn,
                                                                                   second_station):
    foreign = second_station["beat"]
    body = members_body(app_conn, None, None, ["grid2x"], [])
    r = client.put(f"/api/beats/{foreign}/members", json=body, headers=login("chief"))
    assert r.status_code == 403 and r.json()["code"] == "beat_members.other_station"
    r = client.put(f"/api/beats/{foreign}/members", json=body, headers=login("admin"))
    assert r.status_code == 200 and [m["username"] for m in r.json()["grid_members"]] == ["grid2x"]
    draft = app_conn.execute(text(
        "INSERT INTO beat_plan (station_id, name, status) VALUES (1, '草案', 'draft') RETURNING id")).scalar()
    beat = app_conn.execute(text(
        "INSERT INTO beat (plan_id, code, name, kind, geom) SELECT :p, 'D1', '草案一', kind, geom FROM beat "
        "WHERE id = :b RETURNING id"), {"p": draft, "b": beat_of(app_conn, "officer1").id}).scalar()
    r = client.put(f"/api/beats/{beat}/members", json=members_body(app_conn, "officer1", None, [], []),
                   headers=login("admin"))
    assert r.status_code == 409 and r.json()["code"] == "beat_members.not_current"
    missing = client.put("/api/beats/999999/members", json=members_body(app_conn, None, None, [], []),
                         headers=login("admin"))
    assert missing.status_code == 404 and missing.json()["code"] == "beat.not_found"


@pytest.fixture()
def committed_beat(owner_engine):
    """officer1's beat with its members restored (and the test's audit rows left, append-only) afterwards."""
    with owner_engine.connect() as conn:
        beat = beat_of(conn, "officer1")
        saved = conn.execute(text(MEMBERS), {"b": beat.id}).all()
    yield beat
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM beat_member WHERE beat_id = :b"), {"b": beat.id})
        for duty, user_id in saved:
            conn.execute(text("INSERT INTO beat_member (beat_id, user_id, duty) VALUES (:b, :u, :d)"),
                         {"b": beat.id, "u": user_id, "d": duty})


def test_two_changes_of_one_beat_at_once_end_in_one_complete_set(settings, owner_engine, committed_beat):
    beat = committed_beat
    with owner_engine.connect() as conn:
        sets = [members_body(conn, "officer1", "aux1", ["grid1", "grid2"], ["grid1"]),
                members_body(conn, "officer1", "aux1", ["grid3", "grid4", "grid5"], ["grid5"])]
    expected = [sorted([("officer", s["officer"]), ("auxiliary", s["auxiliary"])]
                       + [("grid_member", g) for g in s["grid_members"]] + [("mediator", m) for m in s["mediators"]])
                for s in sets]
    with TestClient(create_app(settings)) as client:  # real commits: its own engine, not the test transaction
        r = client.post("/api/auth/token", data={"username": "chief", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        for _ in range(5):
            barrier = threading.Barrier(2)
            answers: list = [None, None]

            def put(i: int, barrier: threading.Barrier, answers: list) -> None:
                barrier.wait()
                answers[i] = client.put(f"/api/beats/{beat.id}/members", json=sets[i], headers=headers)

            threads = [threading.Thread(target=put, args=(i, barrier, answers)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
            with owner_engine.connect() as conn:
                final = sorted((d, u) for d, u in conn.execute(text(MEMBERS), {"b": beat.id}).all())
            assert final in expected, final
