"""GET /api/search per query kind (issue 22): each kind finds what lies in the user's beats, with its rank, and
nothing outside them — the same value planted inside and outside officer1's beats.

Kinds: ID number tail, phone tail, plate prefix / fragment / full (any case), full name and name fragment,
organisation name and credit code, room-level address, 2-character address fragment (address bigrams); and the
scope columns search reads from (vehicle.beat_id, kept by triggers).
"""
import pytest
from sqlalchemy import text

from api.places import service
from tests.places.conftest import one

IN_BEATS = "(h.beat_id = ANY(CAST(:beats AS integer[]))) = :inside"
PERSON = f"""
SELECT p.id, p.id_number, h.id AS household_id, h.building_id FROM person p
JOIN household h ON h.id = p.household_id
WHERE {IN_BEATS} AND p.moved_out IS NULL ORDER BY p.id LIMIT 1
"""
VEHICLE = f"""
SELECT v.id, h.id AS household_id FROM vehicle v JOIN household h ON h.id = v.household_id
WHERE {IN_BEATS} ORDER BY v.id LIMIT 1
"""
HOUSEHOLD = f"SELECT h.id, h.building_id FROM household h WHERE {IN_BEATS} ORDER BY h.id LIMIT 1"
ORGANISATION = """
SELECT o.id, o.credit_code FROM organisation o
WHERE (o.beat_id = ANY(CAST(:beats AS integer[]))) = :inside AND o.credit_code IS NOT NULL ORDER BY o.id LIMIT 1
"""
# an ID number tail shared by a resident inside and one outside the beats
SHARED_TAIL = f"""
SELECT right(p.id_number, 4) AS tail FROM person p JOIN household h ON h.id = p.household_id
WHERE p.moved_out IS NULL
GROUP BY 1
HAVING bool_or(({IN_BEATS.replace(':inside', 'true')})) AND bool_or(({IN_BEATS.replace(':inside', 'false')}))
ORDER BY 1 LIMIT 1
"""


