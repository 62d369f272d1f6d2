"""GET /api/buildings/{id}/floorplan: the 楼盘表 of a building, scoped."""
from tests.places.conftest import rows


def test_floorplan_has_one_cell_per_household_with_flags(client, login, app_conn, big_building):
    r = client.get(f"/api/buildings/{big_building['id']}/floorplan", headers=login("officer1"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["building"]["id"] == big_building["id"]
    rooms = doc["rooms"]
    assert len(rooms) == big_building["households"]
    expected = {row["id"]: row for row in rows(app_conn, """
        SELECT h.id, count(p.id) FILTER (WHERE p.moved_out IS NULL) AS residents,
               coalesce(bool_or('key_person' = ANY(p.tags) AND p.moved_out IS NULL), false) AS key_person
        FROM household h LEFT JOIN person p ON p.household_id = h.id
        WHERE h.building_id = :b GROUP BY h.id""", b=big_building["id"])}
    for cell in rooms:
        truth = expected[cell["household_id"]]
        assert cell["residents"] == truth["residents"]
        assert ("key_person" in cell["flags"]) == truth["key_person"]
        assert cell["dispute_colour"] in (None, "green", "yellow", "orange", "red")
        assert 1 <= cell["unit"] <= doc["building"]["units"]
        if cell["last_visit_at"] is not None:
            assert cell["days_since_visit"] >= 0
    order = [(c["unit"], -c["floor"], c["room"]) for c in rooms]
    assert order == sorted(order)


def test_floorplan_outside_the_beats_is_404_and_403_for_aggregate_roles(client, login, foreign_building):
    url = f"/api/buildings/{foreign_building['id']}/floorplan"
    assert client.get(url, headers=login("officer1")).status_code == 404
    assert client.get(url, headers=login("chief")).status_code == 200
    assert client.get(url, headers=login("leader")).status_code == 403
    assert client.get("/api/buildings/999999999/floorplan", headers=login("chief")).status_code == 404
