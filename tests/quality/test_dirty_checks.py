"""The board after each kind of write recounts only the checks the write can change (quality_dirty.checks,
migration 0013) — and still equals a full count of every check: a visit, a resident's correction, a resident
renamed into a duplicate of one in another beat, a household's kind, an organisation, an employee, a
building's address code, a household moved to another beat."""
from datetime import timedelta

import pytest
from sqlalchemy import text

from api.clock import china_today

FULL = """
SELECT check_code, sum(checked)::int, sum(failing)::int
FROM holomap_quality_counts(CAST(:beats AS integer[]), CAST(:today AS date)) GROUP BY 1
"""
BEATS = """
SELECT array_agg(b.id ORDER BY b.id) FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
JOIN app_user u ON u.station_id = p.station_id AND u.username = 'chief'
"""


def _visit(conn):
    hh = conn.execute(text("SELECT h.id FROM household h WHERE h.kind <> 'vacant' AND NOT EXISTS (SELECT 1 FROM "
                           "visit v WHERE v.household_id = h.id) ORDER BY h.id LIMIT 1")).scalar()
    officer = conn.execute(text("SELECT id FROM app_user WHERE username = 'officer1'")).scalar()
    conn.execute(text("INSERT INTO visit (household_id, user_id, visited_at) VALUES (:h, :u, now())"),
                 {"h": hh, "u": officer})
    return ["household_not_visited", "person_not_visited"]


def _permit(conn):
    conn.execute(text("UPDATE person SET permit_expires = CAST(:d AS date) WHERE id = (SELECT min(id) FROM person "
                      "WHERE residency = 'floating' AND permit_expires IS NULL AND moved_out IS NULL)"),
                 {"d": china_today() + timedelta(days=400)})
    return ["person_permit_expiring"]


def _permit_without_duplicates(conn):
    """A correction that leaves name, birth date, household and move-out alone skips the duplicate check."""
    _permit(conn)
    assert "person_duplicate" not in {c for checks in conn.execute(text("SELECT checks FROM quality_dirty"))
                                      .scalars() for c in checks}
    return ["person_permit_expiring"]


def _duplicate_across_beats(conn):
    pair = conn.execute(text("""
        SELECT p.id, q.name FROM person p JOIN household h ON h.id = p.household_id
        JOIN person q ON q.birth_date = p.birth_date AND q.id <> p.id AND q.moved_out IS NULL
        JOIN household hq ON hq.id = q.household_id AND hq.beat_id <> h.beat_id
        WHERE p.moved_out IS NULL AND q.name <> p.name ORDER BY p.id LIMIT 1""")).one()
    conn.execute(text("UPDATE person SET name = :n WHERE id = :id"), {"n": pair.name, "id": pair.id})
    return ["person_duplicate"]


def _household_kind(conn):
    conn.execute(text("UPDATE household SET kind = 'rental' WHERE id = (SELECT min(id) FROM household "
                      "WHERE kind = 'owner')"))
    return ["rental_incomplete", "rental_no_tenants"]


def _organisation(conn):
    conn.execute(text("UPDATE organisation SET person_in_charge = NULL, fire_check_on = NULL "
                      "WHERE id = (SELECT min(id) FROM organisation WHERE person_in_charge IS NOT NULL "
                      "AND fire_check_on IS NOT NULL AND status <> 'closed')"))
    return ["organisation_no_person_in_charge", "organisation_fire_check_overdue"]


def _employee(conn):
    conn.execute(text("INSERT INTO organisation_employee (organisation_id, name) SELECT min(o.id), '新员工' "
                      "FROM organisation o WHERE o.status <> 'closed' AND NOT EXISTS (SELECT 1 FROM "
                      "organisation_employee e WHERE e.organisation_id = o.id)"))
    return ["organisation_no_employees"]


def _address_code(conn):
    conn.execute(text("UPDATE building SET std_address_code = NULL WHERE id = (SELECT min(b.id) FROM building b "
                      "JOIN household h ON h.building_id = b.id WHERE b.std_address_code IS NOT NULL)"))
    return ["building_no_address_code"]


