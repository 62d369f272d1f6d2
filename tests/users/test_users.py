"""Accounts (issue 19): the admin lists, creates, changes and resets users; a one-time password only lets
its user set a new one; disabling and resetting end the user's sessions; every change is audited."""
from sqlalchemy import text

from api.auth import queries
from api.auth.passwords import hash_password
from tests.conftest import DEMO_PASSWORD, scalar

AUDIT = ("SELECT action, reason_code, reason_params FROM audit_log WHERE object_type = 'user' AND object_id = :id "
         "ORDER BY id")


def _create(client, headers, **fields):
    body = {"username": "newgrid", "display_name": "新网格员", "role": "grid_member", "station_id": 1, **fields}
    return client.post("/api/users", json=body, headers=headers)


def _sign_in(client, username, password):
    return client.post("/api/auth/token", data={"username": username, "password": password})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_admin_lists_users_with_filters_and_a_chief_only_its_station(client, login):
    r = client.get("/api/users", params={"role": "officer"}, headers=login("admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["users"] and {u["role"] for u in body["users"]} == {"officer"}
    assert "password_hash" not in body["users"][0]
    assert body["stations"] and "admin" in body["roles"]
    chief = client.get("/api/users", headers=login("chief")).json()["users"]
    assert {u["station_id"] for u in chief} == {1}
    other = client.get("/api/users", params={"station_id": 2}, headers=login("chief"))
    assert other.status_code == 403 and other.json()["code"] == "user.other_station"
    assert client.get("/api/users", headers=login("officer1")).status_code == 403
    assert client.post("/api/users", json={}, headers=login("chief")).status_code in (403, 422)


def test_the_list_comes_in_pages_that_together_are_the_whole(client, login):
    """Paged on the server (issue 22: 8,000 accounts, 1.8 MB at county scale): pages in any order of `sort`, one
    after another, are the whole list, without repeats; `total` counts every match."""
    headers = login("admin")
    for sort in ("station", "username", "display_name", "role", "created_at"):
        whole = client.get("/api/users", params={"sort": sort, "limit": 1000}, headers=headers).json()
        assert whole["total"] == len(whole["users"]) > 3 and whole["sort"] == sort
        pages = [client.get("/api/users", params={"sort": sort, "limit": 3, "offset": offset}, headers=headers).json()
                 for offset in range(0, whole["total"], 3)]
        assert [u for page in pages for u in page["users"]] == whole["users"], sort
        assert {page["total"] for page in pages} == {whole["total"]}
    names = [u["username"] for u in client.get("/api/users", params={"sort": "username", "limit": 1000},
                                               headers=headers).json()["users"]]
    assert names == sorted(names)
    default = client.get("/api/users", headers=headers).json()
    assert default["limit"] == 100 and default["offset"] == 0 and len(default["users"]) == min(100, default["total"])
    beyond = client.get("/api/users", params={"offset": 100000}, headers=headers).json()
    assert beyond["users"] == [] and beyond["total"] == default["total"]


def test_the_list_filters_by_a_piece_of_the_username_or_name(client, login):
    headers = login("admin")
    officers = client.get("/api/users", params={"q": "OFFICER", "limit": 1000}, headers=headers).json()
    assert officers["users"] and all("officer" in u["username"] for u in officers["users"])
    assert officers["total"] == len(officers["users"])
    someone = officers["users"][0]
    by_name = client.get("/api/users", params={"q": someone["display_name"]}, headers=headers).json()
    assert someone["id"] in [u["id"] for u in by_name["users"]]
    assert client.get("/api/users", params={"q": "%", "limit": 5}, headers=headers).json()["total"] == 0  # not LIKE
    chief = client.get("/api/users", params={"q": "officer", "limit": 1000}, headers=login("chief")).json()
    assert chief["users"] and all(u["station_id"] == 1 for u in chief["users"])


def test_hostile_list_parameters_are_refused_in_chinese_codes(client, login):
    headers = login("admin")
    for params in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"sort": "password_hash"},
                   {"sort": "username; DROP TABLE app_user"}, {"q": "x" * 33}, {"limit": "many"}):
        r = client.get("/api/users", params=params, headers=headers)
        assert r.status_code == 422 and r.json()["code"], params


def test_create_returns_a_one_time_password_once_and_audits_without_it(client, login, app_conn):
    r = _create(client, login("admin"))
    assert r.status_code == 201, r.text
    body = r.json()
    password, user = body["one_time_password"], body["user"]
    assert len(password) >= 12 and user["must_change_password"] and user["active"]
    stored = scalar(app_conn, "SELECT password_hash FROM app_user WHERE id = :id", id=user["id"])
    assert stored.startswith("$argon2") and password not in stored
    rows = app_conn.execute(text(AUDIT), {"id": str(user["id"])}).all()
    assert [a for a, _, _ in rows] == ["user.create"] and password not in str(rows[0].reason_params)
    assert rows[0].reason_code == "user.created" and rows[0].reason_params["username"] == user["username"]
    again = _create(client, login("admin"))
    assert again.status_code == 409 and again.json()["code"] == "user.username_taken"
    assert again.json()["params"] == {"username": "newgrid"}


