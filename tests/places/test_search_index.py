"""GET /api/search through holomap_search (migration 0020): each branch from its index, same scope and ranks.

Cases the index paths must not lose: a fragment of 1–2 characters (no trigram) at the start, the end or
inside a name and inside an address; a plate typed in lower case (upper(plate) index); and the function's
own scope rule (no user, or a role without personal scope: no rows).
"""
from sqlalchemy import text

from api.places import queries
from tests.conftest import as_app_role
from tests.places.conftest import one

IN_BEATS = "h.beat_id = ANY(CAST(:beats AS integer[]))"
PERSON = f"""
SELECT p.id FROM person p JOIN household h ON h.id = p.household_id
WHERE {IN_BEATS} AND p.moved_out IS NULL ORDER BY p.id LIMIT 1
"""
BUILDING = f"""
SELECT b.id FROM building b JOIN household h ON h.building_id = b.id
WHERE ({IN_BEATS}) = :inside ORDER BY b.id LIMIT 1
"""
VEHICLE = f"""
SELECT v.id, v.plate FROM vehicle v JOIN household h ON h.id = v.household_id
WHERE {IN_BEATS} AND v.plate ~ '[A-Z]' ORDER BY v.id LIMIT 1
"""


def _search(client, headers, q):
    r = client.get("/api/search", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def _hit(results, kind, ident):
    return next((h for h in results if h["type"] == kind and h["id"] == ident), None)


def test_two_characters_find_a_name_by_its_start_end_and_middle(client, login, app_conn, officer1_beats):
    person = one(app_conn, PERSON, beats=officer1_beats)
    app_conn.execute(text("UPDATE person SET name = '欧阳娜莎' WHERE id = :id"), {"id": person["id"]})
    headers = login("officer1")
    for fragment, rank in (("欧阳", 1), ("娜莎", 2), ("阳娜", 2)):
        hit = _hit(_search(client, headers, fragment), "person", person["id"])
        assert hit is not None and hit["rank"] == rank, fragment
    assert _hit(_search(client, headers, "欧阳娜莎"), "person", person["id"])["rank"] == 0


def test_two_characters_find_an_address_in_scope_only(client, login, app_conn, officer1_beats):
    inside = one(app_conn, BUILDING, beats=officer1_beats, inside=True)
    outside = one(app_conn, BUILDING, beats=officer1_beats, inside=False)
    for b in (inside, outside):
        app_conn.execute(text("UPDATE building SET address = :a WHERE id = :id"),
                         {"a": f"测试路鹳鹬{b['id']}号", "id": b["id"]})
    results = _search(client, login("officer1"), "鹳鹬")
    assert _hit(results, "building", inside["id"])["rank"] == 2
    assert _hit(results, "building", outside["id"]) is None


def test_a_plate_typed_in_lower_case_is_the_same_plate(client, login, app_conn, officer1_beats):
    vehicle = one(app_conn, VEHICLE, beats=officer1_beats)
    hit = _hit(_search(client, login("officer1"), vehicle["plate"].lower()), "vehicle", vehicle["id"])
    assert hit is not None and hit["rank"] == 0


def _params(q: str) -> dict:
    return {"by_name": False, "by_id": True, "by_digits": True, "by_plate": True, "by_address": True,
            "short": False, "exact": q, "prefix": q + "%", "tail": "%" + q, "contains": "%" + q + "%",
            "exact_upper": q, "tail_upper": "%" + q, "contains_upper": "%" + q + "%", "rev_lo": q[::-1],
            "rev_hi": q[::-1][:-1] + chr(ord(q[-1]) + 1), "per_kind": 20,
            "room": None, "unit": None, "room_building": None}


def test_the_function_applies_the_scope_itself(app_conn, officer1_beats):
    """Called directly by the app role: no request user, or a role without personal scope, finds nothing."""
    id_number = app_conn.execute(text(
        "SELECT p.id_number FROM person p JOIN household h ON h.id = p.household_id "
        f"WHERE {IN_BEATS} AND p.moved_out IS NULL ORDER BY p.id LIMIT 1"), {"beats": officer1_beats}).scalar()
    users = dict(app_conn.execute(text(
        "SELECT username, id FROM app_user WHERE username IN ('officer1', 'leader')")).all())
    with as_app_role(app_conn):
        assert app_conn.execute(text(queries.SEARCH), _params(id_number)).scalar() == "[]"
        for username, found in (("leader", False), ("officer1", True)):
            app_conn.execute(text("SELECT set_config('holomap.user_id', CAST(:id AS text), true)"),
                             {"id": users[username]})
            assert (app_conn.execute(text(queries.SEARCH), _params(id_number)).scalar() != "[]") == found


# the buildings a search for q should answer for the user's beats (holomap_search's rule, without its indexes):
# the best 20 by rank, length and id, sent by rank and address (holomap_search_request's order)
SCOPE = "ANY(CAST(:beats AS integer[]))"
BUILDINGS_IN_SCOPE = f"""
SELECT x.id, x.rank FROM (
  SELECT b.id, b.address::text, CASE WHEN b.address = :q THEN 0 WHEN b.address LIKE :q || '%' THEN 1 ELSE 2 END AS rank
  FROM building b
  WHERE b.address LIKE '%' || :q || '%'
    AND (EXISTS (SELECT 1 FROM household h WHERE h.building_id = b.id AND h.beat_id = {SCOPE})
         OR EXISTS (SELECT 1 FROM beat bt WHERE bt.id = {SCOPE} AND ST_Covers(bt.geom, b.centroid)))
  ORDER BY 3, length(b.address), b.id LIMIT 20) x
ORDER BY x.rank, x.address
"""


def test_a_common_and_a_rare_address_fragment_answer_the_scope(client, login, app_conn, officer1_beats):
    """An address fragment in every building ("滨城区": planned for its pattern) and one in a few (the generic plan,
    address index first) answer the buildings in scope, best first, as the rule says without any index."""
    building = one(app_conn, BUILDING, beats=officer1_beats, inside=True)
    address = app_conn.execute(text("SELECT address FROM building WHERE id = :id"), {"id": building["id"]}).scalar()
    common, rare = address[:3], address[-5:]
    estimate = "SELECT holomap_address_estimate('%' || :q || '%')"
    assert app_conn.execute(text(estimate), {"q": common}).scalar() > 2500  # the threshold in search.sql
    assert app_conn.execute(text(estimate), {"q": rare}).scalar() <= 2500
    headers = login("officer1")
    for q in (common, rare):
        found = app_conn.execute(text(BUILDINGS_IN_SCOPE), {"q": q, "beats": officer1_beats})
        expected = [(r.id, r.rank) for r in found]
        got = [(h["id"], h["rank"]) for h in _search(client, headers, q) if h["type"] == "building"]
        assert got == expected and expected, q


def test_a_common_fragment_finds_the_buildings_of_either_scope_rule(client, login, app_conn, officer1_beats):
    """A fragment in thousands of addresses starts from the scope's buildings (search.sql): those of its
    households and those its beats cover. A building without households inside a beat, and one outside the beats
    with a household in one, are found (the exact address first); one outside with no household in scope
    is not; the whole answer is the rule's."""
    inside = one(app_conn, BUILDING, beats=officer1_beats, inside=True)
    station, village, address = app_conn.execute(text(
        "SELECT station_id, village_id, address FROM building WHERE id = :id"), {"id": inside["id"]}).one()
    common = address[:3]
    covered = app_conn.execute(text(
        "INSERT INTO building (station_id, village_id, address, footprint, floors, units, kind) "
        "SELECT :s, :v, :a, ST_Buffer(ST_PointOnSurface(bt.geom), 0.00005, 4), 1, 1, 'commercial' "
        "FROM beat bt WHERE bt.id = :beat RETURNING id"),
        {"s": station, "v": village, "a": common, "beat": officer1_beats[0]}).scalar()
    linked = one(app_conn, BUILDING, beats=officer1_beats, inside=False)
    stranger = app_conn.execute(text(
        "SELECT b.id FROM building b WHERE b.id <> :linked AND NOT EXISTS (SELECT 1 FROM household h "
        f"WHERE h.building_id = b.id AND {IN_BEATS}) AND NOT EXISTS (SELECT 1 FROM beat bt WHERE "
        "bt.id = ANY(CAST(:beats AS integer[])) AND ST_Covers(bt.geom, b.centroid)) ORDER BY b.id LIMIT 1"),
        {"linked": linked["id"], "beats": officer1_beats}).scalar()
    app_conn.execute(text("UPDATE household SET beat_id = :beat WHERE id = (SELECT min(id) FROM household "
                          "WHERE building_id = :b)"), {"beat": officer1_beats[0], "b": linked["id"]})
    for b, suffix in ((linked["id"], "甲"), (stranger, "乙")):
        app_conn.execute(text("UPDATE building SET address = :a WHERE id = :id"), {"a": common + suffix, "id": b})
    estimate = "SELECT holomap_address_estimate('%' || :q || '%')"
    assert app_conn.execute(text(estimate), {"q": common}).scalar() > 2500  # the scope-first path
    got = [(h["id"], h["rank"]) for h in _search(client, login("officer1"), common) if h["type"] == "building"]
    expected = [(r.id, r.rank) for r in app_conn.execute(text(BUILDINGS_IN_SCOPE),
                                                         {"q": common, "beats": officer1_beats})]
    assert got == expected
    ids = [i for i, _ in got]
    assert got[0] == (covered, 0) and linked["id"] in ids and stranger not in ids


def test_a_common_two_character_fragment_answers_the_buildings_of_the_scopes_households(client, login, app_conn,
                                                                                         officer1_beats):
    """Two characters in thousands of addresses ("滨城") start from the scope too, under their own rule: the
    buildings of the households in scope (no beat covering test, as for a rare pair read by its bigrams)."""
    building = one(app_conn, BUILDING, beats=officer1_beats, inside=True)
    pair = app_conn.execute(text("SELECT left(address, 2) FROM building WHERE id = :id"),
                            {"id": building["id"]}).scalar()
    assert app_conn.execute(text("SELECT holomap_address_estimate('%' || :q || '%')"), {"q": pair}).scalar() > 2500
    households_only = BUILDINGS_IN_SCOPE.replace(
        f"OR EXISTS (SELECT 1 FROM beat bt WHERE bt.id = {SCOPE} AND ST_Covers(bt.geom, b.centroid))", "")
    assert households_only != BUILDINGS_IN_SCOPE
    expected = [(r.id, r.rank) for r in app_conn.execute(text(households_only), {"q": pair, "beats": officer1_beats})]
    got = [(h["id"], h["rank"]) for h in _search(client, login("officer1"), pair) if h["type"] == "building"]
    assert got == expected and expected
