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


# a village bordering a unit of another beat, whose own beat keeps other villages (as bench/plan_stats.py)
PAINTABLE = """
WITH owner AS (SELECT u.village_id, u.beat_id FROM plan_unit u WHERE u.plan_id = :p AND u.beat_id IS NOT NULL)
SELECT v.id AS village_id, o.beat_id AS home, n.beat_id AS target
FROM village v JOIN owner o ON o.village_id = v.id
JOIN village w ON w.id <> v.id AND w.station_id = v.station_id AND ST_Intersects(w.geom, v.geom)
JOIN owner n ON n.village_id = w.id AND n.beat_id <> o.beat_id
WHERE (SELECT count(*) FROM owner x WHERE x.beat_id = o.beat_id) >= 3
ORDER BY v.id LIMIT 1
"""


def test_checks_filling_the_stats_cache_during_a_refresh_store_no_stale_sums(race_db):
    """Two checks of a freshly painted draft (cache misses: they sum and store) and a transaction that adds a
    household and rebuilds the pre-aggregates, on real connections released together: whatever the order,
    every cached sum afterwards equals a recount of the current pre-aggregates (none summed the old rows
    after the refresh emptied the cache)."""
    import threading

    from api.plans import queries
    from api.plans.service import beat_stats_dict

    owner = create_engine(race_db.owner_url)
    with TestClient(create_app(race_db)) as client:
        r = client.post("/api/auth/token", data={"username": "planner", "password": race_db.demo_password})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        plan = client.post("/api/plans", json={"name": "并发统计"}, headers=headers).json()
        station = plan["station_id"]
        added = None
        try:
            with owner.connect() as conn:
                edit = conn.execute(text(PAINTABLE), {"p": plan["id"]}).first()
                building = conn.execute(text(
                    "SELECT b.id FROM building b JOIN plan_unit u ON u.village_id = b.village_id"
                    " WHERE u.plan_id = :p AND u.beat_id = :k LIMIT 1"), {"p": plan["id"], "k": edit.target}).scalar()
            r = client.post(f"/api/plans/{plan['id']}/assign", headers=headers,
                            json={"beat_id": edit.target, "village_ids": [edit.village_id]})
            assert r.status_code == 200, r.text
            with owner.begin() as conn:  # the paint's sums were cached: forget them so the checks fill again
                conn.execute(text("DELETE FROM beat_stats_cache WHERE station_id = :s"), {"s": station})
            barrier = threading.Barrier(3)
            answers: list = [None, None, None]

            def check(i: int) -> None:
                barrier.wait()
                answers[i] = client.get(f"/api/plans/{plan['id']}/check", headers=headers).status_code

            def refresh() -> None:
                nonlocal added
                with owner.begin() as conn:
                    barrier.wait()
                    added = conn.execute(text(
                        "INSERT INTO household (building_id, unit, floor, room, kind)"
                        " VALUES (:b, 9, 9, '并发', 'owner') RETURNING id"), {"b": building}).scalar()
                    conn.execute(text("SELECT holomap_refresh_area_stats(:s)"), {"s": station})
                answers[2] = 200

            threads = [threading.Thread(target=check, args=(i,)) for i in range(2)]
            threads.append(threading.Thread(target=refresh))
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            assert answers == [200, 200, 200]
            r = client.get(f"/api/plans/{plan['id']}", headers=headers)  # fills whatever the refresh emptied
            served = {f["properties"]["code"]: f["properties"]["stats"] for f in r.json()["beats"]["features"]}
            with owner.connect() as conn:
                full = {row.code: beat_stats_dict(row)
                        for row in conn.execute(text(queries.PLAN_BEAT_STATS), {"plan_id": plan["id"]})}
                cached = conn.execute(text("SELECT count(*) FROM beat_stats_cache WHERE station_id = :s"),
                                      {"s": station}).scalar()
            assert served == full and cached >= 1
        finally:
            client.delete(f"/api/plans/{plan['id']}", headers=headers)
            with owner.begin() as conn:
                if added is not None:
                    conn.execute(text("DELETE FROM household WHERE id = :h"), {"h": added})
                conn.execute(text("SELECT holomap_refresh_area_stats(:s)"), {"s": station})
    owner.dispose()
