"""Scenarios of the worker's one pool on the real test database, run by tests/test_db_pool.py in a subprocess.

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
from contextlib import asynccontextmanager
from types import SimpleNamespace

import httpx
import psycopg
from sqlalchemy import make_url

from api.auth.service import create_token
from api.config import Settings
from api.db import libpq_url
from tests.tcp_proxy import TcpProxy, free_port

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


def _one_row_routes(app) -> None:
    """Test routes that run a statement through api.db.one_row (the lookup's and the tiles' path) and
    through a sync session (every other route's), each answering the backend it ran on."""
    from fastapi import Depends, Request
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from api.db import get_session, one_row

    @app.get("/test/one-row")
    async def row(request: Request) -> dict:
        return {"row": await one_row(request, "SELECT CAST(:n AS int) + 1 AS m, CAST(:word AS text) AS word, "
                                              "current_user AS who, current_setting('jit') AS jit, "
                                              "pg_backend_pid() AS pid, '100%' AS percent",
                                     {"n": 41, "word": "派出所"}),
                "none": await one_row(request, "SELECT 1 AS one WHERE :flag", {"flag": False}),
                "set": await one_row(request, "SELECT set_config('holomap.user_id', '7', true) AS uid", {}),
                "after": await one_row(request, "SELECT current_setting('holomap.user_id', true) AS uid", {})}

    @app.get("/test/session-pid")
    def session_pid(session: Session = Depends(get_session)) -> dict:
        return {"pid": session.execute(text("SELECT pg_backend_pid()")).scalar_one()}


async def one_pool() -> dict:
    """one_row on the app's one pool (pool_size 1: one connection, no overflow used): dict rows, :name
    parameters, the app role, jit off, each statement its own transaction; the same backend as the sync
    session routes', and no other connection of the app."""
    app, headers = _app_and_token(settings(pool_size=1), {"user_id": 1, "username": "officer1", "role": "officer"})
    _one_row_routes(app)
    out: dict = {}
    async with _running(app), _client(app) as client:
        before = app.state.engine.pool.checkedin() + app.state.engine.pool.checkedout()
        answer = (await client.get("/test/one-row")).json()
        out.update(answer)
        out["row_type"] = type(answer["row"]).__name__
        out["session_pid"] = (await client.get("/test/session-pid")).json()["pid"]
        out["again_pid"] = (await client.get("/test/one-row")).json()["row"]["pid"]
        out["connections_before"] = before
        out["connections"] = app.state.engine.pool.checkedin() + app.state.engine.pool.checkedout()
        out["backends"] = owner_sql("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'holomap'"
                                    " AND pid = ANY(%(pids)s)", {"pids": [out["row"]["pid"], out["session_pid"]]})
    return out


def _app_and_token(s: Settings, known: dict):
    from api.main import create_app

    app = create_app(s)
    user = SimpleNamespace(id=known["user_id"], username=known["username"], role=known["role"])
    token, _ = create_token(user, s)
    return app, {"Authorization": f"Bearer {token}"}


async def route_lookup_and_terminated() -> dict:
    """GET /api/lookup on the real app (pool_size 1): 200 with the document; after the server ends the
    pool's connection, the checkout finds it dead without a round trip and the lookup runs on a new one."""
    known = owner_sql(OFFICER_BUILDING)[0]
    s = settings(pool_size=1)
    app, headers = _app_and_token(s, known)
    _one_row_routes(app)
    params = {"lon": known["lon"], "lat": known["lat"]}
    out = {"known": known}
    async with _running(app), _client(app) as client:
        for step in ("first", "after_terminate", "again"):
            if step == "after_terminate":
                out["pid"] = (await client.get("/test/session-pid")).json()["pid"]
                terminate(out["pid"])
            r = await client.get("/api/lookup", params=params, headers=headers)
            body = r.json()
            out[step] = {"status": r.status_code, "detail": body.get("detail"),
                         "building_id": body.get("building", {}).get("id") if r.status_code == 200 else None}
        out["new_pid"] = (await client.get("/test/session-pid")).json()["pid"]
    return out


async def _timed_get(client: httpx.AsyncClient, path: str, params: dict | None, headers: dict) -> dict:
    started = time.monotonic()
    r = await client.get(path, params=params, headers=headers)
    seconds = round(time.monotonic() - started, 3)
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    return {"status": r.status_code, "code": body.get("code"), "detail": body.get("detail"), "seconds": seconds}


def _client(app) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://holomap.test")


async def _both_paths(app, headers: dict, known: dict, label: str, out: dict, times: int = 1) -> None:
    """GET /api/lookup (one_row) and GET /api/beats (a session), `times` each, into out[label]."""
    lookup = {"lon": known.get("lon", 118.0), "lat": known.get("lat", 37.5)}
    async with _client(app) as client:
        for i in range(times):
            out[f"{label}_lookup_{i}"] = await _timed_get(client, "/api/lookup", lookup, headers)
            out[f"{label}_beats_{i}"] = await _timed_get(client, "/api/beats", None, headers)


@asynccontextmanager
async def _running(app):
    """The app's lifespan (its one pool is made there), as a server runs it."""
    async with app.router.lifespan_context(app):
        yield app


def _target() -> tuple[str, int]:
    url = make_url(settings().database_url)
    return url.host or "127.0.0.1", url.port or 5432


def _through(proxy: TcpProxy, **update) -> Settings:
    """Settings of an app that reaches the database through `proxy`."""
    url = make_url(settings().database_url).set(host="127.0.0.1", port=proxy.port)
    return settings(database_url=url.render_as_string(hide_password=False), **update)


async def route_database_unreachable() -> dict:
    """A database that cannot be reached (a closed port): the lookup route (one_row) and a sync route
    (session pool) answer 503 at once, twice each (no pool wait, no reconnection backoff)."""
    s = settings(database_url="postgresql+psycopg://holomap_app:x@127.0.0.1:1/holomap_test")
    app, headers = _app_and_token(s, {"user_id": 1, "username": "officer1", "role": "officer"})
    out: dict = {}
    async with _running(app):
        async with _client(app) as client:  # the first request builds the route table (OpenAPI): not timed
            await client.get("/config.json")
        await _both_paths(app, headers, {}, "down", out, times=2)
    return out


async def hung_server() -> dict:
    """A "database" that accepts TCP connections and never answers (a frozen host): the lookup route answers
    503 after connect_timeout_s (1 s), and five concurrent lookups too, not one after another; the sync
    route after libpq's own minimum connect_timeout (2 s)."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # the kernel completes handshakes; nobody ever reads the startup packet
    port = listener.getsockname()[1]
    s = settings(database_url=f"postgresql+psycopg://holomap_app:x@127.0.0.1:{port}/holomap_test")
    app, headers = _app_and_token(s, {"user_id": 1, "username": "officer1", "role": "officer"})
    out: dict = {}
    try:
        async with _running(app), _client(app) as client:
            params = {"lon": 118.0, "lat": 37.5}
            started = time.monotonic()
            answers = await asyncio.gather(*(_timed_get(client, "/api/lookup", params, headers) for _ in range(5)))
            out["lookups"] = answers
            out["lookups_seconds"] = round(time.monotonic() - started, 3)
            out["beats"] = await _timed_get(client, "/api/beats", None, headers)
    finally:
        listener.close()
    return out


async def outage_and_recovery() -> dict:
    """The app reaches PostgreSQL through a TCP forwarder; with both pools warm, the forwarder stops (listener
    closed, connections reset) → every request answers 503 quickly; it resumes → the next requests succeed."""
    known = owner_sql(OFFICER_BUILDING)[0]
    out: dict = {"known": known}
    with TcpProxy(*_target()) as proxy:
        app, headers = _app_and_token(_through(proxy, pool_size=2), known)
        async with _running(app):
            await _both_paths(app, headers, known, "before", out)
            proxy.stop()
            await _both_paths(app, headers, known, "down", out, times=2)
            proxy.resume()
            await _both_paths(app, headers, known, "back", out, times=2)
    return out


async def terminated_backends() -> dict:
    """pg_terminate_backend of every connection of the app (both pools), as a restart or an administrator
    would: the first lookup fails fast (or succeeds), the next ones succeed; the sync route's pre-ping
    replaces its connection without an error."""
    known = owner_sql(OFFICER_BUILDING)[0]
    out: dict = {"known": known}
    with TcpProxy(*_target()) as proxy:
        app, headers = _app_and_token(_through(proxy, pool_size=2), known)
        async with _running(app):
            await _both_paths(app, headers, known, "before", out)
            ports = sorted(proxy.upstream_ports)
            rows = owner_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                             "AND client_port = ANY(%(ports)s)", {"ports": ports})
            out["terminated"] = len(rows)
            for row in rows:
                terminate(row["pid"])
            await _both_paths(app, headers, known, "after", out, times=2)
    return out


def _hold_lock(tables: str) -> psycopg.Connection:
    """An owner transaction holding ACCESS EXCLUSIVE on `tables` until it is rolled back."""
    conn = psycopg.connect(libpq_url(settings().owner_url))
    conn.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
    return conn


async def lock_timeout() -> dict:
    """While another transaction holds ACCESS EXCLUSIVE on building and beat, the lookup route and a sync
    route answer 503 db.lock_timeout after about lock_timeout (1 s here), not when the lock ends."""
    known = owner_sql(OFFICER_BUILDING)[0]
    app, headers = _app_and_token(settings(pool_size=2, lock_timeout_ms=1000), known)
    out: dict = {}
    holder = None
    try:
        async with _running(app):
            await _both_paths(app, headers, known, "warm", out)
            holder = _hold_lock("building, beat")
            await _both_paths(app, headers, known, "locked", out)
            holder.rollback()
            await _both_paths(app, headers, known, "free", out)
    finally:
        if holder is not None:
            holder.close()
    return out


async def statement_timeouts() -> dict:
    """The app role's timeouts are set on every connection of both pools; a statement running past
    statement_timeout is cancelled and answers 503 db.timeout on either path; an import or export's
    allow_long_statements lifts it for its transaction only; a transaction left idle is ended."""
    from fastapi import Depends, Request
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from api.db import allow_long_statements, get_session, one_row

    s = settings(pool_size=2, statement_timeout_ms=300, lock_timeout_ms=1500, idle_in_transaction_timeout_ms=700)
    app, headers = _app_and_token(s, {"user_id": 1, "username": "officer1", "role": "officer"})

    @app.get("/test/sleep-sync")
    def sleep_sync(session: Session = Depends(get_session)) -> dict:
        return {"slept": session.execute(text("SELECT pg_sleep(5)::text")).scalar_one()}

    @app.get("/test/sleep-async")
    async def sleep_async(request: Request) -> dict:
        return await one_row(request, "SELECT pg_sleep(5)::text AS slept", {})

    @app.get("/test/idle")
    def idle(session: Session = Depends(get_session)) -> dict:
        session.execute(text("SELECT 1"))
        time.sleep(1.2)
        return {"n": session.execute(text("SELECT 2")).scalar_one()}

    show = ("SELECT current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt, "
            "current_setting('idle_in_transaction_session_timeout') AS it, current_setting('jit') AS jit")
    @app.get("/test/show")
    async def show_settings(request: Request) -> dict:
        return await one_row(request, show, {})

    out: dict = {}
    async with _running(app):
        async with _client(app) as client:
            out["async_settings"] = (await client.get("/test/show")).json()
        with app.state.sessionmaker() as session:
            out["sync_settings"] = dict(session.execute(text(show)).mappings().one())
        async with _client(app) as client:
            out["sync"] = await _timed_get(client, "/test/sleep-sync", None, {})
            out["async"] = await _timed_get(client, "/test/sleep-async", None, {})
        with app.state.sessionmaker() as session:
            allow_long_statements(session, 5000)
            started = time.monotonic()
            session.execute(text("SELECT pg_sleep(0.5)"))
            out["long_allowed_seconds"] = round(time.monotonic() - started, 2)
            session.commit()
            out["after_commit"] = session.execute(text("SELECT current_setting('statement_timeout')")).scalar_one()
        with app.state.sessionmaker() as session:
            session.execute(text("SELECT 1"))
            time.sleep(1.2)  # idle in transaction past its 0.7 s
            try:
                session.execute(text("SELECT 1"))
                out["idle"] = "still open"
            except Exception as exc:  # noqa: BLE001  (reported to the test)
                out["idle"] = getattr(getattr(exc, "orig", None), "sqlstate", None) or type(exc).__name__
        async with _client(app) as client:  # the same through a route: 503 db.idle_timeout, not a 500
            out["idle_route"] = await _timed_get(client, "/test/idle", None, {})
    return out


async def disconnect_cancels() -> dict:
    """A client that gives up on GET /api/lookup (uvicorn, a real socket) while its statement waits for a
    lock: the statement is cancelled in the server within a moment, not when the lock ends."""
    import uvicorn

    known = owner_sql(OFFICER_BUILDING)[0]
    s = settings(pool_size=2, lock_timeout_ms=30000, statement_timeout_ms=30000)
    app, headers = _app_and_token(s, known)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, loop="asyncio", http="h11"))
    serving = asyncio.create_task(server.serve())
    out: dict = {}
    holder = None
    base = f"http://127.0.0.1:{port}"
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        params = {"lon": known["lon"], "lat": known["lat"]}
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            out["warm"] = (await client.get("/api/lookup", params=params, headers=headers)).status_code
        holder = _hold_lock("building")
        holder_pid = holder.info.backend_pid
        blocked_sql = ("SELECT count(*) AS n FROM pg_stat_activity "
                       "WHERE %(holder)s = ANY(pg_blocking_pids(pid))")
        async with httpx.AsyncClient(base_url=base, timeout=0.8) as client:
            try:
                await client.get("/api/lookup", params=params, headers=headers)
                out["answered"] = True
            except httpx.TimeoutException:
                out["answered"] = False
            out["blocked_at_disconnect"] = owner_sql(blocked_sql, {"holder": holder_pid})[0]["n"]
        gone_at = time.monotonic()
        while time.monotonic() - gone_at < 5:
            if owner_sql(blocked_sql, {"holder": holder_pid})[0]["n"] == 0:
                break
            await asyncio.sleep(0.05)
        out["blocked_after"] = owner_sql(blocked_sql, {"holder": holder_pid})[0]["n"]
        out["cancelled_within"] = round(time.monotonic() - gone_at, 2)
        holder.rollback()
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            out["again"] = (await client.get("/api/lookup", params=params, headers=headers)).status_code
    finally:
        if holder is not None:
            holder.close()
        server.should_exit = True
        await serving
    return out


def _multi_host(first: int, second: int, attrs: str, **update) -> Settings:
    """Settings whose DATABASE_URL lists two hosts (libpq's form a:p,b:q), both reaching the test database."""
    url = make_url(settings().database_url)
    user = url.render_as_string(hide_password=False).split("://", 1)[1].split("@", 1)[0]
    multi = (f"postgresql+psycopg://{user}@127.0.0.1:{first},127.0.0.1:{second}/{url.database}"
             f"?target_session_attrs={attrs}")
    return settings(database_url=multi, **update)


async def multi_host_failover() -> dict:
    """DATABASE_URL with two hosts (two TCP forwarders to the test database, target_session_attrs=read-write).
    The pool connects through the first; it stops (its host died) → the next requests on both paths (one_row
    and a session) answer 200 through the second, without a 503."""
    known = owner_sql(OFFICER_BUILDING)[0]
    out: dict = {"known": known}
    host, port = _target()
    with TcpProxy(host, port) as a, TcpProxy(host, port) as b:
        app, headers = _app_and_token(_multi_host(a.port, b.port, "read-write", pool_size=2), known)
        async with _running(app):
            await _both_paths(app, headers, known, "before", out)
            out["before_a"], out["before_b"] = len(a.upstream_ports), len(b.upstream_ports)
            a.stop()
            await _both_paths(app, headers, known, "after", out, times=2)
            out["after_b"] = len(b.upstream_ports)
    return out


async def read_engine_routing() -> dict:
    """HOLOMAP_READ_DATABASE_URL through its own forwarder: tiles, heat and OGC items connect through it;
    the lookup (personal) and its audit row do not."""
    known = owner_sql(OFFICER_BUILDING)[0]
    out: dict = {}
    host, port = _target()
    with TcpProxy(host, port) as reader:
        url = make_url(settings().database_url).set(host="127.0.0.1", port=reader.port)
        s = settings(pool_size=2, read_database_url=url.render_as_string(hide_password=False))
        app, headers = _app_and_token(s, known)
        async with _running(app), _client(app) as client:
            r = await _timed_get(client, "/api/lookup", {"lon": known["lon"], "lat": known["lat"]}, headers)
            out["lookup"] = {"status": r["status"], "read_conns": len(reader.upstream_ports)}
            for name, path in (("tile", "/tiles/beats/10/843/388.mvt"), ("heat", "/api/analytics/heat"),
                               ("ogc", "/ogc/collections/beats/items")):
                r = await client.get(path, headers=headers)
                out[name] = {"status": r.status_code, "read_conns": len(reader.upstream_ports)}
            out["separate"] = app.state.read_engine is not app.state.engine
    return out


async def primary_down_read_engine_up() -> dict:
    """The primary stops answering (a failover in progress) while the read engine's standby still does: the
    analytics aggregates, tiles and OGC items sign the user in on the read engine and answer 200; the lookup
    (personal, on the primary) answers 503."""
    leader = owner_sql("SELECT id AS user_id, username, role FROM app_user WHERE role = 'leader' "
                       "ORDER BY id LIMIT 1")[0]
    out: dict = {}
    host, port = _target()
    with TcpProxy(host, port) as primary, TcpProxy(host, port) as reader:
        s = _through(primary, pool_size=2)
        url = make_url(s.database_url).set(port=reader.port)
        s = s.model_copy(update={"read_database_url": url.render_as_string(hide_password=False)})
        app, headers = _app_and_token(s, leader)
        paths = [f"/api/analytics/{p}" for p in ("heat", "hotspots", "matrix", "compare", "beats")]
        paths += ["/tiles/beats/10/843/388.mvt", "/ogc/collections/beats/items"]
        async with _running(app), _client(app) as client:
            out["before"] = {p: (await client.get(p, headers=headers)).status_code for p in paths}
            primary.stop()
            out["primary_down"] = {p: (await client.get(p, headers=headers)).status_code for p in paths}
            r = await client.get("/api/lookup", params={"lon": 118.0, "lat": 37.45}, headers=headers)
            out["lookup"] = r.status_code
    return out


async def lost_mid_request() -> dict:
    """The server ends a request's connection while its statement runs (a failover): a GET runs once more
    and answers 200 on a new connection; a POST answers 503 db.unavailable with Retry-After, not retried."""
    from fastapi import Depends
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from api.db import get_session

    s = settings(pool_size=2)
    app, _ = _app_and_token(s, {"user_id": 1, "username": "officer1", "role": "officer"})
    runs: list[int] = []

    def slow(session: Session) -> dict:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        runs.append(pid)
        session.execute(text("SELECT pg_sleep(0.6)"))
        return {"pid": pid}

    @app.get("/test/slow-read")
    def slow_read(session: Session = Depends(get_session)) -> dict:
        return slow(session)

    @app.post("/test/slow-write")
    def slow_write(session: Session = Depends(get_session)) -> dict:
        return slow(session)

    async def kill_first_run(before: int) -> None:
        while len(runs) == before:
            await asyncio.sleep(0.02)
        await asyncio.to_thread(terminate, runs[before])

    out: dict = {}
    async with _running(app), _client(app) as client:
        for name, method in (("get", "GET"), ("post", "POST")):
            before = len(runs)
            killer = asyncio.create_task(kill_first_run(before))
            r = await client.request(method, f"/test/slow-{'read' if method == 'GET' else 'write'}")
            await killer
            body = r.json()
            out[name] = {"status": r.status_code, "code": body.get("code"), "pid": body.get("pid"),
                         "retry_after": r.headers.get("retry-after"), "runs": runs[before:]}
    return out


async def write_on_read_only_server() -> dict:
    """A write reaching a server that has become read-only (a primary demoted by a failover; here the
    pool's connections are opened read-only): 503 db.failover with Retry-After, nothing written, and the
    pool dropped so that the next request connects anew."""
    import uuid

    from sqlalchemy import event, text

    from api.db import Statements, make_engine, make_sessionmaker

    s = settings(pool_size=1)
    app, _ = _app_and_token(s, {"user_id": 1, "username": "officer1", "role": "officer"})
    engine = make_engine(s)

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn, _record) -> None:
        dbapi_conn.execute("SET default_transaction_read_only = on")
        dbapi_conn.commit()

    state = app.state  # the app's pool made here (the lifespan then keeps it, as the tests' own)
    state.engine = state.read_engine = engine
    state.sessionmaker = state.read_sessionmaker = make_sessionmaker(engine)
    state.statements = state.read_statements = Statements(engine)
    out: dict = {}
    try:
        with engine.connect() as conn:
            out["pid_before"] = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        address = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
        async with _running(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 50000)),
                                                    base_url="http://holomap.test") as client:
            r = await client.post("/api/auth/token", data={"username": "officer1", "password": "wrong-password"})
        out["status"], out["code"] = r.status_code, r.json().get("code")
        out["retry_after"] = r.headers.get("retry-after")
        with engine.connect() as conn:
            out["pid_after"] = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        out["written"] = owner_sql("SELECT count(*) AS n FROM login_throttle WHERE client_addr = %(a)s",
                                   {"a": address})[0]["n"]
    finally:
        engine.dispose()
    return out


SCENARIOS = {
    "one_pool": one_pool,
    "route_lookup_and_terminated": route_lookup_and_terminated,
    "route_database_unreachable": route_database_unreachable,
    "outage_and_recovery": outage_and_recovery, "hung_server": hung_server, "terminated_backends": terminated_backends,
    "lock_timeout": lock_timeout, "statement_timeouts": statement_timeouts,
    "disconnect_cancels": disconnect_cancels, "multi_host_failover": multi_host_failover,
    "read_engine_routing": read_engine_routing, "lost_mid_request": lost_mid_request,
    "primary_down_read_engine_up": primary_down_read_engine_up,
    "write_on_read_only_server": write_on_read_only_server,
}


def main(name: str) -> None:
    scenario = SCENARIOS[name]
    result = asyncio.run(scenario()) if asyncio.iscoroutinefunction(scenario) else scenario()
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
