"""The 数据质量 checks' setting (GET/PUT /api/settings/quality-checks): an administrator switches checks off and
sets thresholds; the board, the items, 我的任务 and the trend follow it; the cached per-beat counts never
outlive a change (also with a change and a board read at the same moment on real connections); hostile
input → 4xx with codes; the defaults equal in Python and SQL."""
import threading

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.clock import china_today
from api.main import create_app
from api.quality.service import TASK_ORDER
from api.settings.quality import QUALITY_CHECKS, QUALITY_DAYS
from tests.conftest import DEMO_PASSWORD

URL = "/api/settings/quality-checks"
DIRECT = """
SELECT check_code, sum(checked)::int AS checked, sum(failing)::int AS failing
FROM holomap_quality_counts(CAST(:beats AS integer[]), CAST(:today AS date)) GROUP BY 1
"""


def _board(client, headers) -> dict:
    r = client.get("/api/quality", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _failing(board: dict) -> dict:
    return {c["code"]: c["failing"] for c in board["checks"]}


def test_defaults_are_the_same_in_python_and_sql(db) -> None:
    db.execute(text("DELETE FROM app_setting WHERE key = :k"), {"k": QUALITY_CHECKS})
    for key, (default, _, _) in QUALITY_DAYS.items():
        assert db.execute(text("SELECT holomap_quality_days(:k)"), {"k": key}).scalar() == default


def test_switching_off_and_thresholds_drive_board_items_and_tasks(client, login, app_conn) -> None:
    officer, admin = login("officer1"), login("admin")
    setting = client.get(URL, headers=officer).json()
    assert all(c["enabled"] for c in setting["checks"]) and setting["days"] == {"expiring": 30, "visit": 365,
                                                                                  "fire_check": 365}
    before = _board(client, officer)
    assert before["days"] == setting["days"] and "person_duplicate" in _failing(before)
    r = client.put(URL, json={"enabled": {"person_duplicate": False}, "days": {"expiring": 120}}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["days"]["expiring"] == 120
    assert {c["code"] for c in r.json()["checks"] if not c["enabled"]} == {"person_duplicate"}
    after = _board(client, officer)
    assert "person_duplicate" not in _failing(after) and after["days"]["expiring"] == 120
    # the permit check counts with 120 days now (the cache was invalidated by the change)
    beats = client.get("/api/me", headers=officer).json()["beats"]
    beat_ids = list(app_conn.execute(text("SELECT b.id FROM beat b JOIN beat_plan p ON p.id = b.plan_id "
                                          "AND p.status = 'published' WHERE b.code = ANY(:c)"), {"c": beats}).scalars())
    direct = {r.check_code: r.failing for r in app_conn.execute(text(DIRECT), {"beats": beat_ids,
                                                                               "today": china_today()})}
    assert _failing(after)["person_permit_expiring"] == direct["person_permit_expiring"]
    assert _failing(after)["person_permit_expiring"] >= _failing(before)["person_permit_expiring"]
    items = client.get("/api/quality/person_permit_expiring", headers=officer).json()["items"]
    assert len(items) == min(200, direct["person_permit_expiring"])
    r = client.get("/api/quality/person_duplicate", headers=officer)
    assert r.status_code == 404 and r.json()["code"] == "quality.check_disabled"
    tasks = client.get("/api/worklist", params={"section": "quality", "limit": 500}, headers=officer).json()
    assert "person_duplicate" not in {i["check"] for i in tasks["quality"]["items"]}
    assert tasks["quality"]["total"] == sum(n for c, n in _failing(after).items() if c in TASK_ORDER)
    assert app_conn.execute(text("SELECT reason_params FROM audit_log WHERE action = 'settings.quality_checks' "
                                 "ORDER BY id DESC LIMIT 1")).scalar() == {
        "disabled": ["person_duplicate"], "days": {"expiring": 120, "visit": 365, "fire_check": 365}}
    # back on: counted again, its items listed
    client.put(URL, json={"enabled": {"person_duplicate": True}}, headers=admin)
    assert "person_duplicate" in _failing(_board(client, officer))


def test_hostile_changes_are_refused_with_codes(client, login) -> None:
    admin = login("admin")
    assert client.put(URL, json={"days": {"visit": 100}}, headers=login("officer1")).status_code == 403
    cases = [
        ({"enabled": {"no_such_check": False}}, "settings.unknown_check"),
        ({"days": {"visit": 5}}, "settings.days_out_of_range"),
        ({"days": {"expiring": 10_000}}, "settings.days_out_of_range"),
        ({"days": {"moon": 3}}, "settings.unknown_threshold"),
        ({"enabled": {c: False for c in QUALITY_CHECKS_ALL()}}, "settings.no_check"),
        ({"enabled": {"person_duplicate": "no"}}, "request.validation"),
        ({"days": {"visit": "365"}}, "request.validation"),
        ({"days": {"visit": 36.5}}, "request.validation"),
        ({"extra": 1}, "request.validation"),
    ]
    for body, code in cases:
        r = client.put(URL, json=body, headers=admin)
        assert r.status_code == 422 and r.json()["code"] == code, (body, r.text)
    assert client.get(URL, headers=admin).json()["days"] == {"expiring": 30, "visit": 365, "fire_check": 365}


def QUALITY_CHECKS_ALL() -> list[str]:
    from api.quality.queries import ITEMS
    return list(ITEMS)


def test_a_change_and_a_board_read_at_once_leave_no_stale_count(settings, owner_engine) -> None:
    """Rounds of (admin changes the thresholds ‖ the chief reads the board), released together; after each,
    the chief's board equals a fresh count with the setting in force."""
    with owner_engine.connect() as conn:
        saved = conn.execute(text("SELECT value FROM app_setting WHERE key = :k"), {"k": QUALITY_CHECKS}).scalar()
        beats = list(conn.execute(text(
            "SELECT b.id FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published' "
            "JOIN app_user u ON u.station_id = p.station_id AND u.username = 'chief' ORDER BY b.id")).scalars())
    assert saved is None, "another test left the setting behind"
    try:
        with TestClient(create_app(settings)) as client:
            def token(user: str) -> dict:
                r = client.post("/api/auth/token", data={"username": user, "password": DEMO_PASSWORD})
                return {"Authorization": f"Bearer {r.json()['access_token']}"}

            admin, chief = token("admin"), token("chief")
            _board(client, chief)  # the cache filled with the defaults
            for days in ({"expiring": 200, "visit": 90, "fire_check": 60}, {"expiring": 7, "visit": 700},
                         {"expiring": 30, "visit": 365, "fire_check": 365}):
                barrier = threading.Barrier(2)
                answers: list = [None, None]

                def change(days=days, barrier=barrier, answers=answers) -> None:
                    barrier.wait()
                    answers[0] = client.put(URL, json={"days": days}, headers=admin)

                def read(barrier=barrier, answers=answers) -> None:
                    barrier.wait()
                    answers[1] = client.get("/api/quality", headers=chief)

                threads = [threading.Thread(target=change), threading.Thread(target=read)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(120)
                assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
                board = _board(client, chief)
                with owner_engine.connect() as conn:
                    direct = {r.check_code: (r.checked, r.failing) for r in conn.execute(
                        text(DIRECT), {"beats": beats, "today": china_today()})}
                assert board["days"] == answers[0].json()["days"]
                assert {c["code"]: (c["checked"], c["failing"]) for c in board["checks"]} == direct
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DELETE FROM app_setting WHERE key = :k"), {"k": QUALITY_CHECKS})
