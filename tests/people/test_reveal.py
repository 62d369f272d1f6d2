"""POST /api/persons/{id}/reveal: the full ID number for a reason, audited; never for grid members."""
import pytest
from sqlalchemy import text

from tests.places.conftest import OFFICER_BEATS, one, rows

PERSON_IN = """
SELECT p.id, p.id_number FROM person p JOIN household h ON h.id = p.household_id
WHERE (h.beat_id = ANY(CAST(:beats AS integer[]))) = :inside ORDER BY p.id LIMIT 1
"""


@pytest.fixture()
def beats(app_conn):
    return [r["id"] for r in rows(app_conn, OFFICER_BEATS, username="officer1")]


def test_officer_reveals_with_a_reason_and_it_is_audited(client, login, app_conn, beats):
    person = one(app_conn, PERSON_IN, beats=beats, inside=True)
    r = client.post(f"/api/persons/{person['id']}/reveal", json={"reason": "核对户籍信息"},
                    headers=login("officer1"))
    assert r.status_code == 200, r.text
    assert r.json()["id_number"] == person["id_number"]
    reason = app_conn.execute(text(
        "SELECT reason FROM audit_log WHERE action = 'reveal_id_number' AND object_id = :id"
        " AND username = 'officer1' AND outcome = 'ok' ORDER BY id DESC LIMIT 1"),
        {"id": str(person["id"])}).scalar()
    assert reason == "核对户籍信息"


@pytest.mark.parametrize("body", [{"reason": ""}, {"reason": "   "}, {}])
def test_a_reason_is_required(client, login, app_conn, beats, body):
    person = one(app_conn, PERSON_IN, beats=beats, inside=True)
    r = client.post(f"/api/persons/{person['id']}/reveal", json=body, headers=login("officer1"))
    assert r.status_code == 422
    assert "reason" in r.json()["detail"]


def test_grid_members_and_aggregate_roles_are_refused(client, login, app_conn, beats):
    person = one(app_conn, PERSON_IN, beats=beats, inside=True)
    url = f"/api/persons/{person['id']}/reveal"
    r = client.post(url, json={"reason": "核对"}, headers=login("grid1"))
    assert r.status_code == 403
    assert person["id_number"] not in r.text
    for username in ("leader", "planner", "admin"):
        assert client.post(url, json={"reason": "核对"}, headers=login(username)).status_code == 403


def test_out_of_scope_person_is_404_for_the_officer(client, login, app_conn, beats):
    person = one(app_conn, PERSON_IN, beats=beats, inside=False)
    r = client.post(f"/api/persons/{person['id']}/reveal", json={"reason": "核对"}, headers=login("officer1"))
    assert r.status_code == 404
    r = client.post(f"/api/persons/{person['id']}/reveal", json={"reason": "核对"}, headers=login("chief"))
    assert r.status_code == 200


def test_sql_masking_matches_python(app_conn):
    from geo.idnumber import mask
    from geo.masking import mask_phone, mask_plate

    phones = ["13812345678", "+86 138 1234 5678", "0543-3212345", "12345", "86-13912345678"]
    plates = ["鲁M12345", "鲁MD12345", "鲁M1", "京A-1234"]
    ids = ["371602199001011234", "37160219900101123X"]
    def sql(function: str, value: str) -> str:
        return app_conn.execute(text(f"SELECT {function}(:v)"), {"v": value}).scalar()

    for value in phones:
        assert sql("holomap_mask_phone", value) == mask_phone(value)
    for value in plates:
        assert sql("holomap_mask_plate", value) == mask_plate(value)
    for value in ids:
        assert sql("holomap_mask_id", value) == mask(value)
