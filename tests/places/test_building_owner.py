"""Issue 19: a lookup of a building outside the user's beats says whom to ask — its address, the beat
covering it, that beat's station and officers — and nothing about its residents; still a denied probe."""
import json

from sqlalchemy import text

OWNER_BEATS = """
SELECT bt.code, bt.name, s.name AS station,
       array(SELECT u.display_name FROM beat_member m JOIN app_user u ON u.id = m.user_id AND u.active
             WHERE m.beat_id = bt.id AND m.duty = 'officer' ORDER BY u.display_name) AS officers
FROM building b
JOIN beat bt ON ST_Covers(bt.geom, b.centroid)
JOIN beat_plan p ON p.id = bt.plan_id AND p.status = 'published'
JOIN station s ON s.id = p.station_id
WHERE b.id = :id
ORDER BY bt.code
"""


def test_an_out_of_scope_building_names_its_beat_and_officers_but_no_resident(
    client, login, app_conn, foreign_building
):
    r = client.get("/api/lookup", params={"lon": foreign_building["lon"], "lat": foreign_building["lat"]},
                   headers=login("officer1"))
    assert r.status_code == 404
    body = r.json()
    assert body["code"] == "building.not_in_scope"
    params = body["params"]
    address = app_conn.execute(text("SELECT address FROM building WHERE id = :id"),
                               {"id": foreign_building["id"]}).scalar_one()
    assert params["building_id"] == foreign_building["id"] and params["address"] == address
    expected = [dict(r) for r in app_conn.execute(text(OWNER_BEATS), {"id": foreign_building["id"]}).mappings()]
    assert expected, "the seeded building lies in a published beat"
    assert params["beats"] == expected
    assert any(beat["officers"] for beat in params["beats"])
    # nothing about the people living there
    people = app_conn.execute(text(
        "SELECT p.name, p.id_number, p.phone FROM person p JOIN household h ON h.id = p.household_id "
        "WHERE h.building_id = :id"), {"id": foreign_building["id"]}).all()
    dumped = json.dumps(body, ensure_ascii=False)
    assert people and not any(v and v in dumped for person in people for v in person)
    # still audited as a denied probe, and no read row
    outcome = app_conn.execute(text("SELECT outcome FROM audit_log WHERE request_id = :r"),
                               {"r": r.headers["x-request-id"]}).scalars().all()
    assert outcome == ["denied"]


def test_no_building_at_the_point_carries_no_owner(client, login, officer1_beats):
    r = client.get("/api/lookup", params={"lon": 0.0, "lat": 0.0}, headers=login("officer1"))
    assert r.status_code == 404 and r.json()["code"] == "lookup.no_building"
    assert "beats" not in r.json()["params"]
