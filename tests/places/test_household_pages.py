"""The lookup's first screen and GET /api/buildings/{id}/households (issue 22): the pages together are the
whole list the lookup used to send, in its order, scoped and audited like the lookup."""
import json

from sqlalchemy import text

from tests.places.conftest import BUILDING_BY_HOUSEHOLDS, one, whole_households

# the whole household list as the lookup built it before paging: every household of the building in the
# beats, each as holomap_household_doc, in unit, floor, room order
WHOLE = """
SELECT coalesce(json_agg(hd.doc ORDER BY h.unit, h.floor, h.room, h.id), '[]')::text
FROM household h CROSS JOIN LATERAL holomap_household_doc(h, 5) hd
WHERE h.building_id = :b AND h.beat_id = ANY (CAST(:beats AS integer[]))
"""


def _lookup(client, headers, building) -> dict:
    r = client.get("/api/lookup", params={"lon": building["lon"], "lat": building["lat"]}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _whole(app_conn, building_id: int, beats: list[int]) -> list[dict]:
    return json.loads(app_conn.execute(text(WHOLE), {"b": building_id, "beats": beats}).scalar())


def test_the_first_page_and_the_next_pages_are_the_whole_list(client, login, app_conn, big_building,
                                                              officer1_beats, settings):
    headers = login("officer1")
    doc = _lookup(client, headers, big_building)
    whole = _whole(app_conn, big_building["id"], officer1_beats)
    assert len(whole) == big_building["households"] > settings.lookup_households_page
    assert len(doc["households"]) == settings.lookup_households_page  # the first screen only
    assert doc["households"] == whole[:settings.lookup_households_page]
    assert doc["households_total"] == len(whole)
    assert doc["residents_total"] == sum(len(h["residents"]) for h in whole)
    for limit in (7, 100):  # pages of any size add up to the same list, no household twice
        assert whole_households(client, headers, doc, limit=limit) == whole


def test_a_page_says_where_it_is_and_the_last_one_is_short(client, login, big_building):
    headers = login("officer1")
    total = big_building["households"]
    r = client.get(f"/api/buildings/{big_building['id']}/households", params={"offset": total - 3, "limit": 10},
                   headers=headers)
    assert r.status_code == 200, r.text
    page = r.json()
    where = (page["building_id"], page["offset"], page["limit"], page["total"])
    assert where == (big_building["id"], total - 3, 10, total)
    assert len(page["households"]) == 3
    r = client.get(f"/api/buildings/{big_building['id']}/households", params={"offset": total}, headers=headers)
    assert r.status_code == 200 and r.json()["households"] == []


def test_the_chief_pages_a_building_outside_officer1s_beats_which_officer1_may_not(
        client, login, app_conn, foreign_building):
    url = f"/api/buildings/{foreign_building['id']}/households"
    r = client.get(url, headers=login("officer1"))
    assert r.status_code == 404 and r.json()["code"] == "building.not_in_scope"
    doc = _lookup(client, login("chief"), foreign_building)
    beats = app_conn.execute(text("SELECT array_agg(DISTINCT beat_id) FROM household WHERE building_id = :b"),
                             {"b": foreign_building["id"]}).scalar()
    assert whole_households(client, login("chief"), doc, limit=5) == _whole(app_conn, foreign_building["id"], beats)


def test_aggregate_roles_get_403_and_bad_pages_a_4xx_with_a_code(client, login, big_building):
    url = f"/api/buildings/{big_building['id']}/households"
    for username in ("leader", "planner", "admin"):
        assert client.get(url, headers=login(username)).status_code == 403, username
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": "x"}, {"offset": 10**12}):
        r = client.get(url, params=params, headers=login("officer1"))
        assert r.status_code == 422, (params, r.text)
        assert r.json()["code"], r.text
    assert client.get(url).status_code == 401


def test_each_page_is_audited_as_a_read_of_the_building(client, login, app_conn, big_building):
    before = app_conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'lookup.households'"
                                   " AND object_id = :id AND username = 'officer1'"),
                              {"id": str(big_building["id"])}).scalar()
    headers = login("officer1")
    for offset in (20, 40):
        assert client.get(f"/api/buildings/{big_building['id']}/households", params={"offset": offset},
                          headers=headers).status_code == 200
    after = app_conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'lookup.households'"
                                  " AND object_type = 'building' AND object_id = :id AND username = 'officer1'"
                                  " AND outcome = 'ok'"), {"id": str(big_building["id"])}).scalar()
    assert after == before + 2


def test_the_lookup_lists_the_newest_incidents_nearby_and_counts_them_all(client, login, app_conn, big_building):
    doc = _lookup(client, login("officer1"), big_building)
    nearby = app_conn.execute(text("""
        SELECT count(*) FROM incident i JOIN building b ON b.id = :b
        WHERE ST_DWithin(i.location::geography, b.centroid::geography, 200)
          AND i.occurred_at >= now() - interval '90 days'"""), {"b": big_building["id"]}).scalar()
    assert doc["incidents_nearby_total"] == nearby
    assert len(doc["incidents_nearby"]) == min(nearby, 20)
    stamps = [i["occurred_at"] for i in doc["incidents_nearby"]]
    assert stamps == sorted(stamps, reverse=True)


def test_a_small_building_comes_whole_with_its_counts(client, login, app_conn, settings):
    """At most one page of households: all of them in the lookup, residents counted from them (lookup.sql)."""
    beats = app_conn.execute(text("SELECT array_agg(b.id) FROM beat b JOIN beat_plan p ON p.id = b.plan_id"
                                  " AND p.status = 'published' JOIN app_user u ON u.station_id = p.station_id"
                                  " AND u.username = 'chief'")).scalar()
    small = one(app_conn, BUILDING_BY_HOUSEHOLDS, beats=beats, inside=True, min_households=2,
                max_households=settings.lookup_households_page, direction=1)
    doc = _lookup(client, login("chief"), small)
    whole = _whole(app_conn, small["id"], beats)
    assert doc["households"] == whole and doc["households_total"] == len(whole) == small["households"]
    residents = app_conn.execute(text(
        "SELECT count(*) FROM person p JOIN household h ON h.id = p.household_id WHERE h.building_id = :b"
        " AND h.beat_id = ANY (CAST(:beats AS integer[])) AND p.moved_out IS NULL"),
        {"b": small["id"], "beats": beats}).scalar()
    assert doc["residents_total"] == residents > 0
