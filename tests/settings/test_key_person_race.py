"""Two administrators change the key-person tags while a station's planner figures are rebuilt, all at
once on real connections: whichever change commits last, every building's key_persons in area_stats
equals a fresh count by the tags in force (no refresh computed with the old tags survives)."""
import json
import threading

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from api.settings.service import KEY_PERSON_TAGS
from tests.conftest import DEMO_PASSWORD

STALE = """
SELECT count(*) FROM area_stats a
LEFT JOIN (SELECT hh.building_id, count(*) AS n FROM person pe JOIN household hh ON hh.id = pe.household_id
           WHERE pe.tags && holomap_key_person_tags() AND (pe.moved_out IS NULL OR pe.moved_out > current_date)
           GROUP BY 1) k ON k.building_id = a.building_id
WHERE a.building_id IS NOT NULL AND a.key_persons <> coalesce(k.n, 0)
"""


def test_concurrent_tag_changes_and_a_refresh_leave_no_stale_count(settings, owner_engine):
    with owner_engine.begin() as conn:
        saved = conn.execute(text("SELECT value FROM app_setting WHERE key = :k"), {"k": KEY_PERSON_TAGS}).scalar()
        station = conn.execute(text("SELECT min(station_id) FROM area_stats")).scalar()
        if station is None:
            station = conn.execute(text("SELECT min(id) FROM station")).scalar()
            conn.execute(text("SELECT holomap_refresh_area_stats(:s)"), {"s": station})
    try:
        with TestClient(create_app(settings)) as client:
            token = client.post("/api/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            barrier = threading.Barrier(3)
            answers: list = [None, None]

            def change(i: int, tags: list[str]) -> None:
                barrier.wait()
                answers[i] = client.put("/api/settings/key-person-tags", json={"tags": tags}, headers=headers)

            def refresh() -> None:
                with owner_engine.begin() as conn:
                    barrier.wait()
                    conn.execute(text("SELECT holomap_refresh_area_stats(:s)"), {"s": station})

            threads = [threading.Thread(target=change, args=(0, ["disabled"])),
                       threading.Thread(target=change, args=(1, ["veteran", "key_person"])),
                       threading.Thread(target=refresh)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        with owner_engine.connect() as conn:
            assert conn.execute(text(STALE)).scalar() == 0
    finally:
        with owner_engine.begin() as conn:
            if saved is None:
                conn.execute(text("DELETE FROM app_setting WHERE key = :k"), {"k": KEY_PERSON_TAGS})
            else:
                conn.execute(text("UPDATE app_setting SET value = CAST(:v AS jsonb) WHERE key = :k"),
                             {"k": KEY_PERSON_TAGS, "v": json.dumps(saved)})
            conn.execute(text("SELECT holomap_recount_key_persons()"))
