"""A deadlock (or serialization failure) is not a lost database: PostgreSQL rolled one transaction back and
nothing of it was written. The app answers 503 `db.conflict` with Retry-After and a Chinese text, not
`db.unavailable` (which it answered before: psycopg's DeadlockDetected is an OperationalError). The
Chinese text of the code is checked with every code's by tests/test_error_codes.py."""
import asyncio
import threading

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from starlette.requests import Request

from api.errors import DB_LOST

ROWS = "SELECT layer FROM layer_version ORDER BY layer LIMIT 2"
BUMP = "UPDATE layer_version SET changed_at = clock_timestamp() WHERE layer = :id"


def _real_deadlock(owner_engine) -> OperationalError:
    """Two transactions lock two rows in opposite orders, released together: PostgreSQL ends one of them."""
    with owner_engine.connect() as conn:
        first, second = conn.execute(text(ROWS)).scalars().all()
    barrier = threading.Barrier(2)
    errors: list[OperationalError] = []

    def run(a: int, b: int) -> None:
        with owner_engine.connect() as conn:
            try:
                with conn.begin():
                    conn.execute(text(BUMP), {"id": a})
                    barrier.wait()
                    conn.execute(text(BUMP), {"id": b})
                    conn.rollback()
            except OperationalError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in ((first, second), (second, first))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(errors) == 1, errors
    return errors[0]


def test_a_deadlock_answers_503_db_conflict_with_retry_after(app, owner_engine):
    exc = _real_deadlock(owner_engine)
    assert exc.orig.sqlstate == "40P01"
    handler = app.exception_handlers[OperationalError]
    request = Request({"type": "http", "method": "POST", "path": "/api/visits", "headers": [], "query_string": b""})
    # in a thread of its own: a Playwright test earlier in the session leaves an event loop running in this one
    answers: list = []
    worker = threading.Thread(target=lambda: answers.append(asyncio.run(handler(request, exc))))
    worker.start()
    worker.join(30)
    response = answers[0]
    assert response.status_code == 503 and response.headers["retry-after"] == "2"
    assert b'"code":"db.conflict"' in response.body
    assert DB_LOST not in request.scope  # not a lost connection: no automatic retry of the request