def test_create_validates_username_role_and_station(client, login):
    admin = login("admin")
    cases = [({"username": "A b"}, "user.username_invalid"), ({"role": "boss"}, "user.role_unknown"),
             ({"station_id": None}, "user.station_required"), ({"station_id": 999999}, "user.station_unknown"),
             ({"display_name": "  "}, "user.display_name_empty")]
    for fields, code in cases:
        r = _create(client, admin, **fields)
        assert r.status_code == 422 and r.json()["code"] == code, (fields, r.text)
    assert _create(client, admin, username="newleader", role="leader", station_id=None).status_code == 201


def test_a_one_time_password_only_changes_itself_then_the_new_one_works(client, login):
    created = _create(client, login("admin")).json()
    one_time = created["one_time_password"]
    r = _sign_in(client, "newgrid", one_time)
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    limited = _bearer(r.json()["access_token"])
    for method, path in (("GET", "/api/me"), ("GET", "/api/beats"), ("GET", "/api/worklist"),
                         ("GET", "/api/lookup?lon=117.0&lat=36.6")):
        denied = client.request(method, path, headers=limited)
        assert denied.status_code == 403 and denied.json()["code"] == "auth.password_change_required", path
    weak = client.post("/api/auth/password", json={"old_password": one_time, "new_password": "aaaaaaaaaaaa"},
                       headers=limited)
    assert weak.status_code == 422 and weak.json()["code"] == "auth.password_weak"
    assert weak.json()["params"]["min_length"] == 10
    wrong = client.post("/api/auth/password", json={"old_password": "nope", "new_password": "Neue-Pass-2026"},
                        headers=limited)
    assert wrong.status_code == 422 and wrong.json()["code"] == "auth.password_wrong"
    done = client.post("/api/auth/password", json={"old_password": one_time, "new_password": "Neue-Pass-2026"},
                       headers=limited)
    assert done.status_code == 200, done.text
    assert done.json()["must_change_password"] is False
    assert client.get("/api/me", headers=_bearer(done.json()["access_token"])).json()["username"] == "newgrid"
    reuse = client.post("/api/auth/password", json={"old_password": "Neue-Pass-2026", "new_password": "Dritte-2026x"},
                        headers=limited)
    assert reuse.status_code == 401  # the limited token ended with the change
    assert _sign_in(client, "newgrid", one_time).status_code == 401
    again = _sign_in(client, "newgrid", "Neue-Pass-2026")
    assert again.status_code == 200 and again.json()["must_change_password"] is False


def test_a_user_changes_its_own_password_and_its_other_sessions_end(client):
    first = _sign_in(client, "grid12", DEMO_PASSWORD).json()["access_token"]
    second = _sign_in(client, "grid12", DEMO_PASSWORD).json()["access_token"]
    r = client.post("/api/auth/password", json={"old_password": DEMO_PASSWORD, "new_password": "grid12-new-pw!"},
                    headers=_bearer(first))
    assert r.status_code == 422 and r.json()["code"] == "auth.password_weak"  # contains the username
    r = client.post("/api/auth/password", json={"old_password": DEMO_PASSWORD, "new_password": "Andere-2026"},
                    headers=_bearer(first))
    assert r.status_code == 200, r.text
    assert client.get("/api/me", headers=_bearer(second)).status_code == 401
    assert client.get("/api/me", headers=_bearer(r.json()["access_token"])).status_code == 200


