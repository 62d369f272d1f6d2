"""数据质量: each check with a fixture defect → counted and listed; fixed → gone. Leaders get scores only."""
from datetime import timedelta

from sqlalchemy import text

from api.clock import china_today


def _board(client, headers, beat_id):
    r = client.get("/api/quality", params={"beat_id": beat_id}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _failing(board, code):
    return next(c["failing"] for c in board["checks"] if c["code"] == code)


def _items(client, headers, code, beat_id):
    r = client.get(f"/api/quality/{code}", params={"beat_id": beat_id}, headers=headers)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["items"]]


def _cycle(client, login, beat_id, code, defect_id, make_defect, fix):
    headers = login("officer1")
    before = _failing(_board(client, headers, beat_id), code)
    make_defect()
    assert _failing(_board(client, headers, beat_id), code) == before + 1
    assert defect_id() in _items(client, headers, code, beat_id)
    fix()
    assert _failing(_board(client, headers, beat_id), code) == before
    assert defect_id() not in _items(client, headers, code, beat_id)


def _household(app_conn, big_building):
    return app_conn.execute(text(
        "SELECT h.id, h.beat_id FROM household h WHERE h.building_id = :b AND EXISTS (SELECT 1 FROM person p "
        "WHERE p.household_id = h.id AND p.moved_out IS NULL) ORDER BY h.id LIMIT 1"),
        {"b": big_building["id"]}).first()


def test_organisation_checks(client, login, app_conn, empty_building, add_organisation):
    beat = empty_building["beat_id"]
    today = china_today()
    org = {}

    def add():
        org["id"] = add_organisation(empty_building["id"], person_in_charge=None,
                                     fire_check_on=today - timedelta(days=800))

    def fix_person():
        app_conn.execute(text("UPDATE organisation SET person_in_charge = '韩负责' WHERE id = :id"), {"id": org["id"]})

    _cycle(client, login, beat, "organisation_no_person_in_charge", lambda: org["id"], add, fix_person)
    headers = login("officer1")
    assert org["id"] in _items(client, headers, "organisation_no_employees", beat)
    assert org["id"] in _items(client, headers, "organisation_fire_check_overdue", beat)
    before = _board(client, headers, beat)
    app_conn.execute(text("INSERT INTO organisation_employee (organisation_id, name) VALUES (:o, '新员工')"),
                     {"o": org["id"]})
    app_conn.execute(text("UPDATE organisation SET fire_check_on = :d WHERE id = :id"),
                     {"d": today - timedelta(days=10), "id": org["id"]})
    after = _board(client, headers, beat)
    for code in ("organisation_no_employees", "organisation_fire_check_overdue"):
        assert _failing(after, code) == _failing(before, code) - 1
        assert org["id"] not in _items(client, headers, code, beat)


def test_household_without_head(client, login, app_conn, big_building):
    hh = _household(app_conn, big_building)
    heads = app_conn.execute(text("SELECT id FROM person WHERE household_id = :h AND relation_to_head = '户主'"),
                             {"h": hh.id}).scalars().all()
    any_person = app_conn.execute(text("SELECT min(id) FROM person WHERE household_id = :h AND moved_out IS NULL"),
                                  {"h": hh.id}).scalar()
    _cycle(client, login, hh.beat_id, "household_no_head", lambda: hh.id,
           lambda: app_conn.execute(text("UPDATE person SET relation_to_head = '其他' WHERE household_id = :h "
                                         "AND relation_to_head = '户主'"), {"h": hh.id}),
           lambda: app_conn.execute(text("UPDATE person SET relation_to_head = '户主' WHERE id = :id"),
                                    {"id": heads[0] if heads else any_person}))


def test_empty_room_without_vacancy_mark(client, login, app_conn, big_building):
    hh = _household(app_conn, big_building)
    _cycle(client, login, hh.beat_id, "room_unmarked_empty", lambda: hh.id,
           lambda: app_conn.execute(text("UPDATE person SET moved_out = current_date - 1 WHERE household_id = :h "
                                         "AND moved_out IS NULL"), {"h": hh.id}),
           lambda: app_conn.execute(text("UPDATE household SET kind = 'vacant' WHERE id = :h"), {"h": hh.id}))


