"""Residents per beat from the versioned in-memory counts (api/analytics/residents.py): exact, fresh, and
recounted only for the beats a statement changed."""
import threading
from datetime import date

from sqlalchemy import text

from api.analytics import residents
from geo.idnumber import make as make_id_number
from tests.analytics.conftest import STATION
from tests.conftest import DEMO_PASSWORD, scalar

COUNT = ("SELECT count(*) FROM person p JOIN household h ON h.id = p.household_id "
         "WHERE p.moved_out IS NULL AND h.beat_id = :b")
PERSON = ("INSERT INTO person (household_id, name, id_number, gender, birth_date, residency) "
          "VALUES (:h, :n, :i, 'M', :d, 'registered') RETURNING id")


def _per_beat(client, headers) -> dict[str, int]:
    r = client.get("/api/analytics/beats", params={"station": STATION}, headers=headers)
    assert r.status_code == 200, r.text
    return {f["properties"]["code"]: f["properties"]["residents"] for f in r.json()["features"]}


def _person(conn, household: int, k: int) -> int:
    born = date(1977, 7, 1 + k % 28)
    return conn.execute(text(PERSON), {"h": household, "n": f"新居民{k}", "d": born,
                                       "i": make_id_number("371602", born, 400 + k, "M")}).scalar()


def test_residents_follow_every_change_and_only_changed_beats_recount(client, as_user, district, app_conn):
    h = as_user("ana_leader")
    west, east = district.beat_ids["T-ANA-01"], district.beat_ids["T-ANA-02"]

    def check(**changed: int) -> dict[str, int]:
        before = residents.CACHE.recounted
        got = _per_beat(client, h)
        assert got == {"T-ANA-01": scalar(app_conn, COUNT, b=west), "T-ANA-02": scalar(app_conn, COUNT, b=east)}
        assert residents.CACHE.recounted - before == changed.get("recounted", 0)
        return got

    _per_beat(client, h)
    assert check() == {"T-ANA-01": 20, "T-ANA-02": 0}  # nothing changed: nothing recounted
    west_household = scalar(app_conn, "SELECT id FROM household WHERE beat_id = :b ORDER BY id LIMIT 1", b=west)
    building = scalar(app_conn, "SELECT building_id FROM household WHERE id = :h", h=west_household)
    east_household = scalar(app_conn, "INSERT INTO household (building_id, unit, floor, room, kind, beat_id) "
                                      "VALUES (:b, 2, 1, '901', 'rental', :beat) RETURNING id", b=building, beat=east)
    check()  # a new household has no residents yet: nothing to recount
    newcomer = _person(app_conn, east_household, 1)
    assert check(recounted=1)["T-ANA-02"] == 1
    mover = scalar(app_conn, "SELECT id FROM person WHERE household_id = :h ORDER BY id LIMIT 1", h=west_household)
    app_conn.execute(text("UPDATE person SET household_id = :h WHERE id = :p"), {"h": east_household, "p": mover})
    assert check(recounted=2) == {"T-ANA-01": 19, "T-ANA-02": 2}
    app_conn.execute(text("UPDATE person SET moved_out = current_date WHERE id = :p"), {"p": mover})
    assert check(recounted=1)["T-ANA-02"] == 1
    app_conn.execute(text("UPDATE person SET moved_out = NULL WHERE id = :p"), {"p": mover})
    assert check(recounted=1)["T-ANA-02"] == 2
    app_conn.execute(text("UPDATE person SET name = '改名', phone = '13900000000' WHERE id = :p"), {"p": mover})
    check()  # no change of who lives where
    app_conn.execute(text("UPDATE household SET beat_id = :b WHERE id = :h"), {"b": west, "h": east_household})
    assert check(recounted=2) == {"T-ANA-01": 21, "T-ANA-02": 0}
    app_conn.execute(text("UPDATE household SET phone = '13900000001' WHERE id = :h"), {"h": east_household})
    check()
    app_conn.execute(text("DELETE FROM person WHERE id = :p"), {"p": newcomer})
    assert check(recounted=1)["T-ANA-01"] == 20


def test_a_rolled_back_change_is_not_served_afterwards(client, as_user, district, app_conn):
    h = as_user("ana_leader")
    household = scalar(app_conn, "SELECT id FROM household WHERE beat_id = :b ORDER BY id LIMIT 1",
                       b=district.beat_ids["T-ANA-01"])
    before = _per_beat(client, h)
    savepoint = app_conn.begin_nested()
    _person(app_conn, household, 2)
    assert _per_beat(client, h)["T-ANA-01"] == before["T-ANA-01"] + 1  # its own change, counted and held
    savepoint.rollback()
    assert _per_beat(client, h) == before


def test_residents_registered_at_once_in_one_beat_are_all_counted(settings, owner_engine):
    """Two transactions add a resident to one beat at the same moment and commit (real connections): the
    next answer counts both, then neither once they are gone."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    with owner_engine.connect() as conn:
        household, beat, code = conn.execute(text(
            "SELECT h.id, h.beat_id, b.code FROM household h JOIN beat b ON b.id = h.beat_id "
            "JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published' ORDER BY h.id LIMIT 1")).one()
    added: list[int] = []
    try:
        with TestClient(create_app(settings)) as client:  # real commits, not the test transaction
            r = client.post("/api/auth/token", data={"username": "leader", "password": DEMO_PASSWORD})
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

            def count() -> int:
                r = client.get("/api/analytics/beats", headers=headers)
                assert r.status_code == 200, r.text
                return next(f["properties"]["residents"] for f in r.json()["features"]
                            if f["properties"]["code"] == code)

            start = count()
            barrier = threading.Barrier(2)
            errors: list[BaseException] = []

            def register(k: int) -> None:
                try:
                    with owner_engine.connect() as conn, conn.begin():
                        barrier.wait(30)
                        added.append(_person(conn, household, 90 + k))
                except BaseException as exc:  # noqa: BLE001 — reported below
                    errors.append(exc)

            threads = [threading.Thread(target=register, args=(k,)) for k in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert not errors and len(added) == 2
            with owner_engine.connect() as conn:
                assert scalar(conn, COUNT, b=beat) == start + 2
            assert count() == start + 2
            with owner_engine.begin() as conn:
                conn.execute(text("DELETE FROM person WHERE id = ANY(:ids)"), {"ids": added})
            added.clear()
            assert count() == start
    finally:
        if added:
            with owner_engine.begin() as conn:
                conn.execute(text("DELETE FROM person WHERE id = ANY(:ids)"), {"ids": added})


def test_before_the_versions_table_residents_are_counted_every_time(client, as_user, district, app_conn):
    h = as_user("ana_leader")
    before = _per_beat(client, h)
    app_conn.execute(text("ALTER TABLE beat_residents_gen RENAME TO beat_residents_gen_away"))
    recounted = residents.CACHE.recounted
    assert _per_beat(client, h) == before == {"T-ANA-01": 20, "T-ANA-02": 0}
    assert residents.CACHE.recounted == recounted
