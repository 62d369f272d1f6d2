"""Issue 14.9: registering an ID number or a plate that exists in another beat still answers 409 (so the
user knows to ask the station), with its own code, and is audited as a denied probe in a transaction of
its own; a duplicate in the user's own beats keeps its plain 409."""
from sqlalchemy import text

from tests.conftest import scalar
from tests.people.test_collection import fresh_plate, register
from tests.visits.places import beat_of, household_in

OUTSIDE = """
SELECT {col} AS value FROM {table} x JOIN household h ON h.id = x.household_id
WHERE h.beat_id <> ALL(CAST(:b AS int[])) AND {col} IS NOT NULL LIMIT 1
"""
PROBES = ("SELECT count(*) FROM audit_log WHERE outcome = 'denied' AND username = 'officer1' "
          "AND reason_code = 'request.denied' AND (reason_params ->> 'status')::int = 409 "
          "AND reason_params ->> 'code' LIKE :r")


def _officer1_beats(app_conn) -> list[int]:
    return list(app_conn.execute(text(
        "SELECT coalesce(array_agg(m.beat_id), '{}') FROM beat_member m JOIN app_user u ON u.id = m.user_id "
        "WHERE u.username = 'officer1'")).scalar())


def _outside(app_conn, table: str, col: str) -> str:
    return app_conn.execute(text(OUTSIDE.format(table=table, col=col)), {"b": _officer1_beats(app_conn)}).scalar()


def test_an_id_number_of_another_beat_is_409_elsewhere_and_audited(client, login, app_conn):
    home = household_in(app_conn, beat_of(app_conn, "officer1"))
    number = _outside(app_conn, "person", "x.id_number")
    r = register(client, login("officer1"), home.id, name="探测", id_number=number, residency="floating")
    assert r.status_code == 409 and r.json()["code"] == "person.registered_elsewhere"
    assert "another beat" in r.json()["detail"] and number not in r.text
    assert scalar(app_conn, PROBES, r="person.registered_elsewhere") == 1
    assert scalar(app_conn, "SELECT count(*) FROM person WHERE id_number = :n", n=number) == 1


def test_a_duplicate_in_the_own_beat_is_a_plain_409(client, login, app_conn):
    home = household_in(app_conn, beat_of(app_conn, "officer1"))
    mine = app_conn.execute(text("SELECT p.id_number FROM person p JOIN household h ON h.id = p.household_id "
                                 "WHERE h.beat_id = :b LIMIT 1"), {"b": beat_of(app_conn, "officer1")}).scalar()
    r = register(client, login("officer1"), home.id, name="重复", id_number=mine, residency="floating")
    assert r.status_code == 409 and r.json()["code"] == "person.duplicate"
    assert scalar(app_conn, PROBES, r="%") == 0


def test_a_plate_of_another_beat_is_409_elsewhere_and_audited_on_register_and_correct(client, login, app_conn):
    headers = login("officer1")
    home = household_in(app_conn, beat_of(app_conn, "officer1"))
    plate = _outside(app_conn, "vehicle", "x.plate")
    r = client.post(f"/api/households/{home.id}/vehicles", json={"plate": plate}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "vehicle.registered_elsewhere", r.text
    mine = client.post(f"/api/households/{home.id}/vehicles", json={"plate": fresh_plate(app_conn)},
                       headers=headers).json()
    r = client.patch(f"/api/vehicles/{mine['id']}", json={"plate": plate}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "vehicle.registered_elsewhere"
    assert scalar(app_conn, PROBES, r="vehicle.registered_elsewhere") == 2
