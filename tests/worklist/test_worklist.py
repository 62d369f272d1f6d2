"""GET /api/worklist on the seeded district, and the officer's month against the targets."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.conftest import scalar
from tests.visits.places import USER_BEATS, beat_of, household_in

KEY_TAGS = ["key_person", "elderly_alone", "left_behind_child"]

HOUSEHOLDS_DUE = """
SELECT count(*) FROM household h
WHERE h.beat_id = ANY(CAST(:beats AS int[])) AND h.kind <> 'vacant'
  AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id
                  AND v.visited_at >= now() - make_interval(days => :days))
"""

KEY_PERSONS_DUE = """
SELECT count(*) FROM person p JOIN household h ON h.id = p.household_id
WHERE h.beat_id = ANY(CAST(:beats AS int[])) AND p.moved_out IS NULL AND p.tags && CAST(:tags AS text[])
  AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id
                  AND v.visited_at >= date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai')
                                       AT TIME ZONE 'Asia/Shanghai')
"""

KEY_HOUSEHOLD = """
SELECT h.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat FROM household h
JOIN building b ON b.id = h.building_id
WHERE h.beat_id = ANY(CAST(:beats AS int[]))
  AND EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL
              AND p.tags && CAST(:tags AS text[]))
  AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id AND v.user_id =
                  (SELECT id FROM app_user WHERE username = 'officer1')
                  AND v.visited_at >= date_trunc('month', now()))
