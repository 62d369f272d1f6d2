"""api.db.PoolCalls: the async pool of the one-statement routes (lookup, tiles) on the real database."""
import asyncio
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from api.db import PoolCalls


def run(coro):
    """asyncio.run in a thread of its own: the session's Playwright fixture keeps a loop running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_a_call_survives_a_terminated_connection(settings, owner_engine):
    calls = PoolCalls(settings)

    async def scenario() -> tuple[int, int, str]:
        first = (await calls.one("SELECT pg_backend_pid() AS pid", {}))["pid"]
        with owner_engine.connect() as conn:  # what a database restart does to a pooled connection
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.1)
        row = await calls.one("SELECT pg_backend_pid() AS pid, current_setting('jit') AS jit", {})
        await calls.close()
        return first, row["pid"], row["jit"]

    first, second, jit = run(scenario())
    assert second != first
    assert jit == "off"


def test_each_event_loop_gets_its_own_pool(settings):
    calls = PoolCalls(settings)

    async def ask() -> int:
        return (await calls.one("SELECT %(n)s::int + 1 AS m", {"n": 41}))["m"]

    assert run(ask()) == 42
    assert run(ask()) == 42  # a second loop: the first loop's pool is not reused
