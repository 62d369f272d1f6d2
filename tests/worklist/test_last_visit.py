"""household.last_visited_at (migration 0009, api/visits/sql/last_visit.sql): the newest visit of the household,
kept by a trigger on every path; the worklist reads it. Pages of a section, together, are the whole section."""
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.concurrency import together
from tests.conftest import scalar
from tests.worklist.test_worklist import beats

STALE = """
SELECT count(*) FROM household h
WHERE h.last_visited_at IS DISTINCT FROM (SELECT max(v.visited_at) FROM visit v WHERE v.household_id = h.id)
"""
INSERT_VISIT = """
INSERT INTO visit (household_id, user_id, visited_at, checklist)
VALUES (:h, (SELECT id FROM app_user WHERE username = 'officer1'), :at, '{}') RETURNING id
"""
LAST = "SELECT last_visited_at FROM household WHERE id = :h"
HOUSEHOLD = """
SELECT h.id FROM household h WHERE h.kind <> 'vacant' AND h.beat_id = ANY(CAST(:b AS int[]))
ORDER BY h.id OFFSET :nth LIMIT 1
"""


def test_every_household_has_its_newest_visit(db):
    assert scalar(db, STALE) == 0


def test_a_visit_moves_it_forward_never_back_and_a_removal_recomputes(db):
    household = scalar(db, HOUSEHOLD, b=beats(db), nth=3)
    before = scalar(db, LAST, h=household)
    now = datetime.now(UTC)
    newest = scalar(db, INSERT_VISIT, h=household, at=now)
    assert scalar(db, LAST, h=household) == now
    scalar(db, INSERT_VISIT, h=household, at=now - timedelta(days=400))  # an older visit recorded late
    assert scalar(db, LAST, h=household) == now
    db.execute(text("DELETE FROM visit WHERE id = :id"), {"id": newest})
    assert scalar(db, LAST, h=household) == max(d for d in (before, now - timedelta(days=400)) if d is not None)
    # a visit moved to another household: both households recomputed
    other = scalar(db, HOUSEHOLD, b=beats(db), nth=4)
    moved = scalar(db, INSERT_VISIT, h=household, at=now + timedelta(minutes=1))
    db.execute(text("UPDATE visit SET household_id = :o WHERE id = :id"), {"o": other, "id": moved})
    assert scalar(db, LAST, h=other) == now + timedelta(minutes=1)
    assert scalar(db, STALE) == 0


@pytest.mark.parametrize("order", ["released together", "the newer commits first"])
def test_two_visits_recorded_at_the_same_moment_both_count(owner_engine, order):
    """Two connections insert a visit of the same household, released together: the newer one wins, whatever
    the order of the commits (the household's row lock and greatest()). "the newer commits first": the newer
    visit's transaction holds the household's row until the older visit's insert waits for it — the order in
    which a maximum recomputed from the statement's snapshot would keep the older time."""
    with owner_engine.connect() as conn:
        household = scalar(conn, HOUSEHOLD, b=beats(conn), nth=5)
        before = scalar(conn, LAST, h=household)
    now = datetime.now(UTC).replace(microsecond=0)
    times = [now - timedelta(hours=1), now]
    ordered = order == "the newer commits first"

    def older(c, meet):
        meet()
        if ordered:
            time.sleep(0.1)  # the newer visit is inserted and holds the household's row
        return scalar(c, INSERT_VISIT, h=household, at=times[0])

    def newer(c, meet):
        if not ordered:
            meet()
            return scalar(c, INSERT_VISIT, h=household, at=times[1])
        visit = scalar(c, INSERT_VISIT, h=household, at=times[1])
        meet()
        time.sleep(0.3)  # the older visit's insert runs meanwhile (and waits for this commit)
        return visit

    try:
        together(owner_engine, older, newer)
        with owner_engine.connect() as conn:
            assert scalar(conn, LAST, h=household) == now
    finally:
        with owner_engine.begin() as conn:
            conn.execute(text("DELETE FROM visit WHERE household_id = :h AND visited_at = ANY(:at)"),
                         {"h": household, "at": times})
        with owner_engine.connect() as conn:
            assert scalar(conn, LAST, h=household) == before


def _pages(client, headers, section, sort, size):
    items, offset, total = [], 0, None
    while True:
        page = client.get("/api/worklist", params={"section": section, "sort": sort, "limit": size, "offset": offset},
                          headers=headers).json()[section]
        assert total is None or page["total"] == total  # every page, past the end too, says the total
        total = page["total"]
        if not page["items"]:
            return items, total
        items += page["items"]
        offset += size


@pytest.mark.parametrize(("section", "sort"), [
    ("households_due", "due"), ("households_due", "address"), ("households_due", "beat"),
    ("key_persons_due", "due"), ("key_persons_due", "name"), ("key_persons_due", "address"),
])
def test_pages_together_are_the_whole_section(client, login, section, sort):
    """Pages of two sizes concatenate to the same list, each row once, in a stable order."""
    headers = login("officer1")
    whole, total = _pages(client, headers, section, sort, 500)
    paged, paged_total = _pages(client, headers, section, sort, 97)
    key = "household_id" if section == "households_due" else "person_id"
    assert total == paged_total == len(whole) > 0
    assert len({i[key] for i in whole}) == total
    assert paged == whole
