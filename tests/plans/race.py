"""Two station chiefs publish two drafts at the same moment (tests/plans/test_publish_race.py and the
drill bench/publish_race.py). `client` is anything with httpx's post/get/delete (a TestClient or an
httpx.Client on a real server); the database rows are read as the owner."""
import threading
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

CURRENT = "SELECT id FROM beat_plan WHERE station_id = :s AND status = 'published'"
MEMBERS = """
SELECT b.code, m.user_id, m.duty FROM beat_member m JOIN beat b ON b.id = m.beat_id
WHERE b.plan_id = (SELECT id FROM beat_plan WHERE station_id = :s AND status = 'published')
ORDER BY 1, 2, 3
"""
PUBLISH_AUDIT = "SELECT reason_params FROM audit_log WHERE action = 'plan.publish' AND object_id = :p"


def plan_in_force(owner: Engine, station_id: int) -> tuple[int | None, list[tuple]]:
    """The published plan's id and its members as (beat code, user id, duty)."""
    with owner.connect() as conn:
        plan = conn.execute(text(CURRENT), {"s": station_id}).scalar()
        members = [tuple(r) for r in conn.execute(text(MEMBERS), {"s": station_id})]
    return plan, members


def touch_draft(client: Any, headers: dict[str, str], plan: dict, mark: str) -> None:
    """Rename the draft's first beat: an unchanged draft is not publishable (409 plan.no_changes)."""
    beat = plan["beats"]["features"][0]
    name = beat["properties"]["name"].split("·")[0]
    r = client.put(f"/api/plans/{plan['id']}/beats/{beat['id']}", json={"name": f"{name}·{mark}"},
                   headers={**headers, "If-Match": str(beat["properties"]["version"])})
    assert r.status_code == 200, r.text


def race_round(client: Any, headers: dict[str, str], owner: Engine, *, station_id: int, label: str) -> dict:
    """Two drafts committed, then published by two threads released together; what happened."""
    before, members_before = plan_in_force(owner, station_id)
    drafts = []
    for side in ("甲", "乙"):
        r = client.post("/api/plans", json={"name": f"并发{label}{side}"}, headers=headers)
        assert r.status_code == 201, r.text
        drafts.append(r.json()["id"])
        touch_draft(client, headers, r.json(), f"{label}{side}")
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def publish(i: int) -> None:
        barrier.wait()
        answers[i] = client.post(f"/api/plans/{drafts[i]}/publish", headers=headers)

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    after, members_after = plan_in_force(owner, station_id)
    won = [i for i in range(2) if answers[i].status_code == 200]
    with owner.connect() as conn:
        audits = {d: [r for (r,) in conn.execute(text(PUBLISH_AUDIT), {"p": str(d)})] for d in drafts}
    for i in range(2):  # tidy: the losing draft is deleted
        if i not in won:
            client.delete(f"/api/plans/{drafts[i]}", headers=headers)
    return {
        "drafts": drafts,
        "before": before,
        "after": after,
        "statuses": [a.status_code for a in answers],
        "bodies": [a.json() for a in answers],
        "won": won,
        "audits": audits,
        "members_before": members_before,
        "members_after": members_after,
        "members_lost": len(set(members_before) - set(members_after)),
    }
