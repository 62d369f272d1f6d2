"""Scenarios of api.db.PoolCalls on the real test database, run by tests/test_db_pool.py in a subprocess.

`python -m tests.pool_scenarios NAME` runs one scenario on a fresh event loop (asyncio.run) and prints its
findings as one JSON line. A process of its own because the pytest process may already run an event loop in
its main thread (the e2e session fixture of Playwright) and the e2e server's loop in another thread: the
pool must not share either. Nothing here asserts; the test reads the JSON and does.

Connections are terminated only by the backend pid of a pool made here (pool_size 1: one connection), never
by name, so the e2e server and other test runs on the same database are untouched.
"""
import asyncio
import json
import sys
import time
import uuid
from types import SimpleNamespace

import httpx
import psycopg
from psycopg_pool import PoolTimeout

from api.auth.service import create_token
from api.config import Settings
from api.db import PoolCalls, libpq_url
from api.places import queries, service

# A building with a resident in officer1's beats: what officer1 may look up (demo seed).
OFFICER_BUILDING = """
SELECT u.id AS user_id, u.username, u.role, b.id AS building_id,
       ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat
FROM app_user u
JOIN beat_member m ON m.user_id = u.id
JOIN household h ON h.beat_id = m.beat_id
JOIN building b ON b.id = h.building_id
JOIN person p ON p.household_id = h.id AND p.moved_out IS NULL
WHERE u.username = 'officer1'
ORDER BY b.id
LIMIT 1
"""


def settings(**update) -> Settings:
    s = Settings()
    name = s.database_url.rsplit("/", 1)[-1].split("?")[0]
    if "test" not in name:
        raise SystemExit(f"refusing to run against database {name!r}: its name must contain 'test'")
    return s.model_copy(update=update) if update else s


