"""Concurrent publishes of one station (issue 15, item 1): exactly one wins, beat members are kept.

Real committed transactions: a scratch database (migrated, demo-seeded, dropped afterwards) served by
its own app; two threads released by a barrier publish two drafts at once, ten times.
"""
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.main import create_app
from tests.plans.race import plan_in_force, race_round
from tests.scratchdb import seeded_database

ROUNDS = 4  # each a real race; bench/publish_race.py runs more


@pytest.fixture(scope="module")
def race_db(settings):
    with seeded_database(settings, "race") as s:
        yield s


def test_concurrent_publishes_one_wins_the_other_is_superseded_and_members_are_kept(race_db):
    owner = create_engine(race_db.owner_url)
    try:
        with owner.connect() as conn:
            station_id = conn.execute(text("SELECT station_id FROM app_user WHERE username = 'chief'")).scalar_one()
        _, members0 = plan_in_force(owner, station_id)
        assert len(members0) == 30  # the demo station's officers, auxiliaries and grid members
        with TestClient(create_app(race_db)) as client:
            r = client.post("/api/auth/token", data={"username": "chief", "password": race_db.demo_password})
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            for n in range(ROUNDS):
                out = race_round(client, headers, owner, station_id=station_id, label=str(n))
                assert sorted(out["statuses"]) == [200, 409], out["bodies"]
                winner, loser = out["won"][0], 1 - out["won"][0]
                assert out["after"] == out["drafts"][winner]
                body = out["bodies"][winner]
                assert body["archived_plan_id"] == out["before"]  # true: not None
                assert out["audits"][out["drafts"][winner]] == [
                    {"archived_plan_id": out["before"], "households": body["households"]}]
                assert out["audits"][out["drafts"][loser]] == []
                refused = out["bodies"][loser]
                assert refused["code"] == "plan.superseded"
                assert refused["params"]["plan_id"] == out["drafts"][winner]
                assert out["members_lost"] == 0
                assert sorted(m[1:] for m in out["members_after"]) == sorted(m[1:] for m in members0)
            # the members' scope follows the plan in force: an officer still has a beat
            r = client.post("/api/auth/token", data={"username": "officer1", "password": race_db.demo_password})
            me = client.get("/api/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
            assert me["beats"], me
    finally:
        owner.dispose()


def test_concurrent_edits_of_one_beat_one_wins_the_other_gets_412_and_the_partition_holds(race_db):
    """Two editors drag the same beat's boundary from the same version at the same moment (real
    connections released by a barrier): exactly one lands, the other is told 412, no overlap or gap."""
    import threading

    with TestClient(create_app(race_db)) as client:
        r = client.post("/api/auth/token", data={"username": "planner", "password": race_db.demo_password})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        plan = client.post("/api/plans", json={"name": "并发编辑"}, headers=headers).json()
        try:
            beat = plan["beats"]["features"][0]
            version = beat["properties"]["version"]
            # both editors save the boundary they loaded (a drop without a move): the geometry path, accepted
            barrier = threading.Barrier(2)
            answers = [None, None]

            def edit(i: int) -> None:
                barrier.wait()
                answers[i] = client.put(
                    f"/api/plans/{plan['id']}/beats/{beat['id']}",
                    json={"geometry": beat["geometry"]},
                    headers={**headers, "If-Match": str(version)})

            threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            codes = sorted(a.status_code for a in answers)
            assert codes == [200, 412], [a.text for a in answers]
            check = client.get(f"/api/plans/{plan['id']}/check", headers=headers).json()
            assert not [p for p in check["problems"] if p["kind"] in ("overlap", "gap", "uncovered_buildings")]
            steps = client.get(f"/api/plans/{plan['id']}/history", headers=headers).json()["steps"]
            assert len(steps) == 1  # the refused edit stored nothing
        finally:
            client.delete(f"/api/plans/{plan['id']}", headers=headers)