def test_household_not_visited_in_a_year(client, login, app_conn, big_building):
    hh = _household(app_conn, big_building)
    officer = app_conn.execute(text("SELECT id FROM app_user WHERE username = 'officer1'")).scalar()
    _cycle(client, login, hh.beat_id, "household_not_visited", lambda: hh.id,
           lambda: app_conn.execute(text("UPDATE visit SET visited_at = visited_at - interval '3 years' "
                                         "WHERE household_id = :h"), {"h": hh.id}),
           lambda: app_conn.execute(text("INSERT INTO visit (household_id, user_id, visited_at) "
                                         "VALUES (:h, :u, now())"), {"h": hh.id, "u": officer}))


def test_building_without_address_code(client, login, app_conn, empty_building, add_organisation):
    add_organisation(empty_building["id"])
    code = app_conn.execute(text("SELECT std_address_code FROM building WHERE id = :b"),
                            {"b": empty_building["id"]}).scalar()
    _cycle(client, login, empty_building["beat_id"], "building_no_address_code", lambda: empty_building["id"],
           lambda: app_conn.execute(text("UPDATE building SET std_address_code = NULL WHERE id = :b"),
                                    {"b": empty_building["id"]}),
           lambda: app_conn.execute(text("UPDATE building SET std_address_code = :c WHERE id = :b"),
                                    {"b": empty_building["id"], "c": code or "TEST-STD-0001"}))


def test_likely_duplicate_persons(client, login, app_conn, big_building):
    from geo.idnumber import make

    first = app_conn.execute(text(
        "SELECT p.id, p.name, p.birth_date, p.gender, p.id_number, p.household_id, h.beat_id FROM person p "
        "JOIN household h ON h.id = p.household_id WHERE h.building_id = :b AND p.moved_out IS NULL "
        "ORDER BY p.id LIMIT 1"), {"b": big_building["id"]}).first()
    taken = set(app_conn.execute(text("SELECT id_number FROM person WHERE birth_date = :d"),
                                 {"d": first.birth_date}).scalars())
    twin = next(n for n in (make(first.id_number[:6], first.birth_date, s, first.gender) for s in range(400, 499))
                if n not in taken)
    headers = login("officer1")
    before = _failing(_board(client, headers, first.beat_id), "person_duplicate")
    twin_id = app_conn.execute(text(
        "INSERT INTO person (household_id, name, id_number, gender, birth_date, residency) "
        "VALUES (:h, :n, :i, :g, :d, 'registered') RETURNING id"),
        {"h": first.household_id, "n": first.name, "i": twin, "g": first.gender, "d": first.birth_date}).scalar()
    assert _failing(_board(client, headers, first.beat_id), "person_duplicate") == before + 2
    assert {first.id, twin_id} <= set(_items(client, headers, "person_duplicate", first.beat_id))
    app_conn.execute(text("UPDATE person SET moved_out = current_date WHERE id = :id"), {"id": twin_id})
    assert _failing(_board(client, headers, first.beat_id), "person_duplicate") == before
    assert first.id not in _items(client, headers, "person_duplicate", first.beat_id)


def test_scores_trend_and_snapshot(client, login, app_conn, officer1_beats):
    board = _board(client, login("officer1"), officer1_beats[0])
    assert board["goal"] == 0.95 and 0 <= board["score"] <= 1
    assert [b["id"] for b in board["beats"]] == [officer1_beats[0]]
    assert board["trend"] and board["trend"][-1]["score"] == board["score"]
    n = app_conn.execute(text("SELECT count(*) FROM quality_snapshot WHERE beat_id = :b"),
                         {"b": officer1_beats[0]}).scalar()
    assert n == len(board["checks"])


def test_leaders_get_scores_only(client, login, app_conn, officer1_beats):
    station = app_conn.execute(text("SELECT station_id FROM app_user WHERE username = 'chief'")).scalar()
    r = client.get("/api/quality", params={"station_id": station}, headers=login("leader"))
    assert r.status_code == 200, r.text
    assert r.json()["beats"]
    r = client.get("/api/quality/organisation_no_employees", headers=login("leader"))
    assert r.status_code == 403 and r.json()["code"] == "auth.capability_missing"


def test_scope_and_bad_input(client, login, app_conn, officer1_beats):
    other = app_conn.execute(text(
        "SELECT b.id FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published' "
        "WHERE NOT (b.id = ANY(:beats)) ORDER BY b.id LIMIT 1"), {"beats": officer1_beats}).scalar()
    headers = login("officer1")
    r = client.get("/api/quality", params={"beat_id": other}, headers=headers)
    assert r.status_code == 404 and r.json()["code"] == "quality.beat_not_in_scope"
    r = client.get("/api/quality/<script>", headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "quality.unknown_check"