def owner_sql(sql: str, params: dict | None = None) -> list[dict]:
    """Rows of one statement as the schema owner, in a connection of its own (autocommit)."""
    with psycopg.connect(libpq_url(settings().owner_url), autocommit=True,
                         row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(sql, params or {}).fetchall()


def terminate(pid: int) -> None:
    """What a database restart (or an idle-session timeout) does to one pooled connection."""
    owner_sql("SELECT pg_terminate_backend(%(pid)s)", {"pid": pid})
    deadline = time.monotonic() + 5
    while owner_sql("SELECT 1 FROM pg_stat_activity WHERE pid = %(pid)s", {"pid": pid}):
        if time.monotonic() > deadline:
            raise SystemExit(f"backend {pid} did not end")
        time.sleep(0.02)


def error_name(exc: BaseException) -> dict:
    return {"type": type(exc).__name__, "operational": isinstance(exc, psycopg.OperationalError),
            "pool_timeout": isinstance(exc, PoolTimeout)}


async def lazy_open() -> dict:
    """No pool before the first call; then dict rows, %(name)s parameters, the app role, jit off, and each
    statement its own transaction (a transaction-local setting does not outlive it)."""
    calls = PoolCalls(settings())
    before = calls._pool is None
    row = await calls.one("SELECT %(n)s::int + 1 AS m, %(word)s::text AS word, current_user AS who, "
                          "current_setting('jit') AS jit, pg_backend_pid() AS pid", {"n": 41, "word": "派出所"})
    opened = calls._pool is not None and not calls._pool.closed
    none = await calls.one("SELECT 1 AS one WHERE %(flag)s", {"flag": False})
    await calls.one("SELECT set_config('holomap.user_id', '7', true) AS uid", {})
    after = await calls.one("SELECT current_setting('holomap.user_id', true) AS uid", {})
    await calls.close()
    return {"before": before, "row": row, "row_type": type(row).__name__, "opened": opened, "none": none,
            "uid_after": after["uid"], "closed": calls._pool is None}


async def close_and_reopen() -> dict:
    """close() closes the loop's pool; the next call opens a new one; close() twice (or unopened) is harmless."""
    calls = PoolCalls(settings())
    await calls.close()  # never opened: nothing to do
    first = await calls.one("SELECT 1 AS n", {})
    pool = calls._pool
    await calls.close()
    await calls.close()
    second = await calls.one("SELECT 2 AS n", {})
    reopened = calls._pool is not None and calls._pool is not pool and not calls._pool.closed
    await calls.close()
    return {"first": first, "old_pool_closed": pool.closed, "second": second, "reopened": reopened}


def each_loop_own_pool() -> dict:
    """A second event loop gets a pool of its own (a pool is bound to the loop that opened it).

    The first loop ends without close(), as a finished test client's loop would. pool_size 1 on purpose:
    with a larger pool, a loop that ends while its open pool is still growing never finishes asyncio.run
    (the cancelled connection attempt is swallowed: "error connecting in 'pool-1'") — the app closes the
    pool in its lifespan, on its own loop, so only an unclosed pool is exposed to that.
    """
    calls = PoolCalls(settings(pool_size=1))

    async def ask(close: bool):
        row = await calls.one("SELECT %(n)s::int + 1 AS m", {"n": 41})
        pool = calls._pool
        if close:
            await calls.close()
        return row["m"], pool

    (a, pool_a), (b, pool_b) = asyncio.run(ask(close=False)), asyncio.run(ask(close=True))
    return {"answers": [a, b], "same_pool": pool_a is pool_b, "second_closed": pool_b.closed}


async def terminated_connection() -> dict:
    """The server ends the pool's only connection: the next call fails with an OperationalError (the app
    answers 503), the pool discards that connection, and the call after it runs on a new one."""
    calls = PoolCalls(settings(pool_size=1))
    pid = (await calls.one("SELECT pg_backend_pid() AS pid", {}))["pid"]
    terminate(pid)
    try:
        failed = {"row": await calls.one("SELECT pg_backend_pid() AS pid", {})}
    except Exception as exc:  # noqa: BLE001  (reported to the test, which asserts on it)
        failed = error_name(exc)
    started = time.monotonic()
    again = await calls.one("SELECT pg_backend_pid() AS pid", {})
    seconds = time.monotonic() - started
    await calls.close()
    return {"pid": pid, "failed": failed, "again": again["pid"], "again_seconds": round(seconds, 2)}


async def lookup_call() -> dict:
    """holomap_lookup through PoolCalls (officer1, a token id that is not revoked): the building's document."""
    known = owner_sql(OFFICER_BUILDING)[0]
    s = settings()
    calls = PoolCalls(s)
    row = await calls.one(queries.LOOKUP_CALL, service.lookup_params(
        user_id=known["user_id"], jti=uuid.uuid4().hex, iat=time.time(), lon=known["lon"], lat=known["lat"],
        radius_m=s.lookup_radius_m, client_addr="127.0.0.1", request_id="test_db_pool"))
    await calls.close()
    body = json.loads(row["body"]) if row and row["body"] else None
    return {"known": known, "row": {k: v for k, v in (row or {}).items() if k != "body"}, "body": body}


def _app_and_token(s: Settings, known: dict):
    from api.main import create_app

    app = create_app(s)
    user = SimpleNamespace(id=known["user_id"], username=known["username"], role=known["role"])
    token, _ = create_token(user, s)
    return app, {"Authorization": f"Bearer {token}"}


async def route_lookup_and_terminated() -> dict:
    """GET /api/lookup on the real app (its PoolCalls, pool_size 1): 200 with the document; after the
    server ends the pool's connection, one 503 ("unreachable"), then 200 again."""
    known = owner_sql(OFFICER_BUILDING)[0]
    s = settings(pool_size=1)
    app, headers = _app_and_token(s, known)
    params = {"lon": known["lon"], "lat": known["lat"]}
    out = {"known": known}
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://holomap.test") as client:
            for step in ("first", "after_terminate", "again"):
                if step == "after_terminate":
                    terminate((await app.state.calls.one("SELECT pg_backend_pid() AS pid", {}))["pid"])
                r = await client.get("/api/lookup", params=params, headers=headers)
                body = r.json()
                out[step] = {"status": r.status_code, "detail": body.get("detail"),
                             "building_id": body.get("building", {}).get("id") if r.status_code == 200 else None}
    finally:
        await app.state.calls.close()
        app.state.engine.dispose()
    return out


async def route_database_unreachable() -> dict:
    """GET /api/lookup when the database cannot be reached: the pool times out (10 s) and the app answers 503."""
    s = settings(database_url="postgresql+psycopg://holomap_app:x@127.0.0.1:1/holomap_test")
    app, headers = _app_and_token(s, {"user_id": 1, "username": "officer1", "role": "officer"})
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://holomap.test") as client:
            r = await client.get("/api/lookup", params={"lon": 118.0, "lat": 37.5}, headers=headers)
    finally:
        await app.state.calls.close()
        app.state.engine.dispose()
    return {"status": r.status_code, "detail": r.json().get("detail"), "seconds": round(time.monotonic() - started, 1)}


SCENARIOS = {
    "lazy_open": lazy_open, "close_and_reopen": close_and_reopen, "each_loop_own_pool": each_loop_own_pool,
    "terminated_connection": terminated_connection, "lookup_call": lookup_call,
    "route_lookup_and_terminated": route_lookup_and_terminated,
    "route_database_unreachable": route_database_unreachable,
}


def main(name: str) -> None:
    scenario = SCENARIOS[name]
    result = asyncio.run(scenario()) if asyncio.iscoroutinefunction(scenario) else scenario()
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
