"""person.beat_id (migration 0014, api/people/sql/person_beat.sql): the beat of the resident's household, kept by
the database on every path — insert, move, the household moving to another beat, a direct write — and under a
race between a resident's move and the household's (both orders, real connections released together)."""
import time

import pytest
from sqlalchemy import text

from geo.idnumber import make
from tests.concurrency import together
from tests.conftest import scalar

STALE = """
SELECT count(*) FROM person p LEFT JOIN household h ON h.id = p.household_id
WHERE p.beat_id IS DISTINCT FROM h.beat_id
"""
TWO_HOUSEHOLDS = """
SELECT a.id AS a, a.beat_id AS a_beat, b.id AS b, b.beat_id AS b_beat FROM household a, household b
WHERE a.beat_id IS NOT NULL AND b.beat_id IS NOT NULL AND a.beat_id <> b.beat_id
  AND EXISTS (SELECT 1 FROM person p WHERE p.household_id = a.id)
ORDER BY a.id, b.id LIMIT 1 OFFSET :nth
"""
PERSON_OF = "SELECT id FROM person WHERE household_id = :h ORDER BY id LIMIT 1"
BEAT = "SELECT beat_id FROM person WHERE id = :id"


def test_every_resident_has_the_beat_of_their_household(db):
    assert scalar(db, STALE) == 0


def test_insert_move_household_move_and_direct_write(db):
    pair = db.execute(text(TWO_HOUSEHOLDS), {"nth": 0}).one()
    resident = scalar(db, PERSON_OF, h=pair.a)
    first = db.execute(text("SELECT id_number, birth_date, gender FROM person WHERE id = :id"),
                       {"id": resident}).one()
    taken = set(db.execute(text("SELECT id_number FROM person WHERE birth_date = :d"),
                           {"d": first.birth_date}).scalars())
    number = next(n for n in (make(first.id_number[:6], first.birth_date, s, first.gender) for s in range(300, 499))
                  if n not in taken)
    newcomer = scalar(db, "INSERT INTO person (household_id, name, id_number, gender, birth_date, residency) "
                          "VALUES (:h, '测试人', :i, :g, :d, 'registered') RETURNING id",
                      h=pair.a, i=number, g=first.gender, d=first.birth_date)
    assert scalar(db, BEAT, id=newcomer) == pair.a_beat
    db.execute(text("UPDATE person SET household_id = :h WHERE id = :id"), {"h": pair.b, "id": newcomer})
    assert scalar(db, BEAT, id=newcomer) == pair.b_beat
    db.execute(text("UPDATE person SET household_id = NULL WHERE id = :id"), {"id": newcomer})
    assert scalar(db, BEAT, id=newcomer) is None
    # the household moves to another beat: every resident follows, in one statement
    db.execute(text("UPDATE household SET beat_id = :beat WHERE id = :h"), {"beat": pair.b_beat, "h": pair.a})
    assert scalar(db, "SELECT count(*) FROM person WHERE household_id = :h AND beat_id IS DISTINCT FROM :beat",
                  h=pair.a, beat=pair.b_beat) == 0
    # a direct write of the derived column is corrected
    db.execute(text("UPDATE person SET beat_id = :beat WHERE id = :id"), {"beat": pair.a_beat, "id": resident})
    assert scalar(db, BEAT, id=resident) == pair.b_beat
    assert scalar(db, STALE) == 0


def test_a_beat_only_change_marks_no_quality_row_per_resident(db):
    pair = db.execute(text(TWO_HOUSEHOLDS), {"nth": 1}).one()
    db.execute(text("DELETE FROM quality_dirty"))
    db.execute(text("UPDATE household SET beat_id = :beat WHERE id = :h"), {"beat": pair.b_beat, "h": pair.a})
    marked = db.execute(text("SELECT beat_id, checks FROM quality_dirty ORDER BY beat_id")).all()
    # the household's own trigger: both beats, every check (NULL); the residents' rows add nothing
    assert {r.beat_id for r in marked} == {pair.a_beat, pair.b_beat}
    assert all(r.checks is None for r in marked)


@pytest.mark.parametrize("first", ["household moves", "resident moves"])
def test_a_move_racing_the_households_beat_change(owner_engine, first):
    """One transaction moves household X to another beat, the other moves a resident into X; the first holds its
    row until the second has run. The resident ends with X's new beat either way."""
    with owner_engine.connect() as conn:
        pair = conn.execute(text(TWO_HOUSEHOLDS), {"nth": 2}).one()
        resident = scalar(conn, PERSON_OF, h=pair.b)
    x, old_beat, new_beat = pair.a, pair.a_beat, pair.b_beat

    def household_moves(c, meet) -> None:
        if first == "household moves":
            c.execute(text("UPDATE household SET beat_id = :beat WHERE id = :h"), {"beat": new_beat, "h": x})
            meet()
            time.sleep(0.3)  # the resident's move runs meanwhile (and waits for this commit)
        else:
            meet()
            time.sleep(0.1)  # after the resident's move, which holds X until it commits
            c.execute(text("UPDATE household SET beat_id = :beat WHERE id = :h"), {"beat": new_beat, "h": x})

    def resident_moves(c, meet) -> None:
        if first == "household moves":
            meet()
            time.sleep(0.1)
            c.execute(text("UPDATE person SET household_id = :h WHERE id = :id"), {"h": x, "id": resident})
        else:
            c.execute(text("UPDATE person SET household_id = :h WHERE id = :id"), {"h": x, "id": resident})
            meet()
            time.sleep(0.3)  # the household's move runs meanwhile (and waits for this commit)

    try:
        together(owner_engine, household_moves, resident_moves)
        with owner_engine.connect() as conn:
            assert scalar(conn, BEAT, id=resident) == new_beat
            assert scalar(conn, "SELECT count(*) FROM person WHERE household_id = :h AND beat_id <> :beat",
                          h=x, beat=new_beat) == 0
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("UPDATE person SET household_id = :h WHERE id = :id"), {"h": pair.b, "id": resident})
            conn.execute(text("UPDATE household SET beat_id = :beat WHERE id = :h"), {"beat": old_beat, "h": x})
        with owner_engine.connect() as conn:
            assert scalar(conn, STALE) == 0
