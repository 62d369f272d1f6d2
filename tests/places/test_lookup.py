"""GET /api/lookup: the building at a point, its residents masked, scoped, constant query count."""
import re

from sqlalchemy import event, text

from api import db
from tests.conftest import DEMO_PASSWORD, scalar
from tests.places.conftest import one, rows, whole_households

MASKED_ID = re.compile(r"^\d{6}\*{8}[\dX]{4}$")

# a point about :d metres outside a building of the beats, with no other building within :clear metres
POINT_NEAR_BUILDING = """
WITH b AS (
  SELECT DISTINCT b.id, b.footprint FROM building b JOIN household h ON h.building_id = b.id
  WHERE h.beat_id = ANY(CAST(:beats AS integer[])) ORDER BY b.id LIMIT 400
), pts AS (
  SELECT b.id, (ST_DumpPoints(ST_ExteriorRing(ST_Buffer(b.footprint::geography, :d, 8)::geometry))).geom AS pt
  FROM b
)
SELECT pts.id, ST_X(pts.pt) AS lon, ST_Y(pts.pt) AS lat
FROM pts
WHERE NOT EXISTS (SELECT 1 FROM building o WHERE o.id <> pts.id
                  AND ST_DWithin(o.footprint, pts.pt, 0.002)
                  AND ST_DWithin(o.footprint::geography, pts.pt::geography, :clear))
ORDER BY pts.id
LIMIT 1
"""


def test_lookup_returns_the_building_and_its_residents_masked(client, login, app_conn, big_building):
    r = client.get("/api/lookup", params={"lon": big_building["lon"], "lat": big_building["lat"]},
                   headers=login("officer1"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["building"]["id"] == big_building["id"]
    assert doc["building"]["address"] == big_building["address"]
    assert doc["households_total"] == big_building["households"]
    households = whole_households(client, login("officer1"), doc)  # the first page and the next ones
    assert len(households) == big_building["households"]
    residents = [p for h in households for p in h["residents"]]
    assert doc["residents_total"] == len(residents)
    expected = rows(app_conn, """SELECT p.id, p.name, p.id_number FROM person p JOIN household h
                                 ON h.id = p.household_id WHERE h.building_id = :b AND p.moved_out IS NULL""",
                    b=big_building["id"])
    assert {p["id"] for p in residents} == {p["id"] for p in expected}
    names = {p["name"] for p in residents}
    assert expected[0]["name"] in names
    for person in residents:
        assert MASKED_ID.match(person["id_number_masked"]), person["id_number_masked"]
        assert {"age", "gender", "residency", "tags"} <= person.keys()
    for person in expected:  # no full ID number anywhere in the answer
        assert person["id_number"] not in r.text
    for household in households:
        assert {"vehicles", "visits", "open_disputes", "unit", "floor", "room", "kind"} <= household.keys()
        stamps = [v["visited_at"] for v in household["visits"]]
        assert stamps == sorted(stamps, reverse=True)
    assert isinstance(doc["incidents_nearby"], list)


def test_lookup_is_audited(client, login, app_conn, big_building):
    client.get("/api/lookup", params={"lon": big_building["lon"], "lat": big_building["lat"]},
               headers=login("officer1"))
    n = app_conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'lookup'"
                              " AND object_type = 'building' AND object_id = :id AND username = 'officer1'"),
                         {"id": str(big_building["id"])}).scalar()
    assert n >= 1


def test_a_point_25_m_from_a_building_finds_it(client, login, app_conn, officer1_beats):
    near = one(app_conn, POINT_NEAR_BUILDING, beats=officer1_beats, d=25, clear=40)
    r = client.get("/api/lookup", params={"lon": near["lon"], "lat": near["lat"]}, headers=login("officer1"))
    assert r.status_code == 200, r.text
    assert r.json()["building"]["id"] == near["id"]


def test_a_point_100_m_from_any_building_is_404_with_a_message(client, login, app_conn, officer1_beats):
    far = one(app_conn, POINT_NEAR_BUILDING, beats=officer1_beats, d=100, clear=95)
    r = client.get("/api/lookup", params={"lon": far["lon"], "lat": far["lat"]}, headers=login("officer1"))
    assert r.status_code == 404
    detail = r.json()["detail"]
    assert "no building" in detail and "30 m" in detail and "nearest building" in detail


def test_out_of_scope_building_is_404_for_the_officer_but_200_for_the_chief(
    client, login, foreign_building
):
    params = {"lon": foreign_building["lon"], "lat": foreign_building["lat"]}
    r = client.get("/api/lookup", params=params, headers=login("officer1"))
    assert r.status_code == 404
    assert "not found in your beats" in r.json()["detail"]
    r = client.get("/api/lookup", params=params, headers=login("chief"))
    assert r.status_code == 200
    assert r.json()["building"]["id"] == foreign_building["id"]


def test_aggregate_roles_get_403(client, login, big_building):
    params = {"lon": big_building["lon"], "lat": big_building["lat"]}
    for username in ("leader", "planner", "admin"):
        r = client.get("/api/lookup", params=params, headers=login(username))
        assert r.status_code == 403, username


