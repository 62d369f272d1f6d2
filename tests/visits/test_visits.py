"""POST/PATCH/GET visits: checklist, GPS distance check, future times, the 24 h edit window, scope."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from api.visits.models import CHECKLIST_ITEMS
from tests.conftest import scalar
from tests.visits.places import (
    beat_of,
    household_in,
    household_outside,
    other_member,
    point_from_building,
)


@pytest.fixture()
def home(app_conn):
    """An occupied household in officer1's beat."""
    return household_in(app_conn, beat_of(app_conn, "officer1"))


def audit_count(conn, action: str, object_id) -> int:
    sql = "SELECT count(*) FROM audit_log WHERE action = :action AND object_id = :id"
    return scalar(conn, sql, action=action, id=str(object_id))


def backdate(conn, visit_id: int, age: str) -> None:
    """Make the visit look recorded `age` ago (inside the test's transaction)."""
    conn.execute(text("UPDATE visit SET created_at = now() - CAST(:age AS interval) WHERE id = :id"),
                 {"age": age, "id": visit_id})


def visit_body(household, **overrides) -> dict:
    body = {
        "household_id": household.id,
        "visited_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
        "checklist": {"verify_hukou": True, "verify_residents": True, "ask_disputes": True,
                      "explain_fraud": False},
        "notes": "核实户籍，宣传防诈骗",
        "follow_up": False,
        "location": {"lon": household.lon, "lat": household.lat, "accuracy_m": 8},
    }
    body.update(overrides)
    return body


def test_record_a_visit_at_the_building(client, login, app_conn, home):
    r = client.post("/api/visits", json=visit_body(home), headers=login("officer1"))
    assert r.status_code == 201, r.text
    visit = r.json()
    assert visit["household_id"] == home.id
    assert visit["distance_m"] == pytest.approx(0, abs=1)
    assert visit["flagged_far"] is False
    assert set(visit["checklist"]) == set(CHECKLIST_ITEMS)
    assert visit["checklist"]["verify_hukou"] is True and visit["checklist"]["explain_drugs"] is False
    assert visit["checklist_done"] == 3
    assert visit["editable"] is True
    assert visit["location"]["accuracy_m"] == 8
    assert audit_count(app_conn, "visit.create", visit["id"]) == 1


def test_a_visit_300_m_away_is_flagged_and_100_m_is_not(client, login, app_conn, home):
    far = point_from_building(app_conn, home.building_id, 300)
    near = point_from_building(app_conn, home.building_id, 100)
    headers = login("officer1")
    r = client.post("/api/visits", headers=headers,
                    json=visit_body(home, location={"lon": far.lon, "lat": far.lat}))
    assert r.status_code == 201, r.text
    assert r.json()["distance_m"] == pytest.approx(far.distance_m, abs=0.5)
    assert r.json()["distance_m"] > 200
    assert r.json()["flagged_far"] is True
    r = client.post("/api/visits", headers=headers,
                    json=visit_body(home, location={"lon": near.lon, "lat": near.lat}))
    assert r.json()["distance_m"] == pytest.approx(near.distance_m, abs=0.5)
    assert r.json()["flagged_far"] is False


def test_a_visit_without_gps_is_stored_unmeasured(client, login, home):
    r = client.post("/api/visits", json=visit_body(home, location=None), headers=login("officer1"))
    assert r.status_code == 201
    assert r.json()["distance_m"] is None and r.json()["flagged_far"] is False


def test_unknown_checklist_item_is_422_naming_it(client, login, home):
    body = visit_body(home, checklist={"verify_hukou": True, "check_pets": True})
    r = client.post("/api/visits", json=body, headers=login("officer1"))
    assert r.status_code == 422
    assert "check_pets" in r.json()["detail"]


def test_checklist_values_must_be_booleans(client, login, home):
    r = client.post("/api/visits", json=visit_body(home, checklist={"verify_hukou": "yes"}),
                    headers=login("officer1"))
    assert r.status_code == 422


@pytest.mark.parametrize(("lon", "lat", "words"), [
    (37.45, 118.02, "[lat, lon]"),
    (218.0, 37.4, "out of range"),
    (118.0, 97.0, "out of range"),
])
def test_bad_positions_are_422_with_the_reason(client, login, home, lon, lat, words):
    r = client.post("/api/visits", json=visit_body(home, location={"lon": lon, "lat": lat}),
                    headers=login("officer1"))
    assert r.status_code == 422
    assert words in r.json()["detail"]


