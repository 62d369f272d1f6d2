"""tests/concurrency.py, the race harness of the locking tests: steps meet, an error fails the race at once."""
import time

import pytest
from sqlalchemy import text

from tests.concurrency import RaceFailed, together


def test_steps_meet_and_return_in_order(owner_engine):
    seen: list[str] = []

    def first(c, meet):
        meet()
        seen.append("first")
        return c.execute(text("SELECT 1")).scalar()

    def second(c, meet):
        seen.append("second before meeting")
        meet()
        return c.execute(text("SELECT 2")).scalar()

    assert together(owner_engine, first, second) == [1, 2]
    assert seen[0] == "second before meeting"


def test_a_step_that_raises_fails_the_race_without_waiting(owner_engine):
    def fails(c, meet):
        raise ValueError("before meeting")

    def waits(c, meet):
        meet()

    t0 = time.monotonic()
    with pytest.raises(RaceFailed) as failed:
        together(owner_engine, fails, waits, timeout=30)
    assert time.monotonic() - t0 < 10
    assert isinstance(failed.value.errors[0], ValueError) and failed.value.unfinished == []
