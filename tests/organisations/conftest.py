"""Buildings without households (shops, schools, factories) in and out of officer1's beats, and a helper that
registers an organisation with employees directly in the test's transaction."""
import pytest
from sqlalchemy import text

from geo import creditcode
from geo.idnumber import make
from tests.places.conftest import big_building, foreign_building, officer1_beats, one  # noqa: F401 (fixtures)

# a building with no household, standing in one of the beats (or in a published beat outside them)
EMPTY_BUILDING = """
SELECT b.id, b.kind, b.address, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, bt.id AS beat_id,
       b.units, b.floors
FROM building b
JOIN beat bt ON ST_Covers(bt.geom, b.centroid)
JOIN beat_plan p ON p.id = bt.plan_id AND p.status = 'published'
WHERE NOT EXISTS (SELECT 1 FROM household h WHERE h.building_id = b.id)
  AND (bt.id = ANY(CAST(:beats AS integer[]))) = :inside
  AND (CAST(:kind AS text) IS NULL OR b.kind = :kind)
ORDER BY b.id
LIMIT 1
"""

_seq = iter(range(1, 10**6))


def new_credit_code() -> str:
    """A valid 统一社会信用代码 unlikely to be in the seed (division 371699, test range)."""
    n = next(_seq)
    return creditcode.make(f"92371699{900000000 - n:09d}")


def new_id_number(n: int = 0) -> str:
    from datetime import date

    return make("371602", date(1990, 1, 1 + n % 28), 400 + n % 99, "M")


@pytest.fixture()
def empty_building(app_conn, officer1_beats):  # noqa: F811 (the imported fixture)
    """A building without households in officer1's beats."""
    return one(app_conn, EMPTY_BUILDING, beats=officer1_beats, inside=True, kind=None)


@pytest.fixture()
def foreign_empty_building(app_conn, officer1_beats):  # noqa: F811
    """A building without households in a published beat that is not officer1's."""
    return one(app_conn, EMPTY_BUILDING, beats=officer1_beats, inside=False, kind=None)


@pytest.fixture()
def add_organisation(app_conn):
    """add_organisation(building_id, name=…, employees=[(name, id_number)]) → id, written as the owner."""

    def _add(building_id: int, name: str = "测试便利店", kind: str = "shop", employees=(), **fields) -> int:
        org_id = app_conn.execute(text(
            "INSERT INTO organisation (building_id, name, kind, credit_code, person_in_charge, phone, small_venue,"
            " unit, floor, room, fire_check_on) VALUES (:b, :name, :kind, :code, :pic, :phone, :small, :unit,"
            " :floor, :room, :fire) RETURNING id"),
            {"b": building_id, "name": name, "kind": kind, "code": fields.get("credit_code", new_credit_code()),
             "pic": fields.get("person_in_charge", "王店长"), "phone": fields.get("phone", "13905431234"),
             "small": fields.get("small_venue", True), "unit": fields.get("unit"), "floor": fields.get("floor"),
             "room": fields.get("room"), "fire": fields.get("fire_check_on")}).scalar_one()
        for emp_name, id_number in employees:
            app_conn.execute(text("INSERT INTO organisation_employee (organisation_id, name, id_number, role, phone)"
                                  " VALUES (:o, :n, :i, '店员', '13800138000')"),
                             {"o": org_id, "n": emp_name, "i": id_number})
        return org_id

    return _add
