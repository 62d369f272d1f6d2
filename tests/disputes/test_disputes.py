"""Disputes: reporting in scope, the validated lifecycle (409 naming allowed moves), events, deadlines."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tests.conftest import scalar
from tests.visits.places import beat_of, household_in, household_outside, officer_elsewhere

FIRST_PERSON = """
SELECT id FROM person WHERE household_id = :household_id AND moved_out IS NULL ORDER BY id LIMIT 1
"""
CST = ZoneInfo("Asia/Shanghai")
AUDITED = "SELECT count(*) FROM audit_log WHERE action = :action AND object_id = :id"


@pytest.fixture()
def home(app_conn):
    """An occupied household in officer1's beat (with its building's point)."""
    return household_in(app_conn, beat_of(app_conn, "officer1"))


@pytest.fixture()
def neighbour(app_conn):
    return household_in(app_conn, beat_of(app_conn, "officer1"), nth=1)


@pytest.fixture()
def report(client, login, app_conn, home, neighbour):
    """report(grade=…, hours_ago=…) → a new dispute of officer1 with two parties."""

    def _report(grade: str = "yellow", hours_ago: float = 0.0, **extra) -> dict:
        person = scalar(app_conn, FIRST_PERSON, household_id=home.id)
        body = {
            "title": "邻里占用晒场纠纷", "category": "neighbour", "grade": grade,
            "location": {"lon": home.lon, "lat": home.lat}, "summary": "两户因晒场使用发生口角",
            "parties": [{"person_id": person, "side": "applicant"},
                        {"household_id": neighbour.id, "side": "respondent"}],
            **extra,
        }
        if hours_ago:
            body["reported_at"] = (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()
        r = client.post("/api/disputes", json=body, headers=login("officer1"))
        assert r.status_code == 201, r.text
        return r.json()

    return _report


def patch(client, login, dispute_id: int, **body):
    return client.patch(f"/api/disputes/{dispute_id}", json=body, headers=login("officer1"))


def event(client, login, dispute_id: int, kind: str, text_: str | None = "记录", **extra):
    body = {"kind": kind, "text": text_, **extra}
    return client.post(f"/api/disputes/{dispute_id}/events", json=body, headers=login("officer1"))


def test_report_derives_beat_and_masks_parties(client, login, app_conn, report, home):
    dispute = report()
    assert dispute["status"] == "open" and dispute["level"] == "village"
    assert dispute["beat_id"] == beat_of(app_conn, "officer1")
    assert dispute["lon"] == pytest.approx(home.lon) and dispute["lat"] == pytest.approx(home.lat)
    assert dispute["household_id"] == home.id
    assert len(dispute["parties"]) == 2
    person = next(p for p in dispute["parties"] if p["person_id"])
    assert "*" in person["id_number_masked"] and len(person["id_number_masked"]) == 18
    assert person["name"]
    assert dispute["events"][0]["kind"] == "status"
    assert dispute["allowed_transitions"] == ["mediating", "escalated"]
    assert scalar(app_conn, AUDITED, action="dispute.create", id=str(dispute["id"])) == 1


def test_location_outside_the_station_is_422(client, login, report):
    r = client.post("/api/disputes", headers=login("officer1"), json={
        "title": "x", "category": "debt", "grade": "green", "location": {"lon": 116.39, "lat": 39.91}})
    assert r.status_code == 422
    assert "outside the jurisdiction" in r.json()["detail"]


def test_swapped_location_is_422(client, login, home):
    r = client.post("/api/disputes", headers=login("officer1"), json={
        "title": "x", "category": "debt", "grade": "green", "location": {"lon": home.lat, "lat": home.lon}})
    assert r.status_code == 422
    assert "[lat, lon]" in r.json()["detail"]


def test_location_in_another_beat_is_refused(client, login, app_conn):
    elsewhere = household_outside(app_conn, "officer1")
    r = client.post("/api/disputes", headers=login("officer1"), json={
        "title": "x", "category": "debt", "grade": "green",
        "location": {"lon": elsewhere.lon, "lat": elsewhere.lat}})
    assert r.status_code == 403
    assert "not one of your beats" in r.json()["detail"]


def test_a_party_outside_the_beats_is_404(client, login, app_conn, home):
    elsewhere = household_outside(app_conn, "officer1")
    r = client.post("/api/disputes", headers=login("officer1"), json={
        "title": "x", "category": "debt", "grade": "green", "location": {"lon": home.lon, "lat": home.lat},
        "parties": [{"household_id": elsewhere.id, "side": "respondent"}]})
    assert r.status_code == 404


def test_party_needs_exactly_one_of_person_or_household(client, login, home):
    r = client.post("/api/disputes", headers=login("officer1"), json={
        "title": "x", "category": "debt", "grade": "green", "location": {"lon": home.lon, "lat": home.lat},
        "parties": [{"side": "respondent"}]})
    assert r.status_code == 422


def test_full_lifecycle_with_return_visit(client, login, report):
    d = report(grade="yellow")
    assert patch(client, login, d["id"], status="mediating").json()["status"] == "mediating"
    r = event(client, login, d["id"], "agreement", "签订调解协议书")
    assert r.status_code == 201 and r.json()["agreement_signed"] is True
    resolved = patch(client, login, d["id"], status="resolved").json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    resolved_day = datetime.fromisoformat(resolved["resolved_at"]).astimezone(CST).date()
    assert resolved["next_return_visit"] == (resolved_day + timedelta(days=15)).isoformat()
    # closing before the return visit: 409 naming what is allowed
    r = patch(client, login, d["id"], status="closed")
    assert r.status_code == 409
    assert r.json()["allowed"] == ["mediating"]
    assert "return visit" in r.json()["detail"] and "mediating" in r.json()["detail"]
    assert r.json()["code"] == "dispute.close_needs_return_visit"
    assert r.json()["params"] == {"from": "resolved", "to": "closed", "level": "village", "allowed": ["mediating"]}
    r = event(client, login, d["id"], "return_visit", "回访：双方履行协议")
    assert r.status_code == 201 and r.json()["next_return_visit"] is None
    assert "closed" in r.json()["allowed_transitions"]
    closed = patch(client, login, d["id"], status="closed").json()
    assert closed["status"] == "closed" and closed["closed_at"] and closed["allowed_transitions"] == []
    kinds = [e["kind"] for e in closed["events"]]
    assert kinds == ["status", "status", "agreement", "status", "return_visit", "status"]


@pytest.mark.parametrize(("moves", "target", "allowed"), [
    ([], "resolved", ["mediating", "escalated"]),
    ([], "closed", ["mediating", "escalated"]),
    (["mediating"], "open", ["resolved", "escalated"]),
    (["mediating", "resolved"], "escalated", ["mediating"]),
    (["escalated"], "resolved", ["mediating"]),
])
def test_invalid_transitions_are_409_naming_the_allowed_ones(client, login, report, moves, target, allowed):
    d = report()
    for move in moves:
        assert patch(client, login, d["id"], status=move).status_code == 200
    r = patch(client, login, d["id"], status=target)
    assert r.status_code == 409
    assert r.json()["allowed"] == allowed
    for name in allowed:
        assert name in r.json()["detail"]


def test_escalation_raises_the_level_up_to_county(client, login, report):
    d = report(grade="orange")
    r = patch(client, login, d["id"], status="escalated")
    assert (r.json()["status"], r.json()["level"]) == ("escalated", "station")
    assert r.json()["first_response_at"]
    r = patch(client, login, d["id"], status="mediating")
    assert (r.json()["status"], r.json()["level"]) == ("mediating", "station")
    r = event(client, login, d["id"], "escalation", "移交县级联调")
    assert r.status_code == 201
    assert (r.json()["status"], r.json()["level"]) == ("escalated", "county")
    patch(client, login, d["id"], status="mediating")
    r = patch(client, login, d["id"], status="escalated")
    assert r.status_code == 409
    assert "county" in r.json()["detail"] and r.json()["allowed"] == ["resolved"]
    assert "escalation" not in client.get(f"/api/disputes/{d['id']}", headers=login("officer1")).json()[
        "allowed_events"]


def test_reopening_a_resolved_dispute_clears_the_schedule(client, login, report):
    d = report()
    patch(client, login, d["id"], status="mediating")
    patch(client, login, d["id"], status="resolved")
    r = patch(client, login, d["id"], status="mediating", note="协议未履行")
    assert r.status_code == 200
    assert r.json()["resolved_at"] is None and r.json()["next_return_visit"] is None
    assert r.json()["events"][-1]["text"] == "resolved → mediating: 协议未履行"


def test_events_are_checked_against_the_status(client, login, report):
    d = report()
    r = event(client, login, d["id"], "return_visit")
    assert r.status_code == 409
    assert r.json()["allowed_events"] == ["mediation", "escalation", "note"]
    assert event(client, login, d["id"], "agreement").status_code == 409
    assert event(client, login, d["id"], "note", "").status_code == 422
    assert event(client, login, d["id"], "status").status_code == 422


def test_a_mediation_session_on_an_open_dispute_starts_mediation(client, login, report):
    d = report(grade="red", hours_ago=3)
    r = event(client, login, d["id"], "mediation", "现场调解")
    assert r.status_code == 201
    assert r.json()["status"] == "mediating" and r.json()["first_response_at"]
    assert r.json()["events"][-2]["kind"] == "mediation" and r.json()["events"][-1]["kind"] == "status"


def test_event_times_cannot_be_in_the_future_or_before_the_report(client, login, report):
    d = report(hours_ago=5)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert event(client, login, d["id"], "note", "x", at=later).status_code == 422
    earlier = (datetime.now(UTC) - timedelta(hours=6)).isoformat()
    assert event(client, login, d["id"], "note", "x", at=earlier).status_code == 422


@pytest.mark.parametrize(("grade", "hours_ago", "overdue"), [
    ("red", 23, False), ("red", 25, True),
    ("orange", 71, False), ("orange", 73, True),
    ("yellow", 167, False), ("yellow", 169, True),
    ("green", 359, False), ("green", 361, True),
])
def test_first_response_limits_per_grade(client, login, report, grade, hours_ago, overdue):
    d = report(grade=grade, hours_ago=hours_ago)
    assert d["overdue_response"] is overdue
    assert d["overdue"] is overdue
    due = datetime.fromisoformat(d["response_due_at"]) - datetime.fromisoformat(d["reported_at"])
    assert due == timedelta(hours={"red": 24, "orange": 72, "yellow": 168, "green": 360}[grade])


def test_a_response_clears_the_overdue_flag(client, login, report):
    d = report(grade="red", hours_ago=30)
    assert d["overdue_response"] is True
    r = patch(client, login, d["id"], status="mediating")
    assert r.json()["overdue_response"] is False


def test_mediation_longer_than_30_days_is_overdue(client, login, report):
    d = report(grade="green", hours_ago=31 * 24)
    patch(client, login, d["id"], status="mediating")
    r = client.get(f"/api/disputes/{d['id']}", headers=login("officer1")).json()
    assert r["overdue_resolution"] is True and r["overdue_response"] is False


def test_a_missed_return_visit_is_overdue(client, login, app_conn, report):
    d = report()
    patch(client, login, d["id"], status="mediating")
    patch(client, login, d["id"], status="resolved")
    app_conn.execute(text("UPDATE dispute SET next_return_visit = current_date - 1 WHERE id = :id"),
                     {"id": d["id"]})
    r = client.get(f"/api/disputes/{d['id']}", headers=login("officer1")).json()
    assert r["overdue_return_visit"] is True and r["overdue"] is True


def test_list_filters_and_points(client, login, report):
    late = report(grade="red", hours_ago=30)
    fresh = report(grade="green")
    headers = login("officer1")
    listed = client.get("/api/disputes", params={"overdue": "true", "limit": 1000}, headers=headers).json()
    ids = {d["id"] for d in listed["disputes"]}
    assert late["id"] in ids and fresh["id"] not in ids
    assert all(d["overdue"] for d in listed["disputes"])
    reds = client.get("/api/disputes", params={"grade": "red,orange", "status": "open", "limit": 1000},
                      headers=headers).json()
    assert all(d["grade"] in ("red", "orange") and d["status"] == "open" for d in reds["disputes"])
    assert late["id"] in {d["id"] for d in reds["disputes"]}
    assert all(isinstance(d["lon"], float) and isinstance(d["lat"], float) for d in reds["disputes"])
    assert client.get("/api/disputes", params={"grade": "purple"}, headers=headers).status_code == 422


def test_list_is_scoped_to_the_users_beats(client, login, app_conn, report):
    d = report()
    beat = beat_of(app_conn, "officer1")
    listed = client.get("/api/disputes", params={"limit": 1000}, headers=login("officer1")).json()
    assert {x["beat_id"] for x in listed["disputes"]} == {beat}
    other = officer_elsewhere(app_conn, beat)
    theirs = client.get("/api/disputes", params={"limit": 1000}, headers=login(other)).json()
    assert d["id"] not in {x["id"] for x in theirs["disputes"]}


def test_another_beats_officer_gets_404(client, login, app_conn, report):
    d = report()
    other = login(officer_elsewhere(app_conn, beat_of(app_conn, "officer1")))
    assert client.get(f"/api/disputes/{d['id']}", headers=other).status_code == 404
    r = client.patch(f"/api/disputes/{d['id']}", json={"status": "mediating"}, headers=other)
    assert r.status_code == 404
    r = client.post(f"/api/disputes/{d['id']}/events", json={"kind": "note", "text": "x"}, headers=other)
    assert r.status_code == 404


def test_the_chief_sees_every_beat_and_aggregate_roles_do_not(client, login, report):
    d = report()
    assert client.get(f"/api/disputes/{d['id']}", headers=login("chief")).status_code == 200
    for username in ("leader", "planner"):
        assert client.get("/api/disputes", headers=login(username)).status_code == 403
        assert client.get(f"/api/disputes/{d['id']}", headers=login(username)).status_code == 403


def test_regrading_and_details(client, login, report):
    d = report(grade="green", hours_ago=30)
    r = patch(client, login, d["id"], grade="red", title="晒场纠纷升级")
    assert r.status_code == 200
    assert r.json()["grade"] == "red" and r.json()["overdue_response"] is True
    assert patch(client, login, d["id"], level="county").status_code == 422


# grid1 made a member of officer1's beat (if the seed has not), in the test's rolled-back transaction
GRID_MEMBER = """
INSERT INTO beat_member (beat_id, user_id, duty)
SELECT :beat_id, u.id, 'grid_member' FROM app_user u WHERE u.username = 'grid1'
ON CONFLICT ON CONSTRAINT uq_beat_member DO NOTHING
"""


def test_grid_members_report_and_mediate_but_do_not_resolve(client, login, app_conn, report):
    app_conn.execute(text(GRID_MEMBER), {"beat_id": beat_of(app_conn, "officer1")})
    d = report()
    headers = login("grid1")
    mediation = {"kind": "mediation", "text": "调解"}
    r = client.post(f"/api/disputes/{d['id']}/events", json=mediation, headers=headers)
    assert r.status_code == 201 and r.json()["status"] == "mediating"
    r = client.patch(f"/api/disputes/{d['id']}", json={"status": "resolved"}, headers=headers)
    assert r.status_code == 403


def test_outsider_parties_and_parties_added_later(client, login, app_conn, report, home):
    """Issue 19: applicant and respondent from the register or from outside it (name + phone)."""
    d = report(parties=[{"household_id": home.id, "side": "applicant"},
                        {"name": " 外村王五 ", "phone": "13800001111", "side": "respondent"}])
    outsider = [p for p in d["parties"] if p["outsider"]]
    assert [(p["name"], p["side"], p["phone_masked"]) for p in outsider] == [("外村王五", "respondent", "138****1111")]
    person = scalar(app_conn, FIRST_PERSON, household_id=home.id)
    r = client.post(f"/api/disputes/{d['id']}/parties", json={"person_id": person, "side": "third_party"},
                    headers=login("officer1"))
    assert r.status_code == 201, r.text
    added = r.json()
    assert any(p["person_id"] == person and p["side"] == "third_party" for p in added["parties"])
    assert added["events"][-1]["kind"] == "correction"
    assert scalar(app_conn, AUDITED, action="dispute.party", id=str(d["id"])) == 1
    elsewhere = household_outside(app_conn, "officer1")
    for body, status in (({"household_id": elsewhere.id, "side": "respondent"}, 404),
                         ({"name": "张三", "person_id": person}, 422), ({"phone": "13800001111"}, 422),
                         ({"name": "<img src=x>", "phone": "not a phone"}, 422), ({"name": "   "}, 422)):
        bad = client.post(f"/api/disputes/{d['id']}/parties", json=body, headers=login("officer1"))
        assert bad.status_code == status, (body, bad.text)
    parties = scalar(app_conn, "SELECT count(*) FROM dispute_party WHERE dispute_id = :d", d=d["id"])
    assert parties == 3


def test_grade_and_title_edits_keep_their_history(client, login, report):
    d = report(grade="yellow")
    r = patch(client, login, d["id"], grade="red", title="邻里占用晒场纠纷（升级）")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["grade"] == "red" and body["title"] == "邻里占用晒场纠纷（升级）"
    (correction,) = [e for e in body["events"] if e["kind"] == "correction"]
    import json

    assert json.loads(correction["text"]) == {"grade": ["yellow", "red"],
                                              "title": ["邻里占用晒场纠纷", "邻里占用晒场纠纷（升级）"]}
    same = patch(client, login, d["id"], grade="red").json()  # no change: no new history entry
    assert sum(e["kind"] == "correction" for e in same["events"]) == 1
