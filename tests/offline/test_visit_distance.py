"""GPS done right, server side: the distance of a visit reaches every place that shows it.

The bug: the history badge of a far visit read "0 米（偏远）", because the lookup document's visits carried
`flagged_far` but no `distance_m` (the web app fell back to 0). Migration 0025 adds it.
"""
from sqlalchemy import text

from tests.contracts.conftest import contract

BUILDING = """
SELECT b.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, min(h.id) AS household_id
FROM building b JOIN household h ON h.building_id = b.id
WHERE h.beat_id IN (SELECT m.beat_id FROM beat_member m JOIN app_user u ON u.id = m.user_id
                    WHERE u.username = 'officer1')
GROUP BY b.id ORDER BY b.id LIMIT 1
"""


def test_far_visit_shows_its_real_distance_in_lookup_history_and_pack(app, client, login, app_conn):
    b = app_conn.execute(text(BUILDING)).mappings().one()
    headers = login("officer1")
    # ~3 km north of the building: far (HOLOMAP_VISIT_FAR_M is 200 m)
    far = client.post("/api/visits", headers=headers, json={
        "household_id": b["household_id"], "checklist": {"verify_hukou": True}, "notes": "远处走访",
        "location": {"lon": b["lon"], "lat": b["lat"] + 0.027, "accuracy_m": 8}})
    assert far.status_code == 201, far.text
    measured = far.json()["distance_m"]
    assert far.json()["flagged_far"] and 2800 < measured < 3100
    near = client.post("/api/visits", headers=headers, json={
        "household_id": b["household_id"], "checklist": {"verify_hukou": True}, "notes": "屋内走访",
        "location": {"lon": b["lon"], "lat": b["lat"], "accuracy_m": 5}})
    assert near.status_code == 201 and near.json()["distance_m"] == 0 and not near.json()["flagged_far"]
    without = client.post("/api/visits", headers=headers, json={
        "household_id": b["household_id"], "checklist": {"verify_hukou": True}, "notes": "未定位"})
    assert without.status_code == 201

    doc = contract(app, client.get("/api/lookup", params={"lon": b["lon"], "lat": b["lat"]}, headers=headers))
    visits = {v.id: v for h in doc.households for v in h.visits}
    assert visits[far.json()["id"]].distance_m == round(measured)
    assert visits[far.json()["id"]].flagged_far
    assert visits[near.json()["id"]].distance_m == 0
    assert visits[without.json()["id"]].distance_m is None

    history = client.get(f"/api/households/{b['household_id']}/visits", headers=headers).json()
    assert {v["id"]: v["distance_m"] for v in history["visits"]}[far.json()["id"]] == measured

    pack = client.get("/api/offline/pack", headers=headers).json()
    packed = {v["id"]: v for e in pack["buildings"] for h in e["households"] for v in h["visits"]}
    assert packed[far.json()["id"]]["distance_m"] == round(measured)