def test_lookup_needs_a_token_and_valid_coordinates(client, login):
    assert client.get("/api/lookup", params={"lon": 118, "lat": 37.4}).status_code == 401
    r = client.get("/api/lookup", params={"lon": 200, "lat": 37.4}, headers=login("officer1"))
    assert r.status_code == 422
    r = client.get("/api/lookup", params={"lon": "east", "lat": 37.4}, headers=login("officer1"))
    assert r.status_code == 422


def _seen(client, app_conn, headers, building, monkeypatch) -> list[str]:
    """The statements a lookup sent on the test's connection: through SQLAlchemy (the test's own SET ROLE …)
    and through api.db.one_row (psycopg's async interface on the same connection)."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    fetch = db._fetch

    async def counted(wrapper, sql, values):
        seen.append(sql)
        return await fetch(wrapper, sql, values)

    monkeypatch.setattr(db, "_fetch", counted)
    event.listen(app_conn, "before_cursor_execute", count)
    try:
        r = client.get("/api/lookup", params={"lon": building["lon"], "lat": building["lat"]},
                       headers=headers)
    finally:
        event.remove(app_conn, "before_cursor_execute", count)
        monkeypatch.setattr(db, "_fetch", fetch)
    assert r.status_code == 200
    return seen


def _statements(client, app_conn, headers, building, monkeypatch) -> int:
    seen = _seen(client, app_conn, headers, building, monkeypatch)
    return len([s for s in seen if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))])


def test_constant_number_of_statements_whatever_the_household_count(
    client, login, app_conn, big_building, small_building, monkeypatch
):
    headers = login("officer1")
    assert big_building["households"] > small_building["households"]
    few = _statements(client, app_conn, headers, small_building, monkeypatch)
    many = _statements(client, app_conn, headers, big_building, monkeypatch)
    assert few == many
    assert many <= 4  # the test session's SET ROLE, set_config and RESET ROLE, and the one holomap_lookup call


def test_lookup_is_one_call_of_holomap_lookup(client, login, app_conn, big_building, monkeypatch):
    seen = _seen(client, app_conn, headers=login("officer1"), building=big_building, monkeypatch=monkeypatch)
    assert len([s for s in seen if "holomap_lookup(" in s]) == 1


def _token(client, username: str) -> dict[str, str]:
    r = client.post("/api/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_revoked_token_or_disabled_account_gets_401_on_the_next_lookup(client, app_conn, big_building):
    params = {"lon": big_building["lon"], "lat": big_building["lat"]}
    headers = _token(client, "officer1")
    assert client.get("/api/lookup", params=params, headers=headers).status_code == 200
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    r = client.get("/api/lookup", params=params, headers=headers)
    assert r.status_code == 401 and "sign in again" in r.json()["detail"]
    headers = _token(client, "officer1")
    assert client.get("/api/lookup", params=params, headers=headers).status_code == 200
    app_conn.execute(text("UPDATE app_user SET active = false WHERE username = 'officer1'"))
    assert client.get("/api/lookup", params=params, headers=headers).status_code == 401


def test_a_beat_membership_change_applies_to_the_next_lookup(client, login, app_conn, big_building):
    params = {"lon": big_building["lon"], "lat": big_building["lat"]}
    headers = login("officer1")
    assert client.get("/api/lookup", params=params, headers=headers).status_code == 200
    app_conn.execute(text("DELETE FROM beat_member"
                          " WHERE user_id = (SELECT id FROM app_user WHERE username = 'officer1')"))
    r = client.get("/api/lookup", params=params, headers=headers)
    assert r.status_code == 404 and "not found in your beats" in r.json()["detail"]


def test_denied_lookups_are_audited_as_denials(client, login, app_conn, big_building, foreign_building):
    client.get("/api/lookup", params={"lon": foreign_building["lon"], "lat": foreign_building["lat"]},
               headers=login("officer1"))
    client.get("/api/lookup", params={"lon": big_building["lon"], "lat": big_building["lat"]},
               headers=login("leader"))
    denials = rows(app_conn, "SELECT username, reason_code, reason_params FROM audit_log WHERE outcome = 'denied'"
                             " AND action = 'GET /api/lookup' ORDER BY id")
    assert [d["username"] for d in denials[-2:]] == ["officer1", "leader"]
    assert {d["reason_code"] for d in denials[-2:]} == {"request.denied"}
    assert denials[-2]["reason_params"]["status"] == 404 and denials[-2]["reason_params"]["code"].startswith("building")
    assert denials[-1]["reason_params"]["status"] == 403
    # a denied lookup writes no 'lookup' (read) row
    assert scalar(app_conn, "SELECT count(*) FROM audit_log WHERE action = 'lookup' AND object_id = :id",
                  id=str(foreign_building["id"])) == 0


def test_a_read_audit_row_carries_the_request_id_and_address(client, login, app_conn, big_building):
    client.get("/api/lookup", params={"lon": big_building["lon"], "lat": big_building["lat"]},
               headers={**login("officer1"), "X-Request-ID": "req-lookup-1"})
    row = one(app_conn, "SELECT client_addr, object_id FROM audit_log WHERE request_id = 'req-lookup-1'")
    assert row["object_id"] == str(big_building["id"]) and row["client_addr"]
