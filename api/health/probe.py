"""The database check of /api/health, on its own path: one dedicated connection in one dedicated
thread, a 1 s statement timeout, and the answer cached for a second.

Not through the request pools or the worker threads: when a burst of slow requests holds every pooled
connection and thread, health must still answer at once and say whether the database answers.
"""
import asyncio
import concurrent.futures
import time
from dataclasses import dataclass

import psycopg

from api.config import Settings
from api.db import libpq_url


@dataclass(frozen=True)
class DatabaseState:
    ok: bool
    postgis: str | None
    checked_at: float  # time.monotonic() of the check


class HealthProbe:
    """`await check()` → the database state, at most `ttl` seconds old when the database answers fast.

    A caller with a recent answer (< `stale_after`) waits at most `quick_wait` for a fresh one and
    otherwise gets that answer; without one it waits up to `timeout`, then the database counts as
    unavailable. One probe runs at a time; callers share it.
    """

    def __init__(self, settings: Settings, *, ttl: float = 1.0, timeout: float = 1.0,
                 quick_wait: float = 0.05, stale_after: float = 5.0):
        self._conninfo = libpq_url(settings.database_url)
        self.ttl, self.timeout, self.quick_wait, self.stale_after = ttl, timeout, quick_wait, stale_after
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="holomap-health")
        self._conn: psycopg.Connection | None = None
        self._state: DatabaseState | None = None
        self._running: concurrent.futures.Future | None = None

    async def check(self) -> DatabaseState:
        now = time.monotonic()
        state = self._state
        if state is not None and now - state.checked_at < self.ttl:
            return state
        if self._running is None or self._running.done():
            self._running = self._executor.submit(self._probe)
        recent = state is not None and now - state.checked_at < self.stale_after
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._running)),
                                          self.quick_wait if recent else self.timeout)
        except TimeoutError:
            if not recent:  # no answer within the timeout: unavailable, until the probe says otherwise
                state = self._state = DatabaseState(False, None, now)
            return state

    def _probe(self) -> DatabaseState:
        """In the probe's thread: one round trip on the dedicated connection (reconnecting if needed).

        A connection that was open and broke (the server restarted, the primary failed over, an idle
        timeout) is replaced and tried once more at once: the old connection's end says nothing about the
        database now, and a monitor must not read "unavailable" while the data routes already work.
        """
        reused = self._conn is not None and not self._conn.closed
        state = self._round_trip()
        if not state.ok and reused:
            state = self._round_trip()
        self._state = state
        return state

    def _round_trip(self) -> DatabaseState:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(
                    self._conninfo, autocommit=True, connect_timeout=2, application_name="holomap-health",
                    options=f"-c statement_timeout={int(self.timeout * 1000)} -c jit=off")
            version = self._conn.execute("SELECT postgis_lib_version()").fetchone()[0]
            return DatabaseState(True, str(version), time.monotonic())
        except psycopg.Error:
            self._close_connection()
            return DatabaseState(False, None, time.monotonic())

    def _close_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None

    async def close(self) -> None:
        """Close the connection (in its thread) and stop the thread."""
        await asyncio.wrap_future(self._executor.submit(self._close_connection))
        self._state = None
