"""Search finds organisations by name and credit code, buildings without households by address, and
room-level addresses ("1号楼1102", "3单元502") — in the user's beats only."""
import pytest
from sqlalchemy import text

from api.places.service import room_address
from tests.organisations.conftest import new_credit_code


def _search(client, headers, q):
    r = client.get("/api/search", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["results"]


@pytest.mark.parametrize("q, expected", [
    ("1号楼1102", ("1102", None, "1号楼")),
    ("3单元502", ("502", 3, None)),
    ("梁才社区2号楼1单元301室", ("301", 1, "梁才社区2号楼")),
    ("1102", None),
    ("张伟", None),
])
def test_room_addresses_are_recognised(q, expected):
    assert room_address(q) == expected


def test_an_organisation_is_found_by_name_and_by_credit_code(client, login, empty_building, add_organisation):
    code = new_credit_code()
    org = add_organisation(empty_building["id"], name="金鼎网吧", kind="internet_cafe", credit_code=code)
    headers = login("officer1")
    for q in ("金鼎网吧", "金鼎", code, code.lower()):
        hits = [h for h in _search(client, headers, q) if h["type"] == "organisation"]
        assert org in [h["id"] for h in hits], q
        hit = next(h for h in hits if h["id"] == org)
        assert hit["building_id"] == empty_building["id"] and hit["label"] == "金鼎网吧"


def test_an_organisation_of_another_beat_is_not_found(client, login, foreign_empty_building, add_organisation):
    code = new_credit_code()
    add_organisation(foreign_empty_building["id"], name="外区网吧", credit_code=code)
    headers = login("officer1")
    for q in ("外区网吧", code):
        assert not [h for h in _search(client, headers, q) if h["type"] == "organisation"], q
    assert [h for h in _search(client, login("chief"), code) if h["type"] == "organisation"]


def test_a_building_without_households_is_found_by_address(client, login, empty_building):
    hits = _search(client, login("officer1"), empty_building["address"])
    assert empty_building["id"] in [h["id"] for h in hits if h["type"] == "building"]


def test_room_level_addresses_find_the_household(client, login, app_conn, big_building):
    row = app_conn.execute(text("""
        SELECT h.id, h.unit, h.room, b.address FROM household h JOIN building b ON b.id = h.building_id
        WHERE b.id = :b ORDER BY h.unit DESC, h.room DESC LIMIT 1"""), {"b": big_building["id"]}).first()
    tail = row.address[-6:]  # e.g. "社区12号楼" or "集村132号": the end of the address names the building
    headers = login("officer1")
    for q in (f"{tail}{row.room}", f"{tail}{row.unit}单元{row.room}", f"{row.unit}单元{row.room}"):
        hits = [h for h in _search(client, headers, q) if h["type"] == "household"]
        assert row.id in [h["id"] for h in hits], q
    # another building's number is not a match ("1号楼" is not "11号楼")
    hits = [h for h in _search(client, headers, f"9{tail[-3:]}{row.room}") if h["type"] == "household"]
    assert row.id not in [h["id"] for h in hits]


def test_room_addresses_stay_in_scope(client, login, app_conn, foreign_building):
    row = app_conn.execute(text("""
        SELECT h.id, h.unit, h.room, b.address FROM household h JOIN building b ON b.id = h.building_id
        WHERE b.id = :b ORDER BY h.id LIMIT 1"""), {"b": foreign_building["id"]}).first()
    hits = _search(client, login("officer1"), f"{row.address[-6:]}{row.unit}单元{row.room}")
    assert row.id not in [h["id"] for h in hits if h["type"] == "household"]
