"""The residents' checks list a beat's residents by `person.beat_id` (its index) instead of their household's
beat: both definitions give the same items, in the same order, for every beat of the demo station."""
from datetime import date

from sqlalchemy import text

from api.quality.queries import ITEMS

PERSON_CHECKS = [check for check, sql in ITEMS.items() if "p.beat_id = ANY" in sql]


def test_every_residents_check_reads_the_residents_own_beat():
    assert set(PERSON_CHECKS) == {"person_permit_expiring", "person_visa_expiring", "person_duplicate",
                                  "person_id_conflict", "person_not_visited"}


def test_the_residents_beat_and_the_households_beat_list_the_same_items(app_conn):
    beats = list(app_conn.execute(text(
        "SELECT b.id FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'")).scalars())
    params = {"beats": beats, "today": date.today(), "limit": 100_000, "offset": 0}
    listed = 0
    for check in PERSON_CHECKS:
        sql = ITEMS[check]
        by_household = sql.replace("p.beat_id = ANY", "h.beat_id = ANY")
        ours = app_conn.execute(text(sql), params).all()
        assert ours == app_conn.execute(text(by_household), params).all(), check
        listed += len(ours)
        for beat in beats[:2]:  # one beat at a time too
            one = {**params, "beats": [beat]}
            assert app_conn.execute(text(sql), one).all() == app_conn.execute(text(by_household), one).all()
    assert listed > 0  # the seeded defects are listed