ORDER BY h.id LIMIT 1
"""


def beats(conn, username: str = "officer1") -> list[int]:
    return conn.execute(text(USER_BEATS), {"username": username}).scalar()


def visit(client, headers, household_id: int, lon: float, lat: float) -> dict:
    r = client.post("/api/visits", headers=headers, json={
        "household_id": household_id, "checklist": {"verify_residents": True, "ask_key_groups": True},
        "location": {"lon": lon, "lat": lat},
    })
    assert r.status_code == 201, r.text
    return r.json()


def worklist(client, headers, **params) -> dict:
    r = client.get("/api/worklist", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_households_due_match_the_database(client, login, app_conn):
    listed = worklist(client, login("officer1"), section="households_due", limit=500)
    section = listed["households_due"]
    assert set(listed) == {"beats", "households_due"}
    assert section["total"] == scalar(app_conn, HOUSEHOLDS_DUE, beats=beats(app_conn), days=90)
    assert section["total"] > 0
    items = section["items"]
    assert len(items) == min(500, section["total"])
    cutoff = datetime.now(UTC) - timedelta(days=90)
    seen_visited = False
    for item in items:  # never visited first, then the longest ago
        if item["last_visited_at"] is None:
            assert not seen_visited
        else:
            seen_visited = True
            assert datetime.fromisoformat(item["last_visited_at"]) < cutoff
        assert 73 < item["lon"] < 135 and 18 < item["lat"] < 54


def test_a_visit_takes_the_household_off_the_list(client, login):
    headers = login("officer1")
    before = worklist(client, headers, section="households_due", limit=5)["households_due"]
    first = before["items"][0]
    visit(client, headers, first["household_id"], first["lon"], first["lat"])
    after = worklist(client, headers, section="households_due", limit=5)["households_due"]
    assert after["total"] == before["total"] - 1
    assert first["household_id"] not in {i["household_id"] for i in after["items"]}


def test_a_shorter_interval_lists_more(client, login):
    headers = login("officer1")
    ninety = worklist(client, headers, section="households_due", limit=1)["households_due"]["total"]
    thirty = worklist(client, headers, section="households_due", days=30, limit=1)["households_due"]["total"]
    assert thirty >= ninety


def test_pages_do_not_overlap(client, login):
    headers = login("officer1")
    one = worklist(client, headers, section="households_due", limit=10)["households_due"]["items"]
    two = worklist(client, headers, section="households_due", limit=10, offset=10)["households_due"]["items"]
    assert not {i["household_id"] for i in one} & {i["household_id"] for i in two}


def test_key_persons_due_this_month(client, login, app_conn):
    headers = login("officer1")
    section = worklist(client, headers, section="key_persons_due", limit=500)["key_persons_due"]
    assert section["total"] == scalar(app_conn, KEY_PERSONS_DUE, beats=beats(app_conn), tags=KEY_TAGS)
    for item in section["items"]:
        assert set(item["tags"]) & set(KEY_TAGS)
        assert item["lon"] and item["lat"]
    if section["items"]:
        person = section["items"][0]
        visit(client, headers, person["household_id"], person["lon"], person["lat"])
        after = worklist(client, headers, section="key_persons_due", limit=500)["key_persons_due"]
        assert person["person_id"] not in {i["person_id"] for i in after["items"]}
        assert after["total"] < section["total"]


def _report(client, headers, home, grade: str, hours_ago: float) -> dict:
    r = client.post("/api/disputes", headers=headers, json={
        "title": "宅基地地畔纠纷", "category": "land", "grade": grade,
        "location": {"lon": home.lon, "lat": home.lat},
        "reported_at": (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()})
    assert r.status_code == 201, r.text
    return r.json()


def test_disputes_overdue_and_grave_are_listed(client, login, app_conn):
    headers = login("officer1")
    home = household_in(app_conn, beat_of(app_conn, "officer1"))
    late_red = _report(client, headers, home, "red", 30)
    fresh_green = _report(client, headers, home, "green", 1)
    fresh_orange = _report(client, headers, home, "orange", 1)
    listed = worklist(client, headers, limit=500)
    due = {d["id"] for d in listed["disputes_due"]["items"]}
    grave = {d["id"] for d in listed["disputes_red_orange"]["items"]}
    assert late_red["id"] in due and fresh_green["id"] not in due and fresh_orange["id"] not in due
    assert {late_red["id"], fresh_orange["id"]} <= grave and fresh_green["id"] not in grave
    assert all(d["grade"] in ("red", "orange") and d["status"] in ("open", "mediating", "escalated")
               for d in listed["disputes_red_orange"]["items"])
    assert all(isinstance(d["lon"], float) for d in listed["disputes_due"]["items"])


def due_ids(client, headers) -> set[int]:
    section = worklist(client, headers, section="disputes_due", limit=500)["disputes_due"]
    return {x["id"] for x in section["items"]}


def test_a_return_visit_due_today_is_listed(client, login, app_conn):
    headers = login("officer1")
    home = household_in(app_conn, beat_of(app_conn, "officer1"))
    d = _report(client, headers, home, "yellow", 2)
    client.patch(f"/api/disputes/{d['id']}", json={"status": "mediating"}, headers=headers)
    client.patch(f"/api/disputes/{d['id']}", json={"status": "resolved"}, headers=headers)
    due = due_ids(client, headers)
    assert d["id"] not in due  # scheduled 15 days ahead
    app_conn.execute(text("UPDATE dispute SET next_return_visit = (now() AT TIME ZONE 'Asia/Shanghai')::date "
                          "WHERE id = :id"), {"id": d["id"]})
    due = due_ids(client, headers)
    assert d["id"] in due


def test_scope_of_the_worklist(client, login, app_conn):
    me = worklist(client, login("officer1"), section="disputes_due")
    assert me["beats"] == client.get("/api/me", headers=login("officer1")).json()["beats"]
    r = client.get("/api/worklist", params={"beat": "NO-SUCH-BEAT"}, headers=login("officer1"))
    assert r.status_code == 404
    chief = worklist(client, login("chief"), section="households_due", limit=1)
    assert len(chief["beats"]) >= len(me["beats"])
    for username in ("leader", "planner", "admin"):
        assert client.get("/api/worklist", headers=login(username)).status_code == 403
        assert client.get("/api/worklist/month", headers=login(username)).status_code == 403


def test_the_worklist_read_is_audited(client, login, app_conn):
    worklist(client, login("officer1"), section="key_persons_due")
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'worklist.read'") >= 1


def test_officer_month_counts_against_the_targets(client, login, app_conn, settings):
    headers = login("officer1")
    before = client.get("/api/worklist/month", headers=headers).json()
    assert before["households_visited"]["target"] == settings.monthly_visit_target == 30
    assert before["key_persons_visited"]["target"] == settings.monthly_key_person_target == 1
    key_home = app_conn.execute(text(KEY_HOUSEHOLD), {"beats": beats(app_conn), "tags": KEY_TAGS}).one()
    visit(client, headers, key_home.id, key_home.lon, key_home.lat)
    after = client.get("/api/worklist/month", headers=headers).json()
    assert after["visits"] == before["visits"] + 1
    assert after["households_visited"]["count"] == before["households_visited"]["count"] + 1
    assert after["key_persons_visited"]["count"] > before["key_persons_visited"]["count"]
    assert after["key_persons_visited"]["met"] is True
    assert after["households_visited"]["met"] is (after["households_visited"]["count"] >= 30)
    for field in ("disputes_mediated", "information_collected", "floating_registered", "vehicles_registered"):
        assert isinstance(after[field], int)


def test_a_mediation_counts_in_the_month(client, login, app_conn):
    headers = login("officer1")
    before = client.get("/api/worklist/month", headers=headers).json()["disputes_mediated"]
    home = household_in(app_conn, beat_of(app_conn, "officer1"))
    d = _report(client, headers, home, "green", 1)
    mediation = {"kind": "mediation", "text": "调解"}
    client.post(f"/api/disputes/{d['id']}/events", json=mediation, headers=headers)
    assert client.get("/api/worklist/month", headers=headers).json()["disputes_mediated"] == before + 1


def test_a_past_month_and_a_bad_month(client, login):
    headers = login("officer1")
    last_year = client.get("/api/worklist/month", params={"month": "2025-12"}, headers=headers)
    assert last_year.status_code == 200 and last_year.json()["month"] == "2025-12"
    assert client.get("/api/worklist/month", params={"month": "2026-13"}, headers=headers).status_code == 422
    assert client.get("/api/worklist/month", params={"month": "26-1"}, headers=headers).status_code == 422


def test_sorting_pages_through_every_due_household(client, login, app_conn):
    """All due items are reachable: pages of a sorted list cover the total with no repeats (issue 19)."""
    headers = login("officer1")
    first = worklist(client, headers, section="households_due", sort="address", limit=200)
    total = first["households_due"]["total"]
    assert total > 200
    seen, offset = [], 0
    while offset < total:
        page = worklist(client, headers, section="households_due", sort="address", limit=500, offset=offset)
        seen += page["households_due"]["items"]
        offset += 500
    assert len(seen) == total == len({i["household_id"] for i in seen})
    addresses = [i["address"] for i in seen]  # sorted by the database's collation: each address one block
    blocks = [a for k, a in enumerate(addresses) if k == 0 or addresses[k - 1] != a]
    assert len(blocks) == len(set(addresses))
    by_beat = worklist(client, headers, section="households_due", sort="beat", limit=500)["households_due"]
    codes = [i["beat_code"] for i in by_beat["items"]]
    assert codes == sorted(codes)
    due = worklist(client, headers, section="households_due", limit=50)["households_due"]["items"]
    stamps = [i["last_visited_at"] or "" for i in due]
    assert stamps == sorted(stamps)  # never visited first, then the oldest visit
    bad = client.get("/api/worklist", params={"sort": "salary"}, headers=headers)
    assert bad.status_code == 422


def test_key_person_tags_are_a_setting_and_each_row_says_why(client, login, app_conn):
    officer, admin = login("officer1"), login("admin")
    setting = client.get("/api/settings/key-person-tags", headers=officer).json()
    assert set(setting["tags"]) == set(KEY_TAGS) and "disabled" in setting["available"]
    listed = worklist(client, officer, section="key_persons_due", limit=500)["key_persons_due"]
    assert set(listed["key_tags"]) == set(KEY_TAGS)
    for item in listed["items"]:
        assert item["reason_tags"] and set(item["reason_tags"]) <= set(KEY_TAGS) & set(item["tags"])

    # an officer may not change it; the admin may, and the worklist follows on the next request
    audits = "SELECT count(*) FROM audit_log WHERE action = 'settings.key_person_tags'"
    before = scalar(app_conn, audits)  # the e2e tests share this database and may have changed it too
    denied = client.put("/api/settings/key-person-tags", json={"tags": ["disabled"]}, headers=officer)
    assert denied.status_code == 403
    r = client.put("/api/settings/key-person-tags", json={"tags": ["disabled", "veteran"]}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["tags"] == ["disabled", "veteran"]
    after = worklist(client, officer, section="key_persons_due", limit=500)["key_persons_due"]
    assert after["key_tags"] == ["disabled", "veteran"]
    want = scalar(app_conn, KEY_PERSONS_DUE, beats=beats(app_conn), tags=["disabled", "veteran"])
    assert after["total"] == want > 0
    assert all(set(i["reason_tags"]) <= {"disabled", "veteran"} and i["reason_tags"] for i in after["items"])
    assert scalar(app_conn, audits) == before + 1

    for body, code in (({"tags": []}, "settings.no_tag"), ({"tags": ["<b>x</b>"]}, "settings.unknown_tag")):
        bad = client.put("/api/settings/key-person-tags", json=body, headers=admin)
        assert bad.status_code == 422 and bad.json()["code"] == code, bad.text
    assert client.put("/api/settings/key-person-tags", json={"tags": ["x"], "more": 1},
                      headers=admin).status_code == 422


def test_a_dispute_without_a_location_is_listed_at_its_household(client, login, app_conn):
    """dispute.location is nullable (an import, an old row): the worklist, the list and the detail answer 200,
    the point is the household's building; with no household either, lon/lat are null."""
    headers = login("officer1")
    home = household_in(app_conn, beat_of(app_conn, "officer1"))
    at_home = _report(client, headers, home, "red", 30)
    nowhere = _report(client, headers, home, "red", 30)
    app_conn.execute(text("UPDATE dispute SET location = NULL, household_id = :h WHERE id = :a"),
                     {"a": at_home["id"], "h": home.id})
    app_conn.execute(text("UPDATE dispute SET location = NULL, household_id = NULL WHERE id = :b"),
                     {"b": nowhere["id"]})
    building = (home.lon, home.lat)
    listed = worklist(client, headers, limit=500)
    for section in ("disputes_due", "disputes_red_orange"):
        items = {d["id"]: d for d in listed[section]["items"]}
        assert (items[at_home["id"]]["lon"], items[at_home["id"]]["lat"]) == pytest.approx(tuple(building))
        assert items[nowhere["id"]]["lon"] is None and items[nowhere["id"]]["lat"] is None
    r = client.get("/api/disputes", params={"limit": 1000}, headers=headers)
    assert r.status_code == 200, r.text
    assert {at_home["id"], nowhere["id"]} <= {d["id"] for d in r.json()["disputes"]}
    for d in (at_home, nowhere):
        r = client.get(f"/api/disputes/{d['id']}", headers=headers)
        assert r.status_code == 200, r.text
        r = client.patch(f"/api/disputes/{d['id']}", json={"status": "mediating"}, headers=headers)
        assert r.status_code == 200, r.text