def _household_moves_beat(conn):
    conn.execute(text("""
        UPDATE household SET beat_id = (SELECT max(b.id) FROM beat b JOIN beat_plan p ON p.id = b.plan_id
                                        AND p.status = 'published')
        WHERE id = (SELECT min(h.id) FROM household h WHERE h.beat_id <> (SELECT max(b.id) FROM beat b
                    JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published')
                    AND EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id))"""))
    return None


@pytest.mark.parametrize("write", [_visit, _permit_without_duplicates, _duplicate_across_beats, _household_kind,
                                   _organisation, _employee, _address_code, _household_moves_beat])
def test_the_board_after_a_write_equals_a_full_count(client, login, app_conn, write):
    chief = login("chief")
    beats = app_conn.execute(text(BEATS)).scalar()

    def board() -> dict:
        r = client.get("/api/quality", headers=chief)
        assert r.status_code == 200, r.text
        return {c["code"]: (c["checked"], c["failing"]) for c in r.json()["checks"]}

    before = board()  # today's counts cached
    app_conn.execute(text("DELETE FROM quality_dirty"))
    changes = write(app_conn)
    logged = app_conn.execute(text("SELECT DISTINCT checks FROM quality_dirty")).scalars().all()
    assert logged, "the write left no row in quality_dirty"
    if changes is None:
        assert None in logged
    else:
        assert None not in logged and set(changes) <= {c for checks in logged for c in checks}
    after = board()
    full = {code: (checked, failing) for code, checked, failing in app_conn.execute(
        text(FULL), {"beats": beats, "today": china_today()})}
    assert after == full
    if changes:
        assert any(after[c] != before[c] for c in changes), "the write changed none of its checks"


NOT_VISITED = """
SELECT failing FROM holomap_quality_counts(ARRAY[CAST(:beat AS integer)], CAST(:today AS date),
                                           ARRAY['household_not_visited'])
"""


def test_a_visit_counts_by_its_china_day_whatever_the_session_time_zone(app_conn):
    """'visited in the last N days' is counted in China days: a visit at 00:30 China time on the first day of the
    window counts (it is the evening before in UTC), one at 23:30 the day before does not — with the session's
    TimeZone at UTC, at Los Angeles or at Shanghai. The item list agrees with the count."""
    from api.quality.queries import ITEMS

    today = china_today()
    days = app_conn.execute(text("SELECT holomap_quality_days('visit')")).scalar()
    home, beat = app_conn.execute(text(
        "SELECT h.id, h.beat_id FROM household h WHERE h.kind <> 'vacant' AND NOT EXISTS (SELECT 1 FROM visit v "
        "WHERE v.household_id = h.id) ORDER BY h.id LIMIT 1")).one()
    officer = app_conn.execute(text("SELECT id FROM app_user WHERE username = 'officer1'")).scalar()
    first_day = today - timedelta(days=days)

    def failing(zone: str) -> int:
        app_conn.execute(text("SELECT set_config('TimeZone', :z, true)"), {"z": zone})
        return app_conn.execute(text(NOT_VISITED), {"beat": beat, "today": today}).scalar()

    def listed(zone: str) -> bool:
        app_conn.execute(text("SELECT set_config('TimeZone', :z, true)"), {"z": zone})
        rows = app_conn.execute(text(ITEMS["household_not_visited"]), {
            "beats": [beat], "today": today, "limit": 100000, "offset": 0}).all()
        return home in {r.household_id for r in rows}

    zones = ("UTC", "America/Los_Angeles", "Asia/Shanghai")
    before = {z: failing(z) for z in zones}
    assert len(set(before.values())) == 1 and all(listed(z) for z in zones)
    eve = first_day - timedelta(days=1)
    app_conn.execute(text("INSERT INTO visit (household_id, user_id, visited_at) VALUES (:h, :u, CAST(:at AS "
                          "timestamptz))"), {"h": home, "u": officer, "at": f"{eve} 23:30+08"})
    assert {z: failing(z) for z in zones} == before and all(listed(z) for z in zones)
    app_conn.execute(text("INSERT INTO visit (household_id, user_id, visited_at) VALUES (:h, :u, CAST(:at AS "
                          "timestamptz))"), {"h": home, "u": officer, "at": f"{first_day} 00:30+08"})
    assert {z: failing(z) for z in zones} == {z: n - 1 for z, n in before.items()}
    assert not any(listed(z) for z in zones)