def _search(client, headers, q):
    r = client.get("/api/search", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def _rank(results, kind, ident):
    """The rank of the hit, or None when it is not among the results."""
    return next((h["rank"] for h in results if h["type"] == kind and h["id"] == ident), None)


def _pair(conn, sql, beats):
    return one(conn, sql, beats=beats, inside=True), one(conn, sql, beats=beats, inside=False)


def _set(conn, table, ident, **values):
    assignments = ", ".join(f"{column} = :{column}" for column in values)
    conn.execute(text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {"id": ident, **values})


def test_id_number_tail_finds_only_residents_in_scope(client, login, app_conn, officer1_beats):
    tail = app_conn.execute(text(SHARED_TAIL), {"beats": officer1_beats}).scalar()
    assert tail, "the seed has no ID tail shared inside and outside officer1's beats"
    results = _search(client, login("officer1"), tail)
    people = [h for h in results if h["type"] == "person"]
    assert any(h["rank"] == 1 for h in people)  # the tails (phones holding the digits: rank 2)
    beats = dict(app_conn.execute(text(
        "SELECT p.id, h.beat_id FROM person p JOIN household h ON h.id = p.household_id WHERE p.id = ANY(:ids)"),
        {"ids": [h["id"] for h in people]}).all())
    assert set(beats.values()) <= set(officer1_beats)


def test_phone_tail(client, login, app_conn, officer1_beats):
    inside, outside = _pair(app_conn, PERSON, officer1_beats)
    _set(app_conn, "person", inside["id"], phone="13907310000")
    _set(app_conn, "person", outside["id"], phone="13807310000")
    results = _search(client, login("officer1"), "07310000")
    assert _rank(results, "person", inside["id"]) == 1
    assert _rank(results, "person", outside["id"]) is None
    assert _rank(_search(client, login("officer1"), "13907310000"), "person", inside["id"]) == 0


# "鲁Z7": a province, a letter and one more, from the plates of the beats; the others by the plate trigrams
@pytest.mark.parametrize(("q", "rank"), [("鲁Z7", 2), ("鲁z7", 2), ("鲁Z7Q", 2), ("7Q01", 1), ("鲁z7q01", 0),
                                         ("Z7Q0", 2)])
def test_plate_prefix_fragment_and_full(client, login, app_conn, officer1_beats, q, rank):
    inside, outside = _pair(app_conn, VEHICLE, officer1_beats)
    _set(app_conn, "vehicle", inside["id"], plate="鲁Z7Q01")
    _set(app_conn, "vehicle", outside["id"], plate="鲁Z7Q02")
    results = _search(client, login("officer1"), q)
    assert _rank(results, "vehicle", inside["id"]) == rank
    assert _rank(results, "vehicle", outside["id"]) is None


def test_more_plates_than_a_page_rank_before_the_cut(client, login, app_conn, officer1_beats):
    """The vehicles' page is cut from the index entries (rank, plate) before the joins: with more matches in scope
    than a page, the plates ending with the query (rank 1) still come first, though their plates sort last."""
    ids = [r.id for r in app_conn.execute(text(
        "SELECT v.id FROM vehicle v WHERE v.beat_id = ANY(CAST(:b AS integer[])) ORDER BY v.id LIMIT :n"),
        {"b": officer1_beats, "n": service.SEARCH_PER_KIND + 3})]
    assert len(ids) == service.SEARCH_PER_KIND + 3, "officer1's beats have too few vehicles"
    exact, tail, *others = ids
    for k, ident in enumerate(others):
        _set(app_conn, "vehicle", ident, plate=f"鲁A9K7{k:02d}")  # rank 2 for "9K7", sorting before the two below
    _set(app_conn, "vehicle", exact, plate="鲁Z9K7")
    _set(app_conn, "vehicle", tail, plate="鲁Y19K7")
    results = [h for h in _search(client, login("officer1"), "9K7") if h["type"] == "vehicle"]
    assert len(results) == service.SEARCH_PER_KIND
    assert {(h["id"], h["rank"]) for h in results[:2]} == {(exact, 1), (tail, 1)}  # both end with 9K7
    assert {h["rank"] for h in results[2:]} == {2}
    results = [h for h in _search(client, login("officer1"), "鲁z9k7") if h["type"] == "vehicle"]
    assert [(h["id"], h["rank"]) for h in results] == [(exact, 0)]


@pytest.mark.parametrize(("q", "rank"), [("鹳鹬测甲", 0), ("鹳鹬", 1), ("测甲", 2), ("鹬测", 2)])
def test_full_name_and_name_fragments(client, login, app_conn, officer1_beats, q, rank):
    inside, outside = _pair(app_conn, PERSON, officer1_beats)
    for person in (inside, outside):
        _set(app_conn, "person", person["id"], name="鹳鹬测甲")
    results = _search(client, login("officer1"), q)
    assert _rank(results, "person", inside["id"]) == rank
    assert _rank(results, "person", outside["id"]) is None


@pytest.mark.parametrize(("q", "rank"), [("鹳鹬商行", 1), ("鹳鹬", 1), ("商行总店", 2)])
def test_organisation_name(client, login, app_conn, officer1_beats, q, rank):
    inside, outside = _pair(app_conn, ORGANISATION, officer1_beats)
    for organisation in (inside, outside):
        _set(app_conn, "organisation", organisation["id"], name="鹳鹬商行总店")
    results = _search(client, login("officer1"), q)
    assert _rank(results, "organisation", inside["id"]) == rank
    assert _rank(results, "organisation", outside["id"]) is None


def test_organisation_credit_code(client, login, app_conn, officer1_beats):
    inside, outside = _pair(app_conn, ORGANISATION, officer1_beats)
    headers = login("officer1")
    assert _rank(_search(client, headers, inside["credit_code"]), "organisation", inside["id"]) == 0
    assert _rank(_search(client, headers, inside["credit_code"].lower()), "organisation", inside["id"]) == 0
    assert _rank(_search(client, headers, outside["credit_code"]), "organisation", outside["id"]) is None


def test_credit_code_of_digits_only(client, login, app_conn, officer1_beats):
    """A credit code of 18 digits is typed as digits (the ID/phone branches): found by its unique index, in scope."""
    inside, outside = _pair(app_conn, ORGANISATION, officer1_beats)
    _set(app_conn, "organisation", inside["id"], credit_code="913716020000000017")
    _set(app_conn, "organisation", outside["id"], credit_code="913716020000000025")
    headers = login("officer1")
    assert service.search_params("913716020000000017")["by_digits"]
    assert _rank(_search(client, headers, "913716020000000017"), "organisation", inside["id"]) == 0
    assert _rank(_search(client, headers, "913716020000000025"), "organisation", outside["id"]) is None
    assert _rank(_search(client, headers, "0000000017"), "organisation", inside["id"]) is None  # exact only


def test_an_address_matching_a_building_and_a_room(client, login, app_conn, officer1_beats):
    """"鹳鹬路1102" is a building's address fragment and a room (1102) of a building whose address ends with 鹳鹬路:
    both answer, each with its rank, and neither outside the beats."""
    households = app_conn.execute(text(
        "SELECT DISTINCT ON (h.building_id) h.id, h.building_id, (h.beat_id = ANY(CAST(:b AS integer[]))) AS inside"
        " FROM household h ORDER BY h.building_id, h.id"), {"b": officer1_beats}).mappings().all()
    inside = [h for h in households if h["inside"]][:2]
    outside = [h for h in households if not h["inside"]][:2]
    for (by_address, by_room) in (inside, outside):
        _set(app_conn, "building", by_address["building_id"], address=f"测试鹳鹬路1102号{by_address['id']}")
        _set(app_conn, "building", by_room["building_id"], address=f"测试{by_room['id']}号鹳鹬路")
        _set(app_conn, "household", by_room["id"], room="1102")
    assert service.search_params("鹳鹬路1102")["room"] == "1102"
    results = _search(client, login("officer1"), "鹳鹬路1102")
    assert _rank(results, "building", inside[0]["building_id"]) == 2
    assert _rank(results, "household", inside[1]["id"]) == 0
    assert _rank(results, "building", outside[0]["building_id"]) is None
    assert _rank(results, "household", outside[1]["id"]) is None


def test_room_level_address(client, login, app_conn, officer1_beats):
    inside, outside = _pair(app_conn, HOUSEHOLD, officer1_beats)
    for household in (inside, outside):
        _set(app_conn, "building", household["building_id"], address=f"测试小区{household['id']}-91号楼")
        _set(app_conn, "household", household["id"], room="9902")
    headers = login("officer1")
    results = _search(client, headers, "91号楼9902")
    assert _rank(results, "household", inside["id"]) == 0
    assert _rank(results, "household", outside["id"]) is None
    # "1号楼" is not "91号楼"
    assert _rank(_search(client, headers, "1号楼9902"), "household", inside["id"]) is None


def test_two_character_address_fragment_and_bigrams(client, login, app_conn, officer1_beats):
    inside, outside = _pair(app_conn, HOUSEHOLD, officer1_beats)
    for household in (inside, outside):
        _set(app_conn, "building", household["building_id"], address=f"鹳鹬路{household['id']}号")
    results = _search(client, login("officer1"), "鹬路")
    assert _rank(results, "building", inside["building_id"]) == 2
    assert _rank(results, "building", outside["building_id"]) is None
    assert _rank(_search(client, login("officer1"), "鹳鹬"), "building", inside["building_id"]) == 1
    assert app_conn.execute(text("SELECT holomap_bigrams('鹳鹬路')")).scalar() in (["鹬路", "鹳鹬"], ["鹳鹬", "鹬路"])


def test_bare_digits_are_phones_and_ids_not_rooms():
    assert service.search_params("11102")["room"] is None
    assert service.search_params("1号楼1102")["room"] == "1102"


def test_a_vehicle_follows_its_household_into_another_beat(client, login, app_conn, officer1_beats):
    """vehicle.beat_id (search's scope column) follows the household's beat, set by any statement."""
    inside, outside = _pair(app_conn, VEHICLE, officer1_beats)
    _set(app_conn, "vehicle", outside["id"], plate="鲁Z7Q03")
    headers = login("officer1")
    assert _rank(_search(client, headers, "鲁Z7Q03"), "vehicle", outside["id"]) is None
    app_conn.execute(text("UPDATE household SET beat_id = :beat WHERE id = :id"),
                     {"beat": officer1_beats[0], "id": outside["household_id"]})
    assert app_conn.execute(text("SELECT beat_id FROM vehicle WHERE id = :id"),
                            {"id": outside["id"]}).scalar() == officer1_beats[0]
    assert _rank(_search(client, headers, "鲁Z7Q03"), "vehicle", outside["id"]) == 0


def test_a_vehicle_without_household_takes_its_owners_beat(app_conn, officer1_beats):
    inside, outside = _pair(app_conn, PERSON, officer1_beats)
    vehicle = one(app_conn, VEHICLE, beats=officer1_beats, inside=True)
    app_conn.execute(text("UPDATE vehicle SET household_id = NULL, owner_person_id = :p WHERE id = :id"),
                     {"p": outside["id"], "id": vehicle["id"]})
    beat_of = "SELECT beat_id FROM household WHERE id = :id"
    vehicle_beat = "SELECT beat_id FROM vehicle WHERE id = :id"
    outside_beat = app_conn.execute(text(beat_of), {"id": outside["household_id"]}).scalar()
    assert app_conn.execute(text(vehicle_beat), {"id": vehicle["id"]}).scalar() == outside_beat
    # the owner moves into officer1's beats: the vehicle follows
    app_conn.execute(text("UPDATE person SET household_id = :h WHERE id = :id"),
                     {"h": inside["household_id"], "id": outside["id"]})
    inside_beat = app_conn.execute(text(beat_of), {"id": inside["household_id"]}).scalar()
    assert app_conn.execute(text(vehicle_beat), {"id": vehicle["id"]}).scalar() == inside_beat


def test_a_refused_query_still_checks_the_user_first(client, login):
    assert client.get("/api/search", params={"q": "张"}, headers=login("leader")).status_code == 403
    r = client.get("/api/search", params={"q": "张"}, headers=login("officer1"))
    assert r.status_code == 422 and r.json()["code"] == "search.too_short"
    r = client.get("/api/search", params={"q": "张三"}, headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401


@pytest.mark.parametrize("q", ["\\\\", "%_", "鲁" * 64, "1" * 64, "12345678901234567890X", "x" * 17 + "1",
                               "9" * 21, "１号楼１１０２", "😀😀", "'; DROP TABLE person; --", "3单元", "_%号楼1102"])
def test_hostile_or_odd_queries_answer_without_a_server_error(client, login, q):
    r = client.get("/api/search", params={"q": q}, headers=login("chief"))
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert r.json()["code"].startswith("search.")