def test_disabling_ends_the_sessions_on_the_next_request_and_is_audited(client, login, app_conn):
    old = _sign_in(client, "aux6", DEMO_PASSWORD).json()["access_token"]
    assert client.get("/api/me", headers=_bearer(old)).status_code == 200
    user_id = scalar(app_conn, "SELECT id FROM app_user WHERE username = 'aux6'")
    r = client.patch(f"/api/users/{user_id}", json={"active": False, "display_name": "辅警六"},
                     headers=login("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False and r.json()["display_name"] == "辅警六"
    gone = client.get("/api/me", headers=_bearer(old))
    assert gone.status_code == 401 and gone.json()["code"] == "auth.session_ended"
    assert _sign_in(client, "aux6", DEMO_PASSWORD).status_code == 401
    (action, code, params), = app_conn.execute(text(AUDIT), {"id": str(user_id)}).all()
    assert action == "user.update" and code == "user.changed"
    assert {"field": "active", "old": True, "new": False} in params["changes"]
    assert "display_name" in {c["field"] for c in params["changes"]}
    r = client.patch(f"/api/users/{user_id}", json={"active": True}, headers=login("admin"))
    assert r.json()["active"] is True
    assert client.get("/api/me", headers=_bearer(old)).status_code == 401  # re-enabling does not revive it


def test_a_role_or_station_change_leaves_the_old_beats(client, login, app_conn):
    user_id = scalar(app_conn, "SELECT id FROM app_user WHERE username = 'grid3'")
    assert scalar(app_conn, "SELECT count(*) FROM beat_member WHERE user_id = :id", id=user_id) > 0
    r = client.patch(f"/api/users/{user_id}", json={"role": "auxiliary"}, headers=login("admin"))
    assert r.status_code == 200 and r.json()["role"] == "auxiliary"
    assert scalar(app_conn, "SELECT count(*) FROM beat_member WHERE user_id = :id", id=user_id) == 0
    params = app_conn.execute(text(AUDIT), {"id": str(user_id)}).all()[-1].reason_params
    assert {"field": "role", "old": "grid_member", "new": "auxiliary"} in params["changes"]
    assert params["memberships_removed"] > 0
    bad = client.patch(f"/api/users/{user_id}", json={"station_id": None}, headers=login("admin"))
    assert bad.status_code == 422 and bad.json()["code"] == "user.station_required"


def test_an_admin_cannot_lock_itself_out(client, login, app_conn):
    admin_id = scalar(app_conn, "SELECT id FROM app_user WHERE username = 'admin'")
    for body in ({"active": False}, {"role": "leader"}):
        r = client.patch(f"/api/users/{admin_id}", json=body, headers=login("admin"))
        assert r.status_code == 409 and r.json()["code"] == "user.self_change"
    r = client.post(f"/api/users/{admin_id}/password-reset", headers=login("admin"))
    assert r.status_code == 409 and r.json()["code"] == "user.self_reset"
    missing = client.patch("/api/users/999999", json={"active": False}, headers=login("admin"))
    assert missing.status_code == 404 and missing.json()["code"] == "user.not_found"


def test_a_password_reset_ends_the_sessions_and_gives_a_one_time_password(client, login, app_conn):
    old = _sign_in(client, "officer6", DEMO_PASSWORD).json()["access_token"]
    user_id = scalar(app_conn, "SELECT id FROM app_user WHERE username = 'officer6'")
    app_conn.execute(text("UPDATE app_user SET locked_until = now() + interval '1 hour' WHERE id = :id"),
                     {"id": user_id})
    r = client.post(f"/api/users/{user_id}/password-reset", headers=login("admin"))
    assert r.status_code == 200, r.text
    one_time = r.json()["one_time_password"]
    assert r.json()["user"]["must_change_password"] and not r.json()["user"]["locked"]
    assert client.get("/api/me", headers=_bearer(old)).status_code == 401
    assert _sign_in(client, "officer6", DEMO_PASSWORD).status_code == 401
    signed = _sign_in(client, "officer6", one_time)
    assert signed.status_code == 200 and signed.json()["must_change_password"]
    (action, code, params), = app_conn.execute(text(AUDIT), {"id": str(user_id)}).all()
    assert (action, code, params) == ("user.password_reset", "user.password_reset", {"username": "officer6"})


def test_two_creates_of_one_username_at_once_give_one_account_and_one_409(settings, owner_engine):
    import threading

    from fastapi.testclient import TestClient

    from api.main import create_app

    username = "racegrid"
    try:
        with TestClient(create_app(settings)) as client:  # real commits, not the test transaction
            r = _sign_in(client, "admin", DEMO_PASSWORD)
            headers = _bearer(r.json()["access_token"])
            barrier = threading.Barrier(2)
            answers: list = [None, None]

            def create(i: int) -> None:
                barrier.wait()
                answers[i] = _create(client, headers, username=username)

            threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
            assert [a.json()["code"] for a in answers if a.status_code == 409] == ["user.username_taken"]
        with owner_engine.connect() as conn:
            assert scalar(conn, "SELECT count(*) FROM app_user WHERE username = :u", u=username) == 1
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": username})


def test_holomap_set_password_clears_a_pending_one_time_password(client, login, app_conn):
    user_id = scalar(app_conn, "SELECT id FROM app_user WHERE username = 'aux5'")
    assert client.post(f"/api/users/{user_id}/password-reset", headers=login("admin")).status_code == 200
    app_conn.execute(text(queries.SET_PASSWORD), {"h": hash_password("Operator-2026"), "u": "aux5"})
    r = _sign_in(client, "aux5", "Operator-2026")
    assert r.status_code == 200 and r.json()["must_change_password"] is False