def test_a_visit_in_the_future_is_422(client, login, home):
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    r = client.post("/api/visits", json=visit_body(home, visited_at=later), headers=login("officer1"))
    assert r.status_code == 422
    assert "future" in r.json()["detail"]


def test_a_few_minutes_of_clock_drift_is_accepted(client, login, home):
    soon = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    r = client.post("/api/visits", json=visit_body(home, visited_at=soon), headers=login("officer1"))
    assert r.status_code == 201


def test_household_outside_the_beats_is_404(client, login, app_conn):
    elsewhere = household_outside(app_conn, "officer1")
    r = client.post("/api/visits", json=visit_body(elsewhere), headers=login("officer1"))
    assert r.status_code == 404
    r = client.get(f"/api/households/{elsewhere.id}/visits", headers=login("officer1"))
    assert r.status_code == 404


def test_aggregate_roles_are_403(client, login, home):
    for username in ("leader", "planner"):
        r = client.post("/api/visits", json=visit_body(home), headers=login(username))
        assert r.status_code == 403


def test_history_is_newest_first(client, login, home):
    headers = login("officer1")
    now = datetime.now(UTC)
    for hours in (50, 2, 26):
        body = visit_body(home, visited_at=(now - timedelta(hours=hours)).isoformat())
        assert client.post("/api/visits", json=body, headers=headers).status_code == 201
    r = client.get(f"/api/households/{home.id}/visits", headers=headers)
    assert r.status_code == 200
    times = [v["visited_at"] for v in r.json()["visits"]]
    assert times == sorted(times, reverse=True)
    assert r.json()["total"] >= 3
    newest = datetime.fromisoformat(times[0])
    assert abs((newest - (now - timedelta(hours=2))).total_seconds()) < 1


def test_author_corrects_within_24_h_and_distance_is_remeasured(client, login, app_conn, home):
    headers = login("officer1")
    visit = client.post("/api/visits", json=visit_body(home), headers=headers).json()
    far = point_from_building(app_conn, home.building_id, 300)
    r = client.patch(f"/api/visits/{visit['id']}", headers=headers, json={
        "notes": "补充：邻里纠纷已记录", "checklist": {"explain_drugs": True},
        "location": {"lon": far.lon, "lat": far.lat},
    })
    assert r.status_code == 200, r.text
    assert r.json()["notes"] == "补充：邻里纠纷已记录"
    assert r.json()["checklist"]["explain_drugs"] is True
    assert r.json()["flagged_far"] is True
    assert audit_count(app_conn, "visit.update", visit["id"]) == 1


def test_after_24_h_a_visit_is_read_only(client, login, app_conn, home):
    headers = login("officer1")
    visit = client.post("/api/visits", json=visit_body(home), headers=headers).json()
    backdate(app_conn, visit["id"], "25 hours")
    r = client.patch(f"/api/visits/{visit['id']}", json={"notes": "too late"}, headers=headers)
    assert r.status_code == 409
    assert "24 h" in r.json()["detail"] and "read-only" in r.json()["detail"]
    assert client.get(f"/api/visits/{visit['id']}", headers=headers).json()["editable"] is False


def test_just_inside_the_window_is_still_editable(client, login, app_conn, home):
    headers = login("officer1")
    visit = client.post("/api/visits", json=visit_body(home), headers=headers).json()
    backdate(app_conn, visit["id"], "23 hours 50 minutes")
    r = client.patch(f"/api/visits/{visit['id']}", json={"follow_up": True}, headers=headers)
    assert r.status_code == 200


def test_only_the_author_may_correct(client, login, app_conn, home):
    visit = client.post("/api/visits", json=visit_body(home), headers=login("officer1")).json()
    colleague = other_member(app_conn, beat_of(app_conn, "officer1"), "officer1")
    r = client.patch(f"/api/visits/{visit['id']}", json={"notes": "x"}, headers=login(colleague))
    assert r.status_code == 403
    # the colleague still sees it, read-only
    seen = client.get(f"/api/visits/{visit['id']}", headers=login(colleague)).json()
    assert seen["editable"] is False


def test_the_household_cannot_be_changed_by_a_correction(client, login, home):
    headers = login("officer1")
    visit = client.post("/api/visits", json=visit_body(home), headers=headers).json()
    r = client.patch(f"/api/visits/{visit['id']}", json={"household_id": 1}, headers=headers)
    assert r.status_code == 422


def test_checklist_endpoint_lists_the_twelve_items(client, login):
    items = client.get("/api/visits/checklist", headers=login("officer1")).json()
    assert len(items) == 12
    assert {i["group"] for i in items} == {"三必核", "四必访", "五必宣"}
