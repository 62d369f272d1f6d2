"""Two (or more) transactions on real connections, released together: the race harness of the locking tests
(tests/people/test_person_beat.py, tests/worklist/test_last_visit.py).

`together(engine, step_a, step_b)` runs each step in a thread of its own, inside a transaction of its own on a
connection of `engine` (committed when the step returns, rolled back when it raises). A step is
`step(conn, meet)`: `meet()` is the point where the steps wait for each other (one barrier), so what a step did
before `meet()` happened before what the others do after theirs — e.g. one transaction takes a row lock, meets,
and holds it a moment while the other, after meeting, runs into it. The steps' return values come back in order;
when a step raised (or did not finish in `timeout` seconds), `together` raises once every thread has ended.
"""
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection, Engine

Step = Callable[[Connection, Callable[[], None]], Any]


class RaceFailed(AssertionError):
    """A step raised or did not finish: `errors` holds what the steps raised (by step index)."""

    def __init__(self, errors: dict[int, BaseException], unfinished: list[int]):
        super().__init__(f"steps raised {errors!r}; unfinished {unfinished}")
        self.errors, self.unfinished = errors, unfinished


def together(engine: Engine, *steps: Step, timeout: float = 60) -> list[Any]:
    """Run the steps at once, each in its own transaction and thread; their results, in order."""
    barrier = threading.Barrier(len(steps), timeout=timeout)
    results: list[Any] = [None] * len(steps)
    errors: dict[int, BaseException] = {}

    def run(i: int, step: Step) -> None:
        try:
            with engine.begin() as conn:
                results[i] = step(conn, barrier.wait)
        except BaseException as exc:  # noqa: BLE001 - reported by RaceFailed below
            errors[i] = exc
            barrier.abort()  # the other steps stop waiting at meet() (BrokenBarrierError) instead of timing out

    threads = [threading.Thread(target=run, args=(i, step), daemon=True) for i, step in enumerate(steps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    unfinished = [i for i, t in enumerate(threads) if t.is_alive()]
    if errors or unfinished:
        raise RaceFailed(errors, unfinished)
    return results
