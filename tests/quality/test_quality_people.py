"""数据质量 checks of residents (issue 17): an ID number that contradicts the record, and residents never seen in
a visit — a defect is counted and listed, fixed (through the API where the API can) and gone."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from api.clock import china_today
from geo.idnumber import checksum_char
from tests.conftest import scalar
from tests.quality.test_quality import _cycle
from tests.visits.places import beat_of

RESIDENT_OF = """
SELECT p.id FROM person p JOIN household h ON h.id = p.household_id
WHERE h.beat_id = :b AND p.moved_out IS NULL AND p.residency = 'registered' ORDER BY p.id LIMIT 1
"""
# a resident seen in a visit (the household's last visit before yesterday, China time, after the move-in)
SEEN_BEFORE_YESTERDAY = """
SELECT p.id, h.id AS household_id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat
FROM person p JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
JOIN LATERAL (SELECT max((v.visited_at AT TIME ZONE 'Asia/Shanghai')::date) AS last FROM visit v
              WHERE v.household_id = h.id) lv ON true
WHERE h.beat_id = :b AND p.moved_out IS NULL AND lv.last < :yesterday
  AND (p.moved_in IS NULL OR p.moved_in <= lv.last)
ORDER BY p.id LIMIT 1
"""


def _set(app_conn, person, **values):  # noqa: ANN001 (a column list of the test's own)
    sets = ", ".join(f"{k} = :{k}" for k in values)
    app_conn.execute(text(f"UPDATE person SET {sets} WHERE id = :id"), {**values, "id": person})


def test_id_number_with_an_unknown_region(client, login, app_conn):
    """A registered ID number never changes (keep_identity.sql): the wrong record is retired (moved out)."""
    beat = beat_of(app_conn, "officer1")
    household = scalar(app_conn, "SELECT household_id FROM person WHERE id = :id",
                       id=scalar(app_conn, RESIDENT_OF, b=beat))
    wrong = "10010119900101123"  # no province has code 10; born 1990-01-01, sex digit 3: male
    person = {}
    headers = login("officer1")

    def register():
        person["id"] = scalar(app_conn, """
            INSERT INTO person (household_id, name, id_number, gender, birth_date, residency, relation_to_head)
            VALUES (:h, '错号人', :n, 'M', DATE '1990-01-01', 'registered', '其他') RETURNING id""",
                              h=household, n=wrong + checksum_char(wrong))

    def retire():
        r = client.patch(f"/api/persons/{person['id']}", headers=headers,
                         json={"moved_out": china_today().isoformat()})
        assert r.status_code == 200, r.text

    _cycle(client, login, beat, "person_id_conflict", lambda: person["id"], register, retire)


def test_moved_in_before_birth(client, login, app_conn):
    beat = beat_of(app_conn, "officer1")
    person = scalar(app_conn, RESIDENT_OF, b=beat)
    birth = scalar(app_conn, "SELECT birth_date FROM person WHERE id = :id", id=person)
    headers = login("officer1")

    def fix():
        r = client.patch(f"/api/persons/{person}", headers=headers,
                         json={"moved_in": (birth + timedelta(days=400)).isoformat()})
        assert r.status_code == 200, r.text

    _cycle(client, login, beat, "person_id_conflict", lambda: person,
           lambda: _set(app_conn, person, moved_in=birth - timedelta(days=30), moved_out=None), fix)


def test_resident_never_seen_in_a_visit(client, login, app_conn):
    beat = beat_of(app_conn, "officer1")
    yesterday = china_today() - timedelta(days=1)
    seen = app_conn.execute(text(SEEN_BEFORE_YESTERDAY), {"b": beat, "yesterday": yesterday}).first()
    assert seen is not None, "the seed has visited households in officer1's beat"
    headers = login("officer1")

    def visit():
        r = client.post("/api/visits", headers=headers, json={
            "household_id": seen.household_id,
            "visited_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            "checklist": {"verify_residents": True}, "notes": "新入住人员见面核实", "follow_up": False,
            "location": {"lon": seen.lon, "lat": seen.lat, "accuracy_m": 8}})
        assert r.status_code == 201, r.text

    # moved in yesterday, after the household's last visit: not seen since; a visit today sees them
    _cycle(client, login, beat, "person_not_visited", lambda: seen.id,
           lambda: _set(app_conn, seen.id, moved_in=yesterday), visit)


def test_the_new_checks_are_on_the_board_for_leaders_as_counts_only(client, login):
    r = client.get("/api/quality", headers=login("chief"))
    assert r.status_code == 200, r.text
    codes = {c["code"]: c for c in r.json()["checks"]}
    for code in ("person_id_conflict", "person_not_visited"):
        assert codes[code]["checked"] > 0
        assert set(codes[code]) == {"code", "checked", "failing", "score"}
