"""The arrays the dashboard's in-process caches load, kept in the database between processes (analytics_stored).

Why: a fresh worker (a restart, a deploy, another app host) held none of the caches its warm-up fills, and the
dashboard opened at once after a start waited for two years of incident columns (1.5 s of aggregation at
county scale), the residents per beat (0.5 s), the building centroids (0.3 s) and each incident's nearest
building (0.6 s): 2.2–3 s against a goal of 1.5 s (issue 22). Any process that computed one of these arrays
keeps it here, under the exact version it was computed for, and the next process reads it back in one binary
statement (~0.1 s for the county's two years) instead of computing it again.

Exactness: a row holds (kind, key) → (version, payload) and a reader uses the payload only when the version is
the one its own transaction reads from the source of truth (an incident chunk's gen and the chunk table's
incarnation, the buildings layer's version, each beat's residents gen). Those versions are never reused, so a
payload computed inside a transaction that rolled back, or for a version since replaced, is never used: it is
replaced the next time its key is computed (rows are written in their own committed transactions, never the
request's, through the SECURITY DEFINER holomap_analytics_store on the primary). Only arrays that rarely
change are written: incident months that have ended (the current month's chunks change with every new
incident and are cheap to aggregate), the bureau's buildings, the residents per beat.

Payloads are the numpy arrays' bytes, little-endian, concatenated in a fixed order (`pack`/`unpack`); nothing
personal is stored (incident times, points, categories, stations and beats; building ids and centroids; counts).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger("holomap.analytics")

TABLE_EXISTS = "SELECT to_regclass('analytics_stored') IS NOT NULL"
# one statement on the session's connection in binary (bytea as bytes, not hex text: 47 MB in 0.08 s vs 0.3 s)
READ = "SELECT key, version, payload FROM analytics_stored WHERE kind = %s AND key = ANY(%s)"
WRITE = "SELECT holomap_analytics_store(:kind, :key, :version, :payload)"


def pack(*arrays: np.ndarray) -> bytes:
    """The arrays' bytes, little-endian, one after the other (their lengths and types are the reader's)."""
    return b"".join(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes() for a in arrays)


def unpack(payload: bytes, dtypes: Sequence[str], n: int | None = None) -> list[np.ndarray] | None:
    """The arrays `pack` wrote, each of n values of its dtype ('<i8', '<f8', …; n: as many as the payload holds
    when not given); None when the payload's size does not fit (a row written by another layout: not used)."""
    row = sum(np.dtype(d).itemsize for d in dtypes)
    if n is None:
        n = len(payload) // row
    if len(payload) != n * row:
        return None
    out, at = [], 0
    for d in dtypes:
        out.append(np.frombuffer(payload, dtype=d, count=n, offset=at))
        at += n * np.dtype(d).itemsize
    return out


class Store:
    """Reads on the request's session; writes on the primary (`configure`), one at a time in the background."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []
        self._lock = threading.Lock()
        self._has_table: set[tuple] = set()
        self.reads = 0  # payloads used (for tests and the benchmark)
        self.writes = 0  # payloads written

    def configure(self, engine: Engine | None) -> None:
        """Write through `engine` (the primary's); None: write nothing (a test's app, the shutdown)."""
        with self._lock:
            old, self._pool = self._pool, None
            self._engine = engine
            if engine is not None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analytics-store")
        if old is not None:
            old.shutdown(wait=True)

    @property
    def writing(self) -> bool:
        return self._engine is not None

    def read(self, session: Session, kind: str, versions: Mapping[str, str]) -> dict[str, bytes]:
        """key → payload of the rows held for the keys of `versions` at exactly the version asked for each (a row
        of another version is never an answer); {} before migration 0020."""
        if not versions:
            return {}
        url = session.get_bind().engine.url
        db = (url.host, url.port, url.database)
        if db not in self._has_table:
            if not session.execute(text(TABLE_EXISTS)).scalar():
                return {}
            self._has_table.add(db)
        raw = session.connection().connection.driver_connection
        with raw.cursor(binary=True) as cur:
            cur.execute(READ, (kind, list(versions)))
            return {key: bytes(payload) for key, version, payload in cur.fetchall() if versions[key] == version}

    def write(self, kind: str, rows: Sequence[tuple[str, str, bytes]]) -> None:
        """Keep (key, version, payload) rows, in the background; nothing when not configured."""
        with self._lock:
            if self._pool is None or not rows:
                return
            engine = self._engine
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(self._pool.submit(self._write, engine, kind, list(rows)))

    def _write(self, engine: Engine, kind: str, rows: list[tuple[str, str, bytes]]) -> None:
        try:
            for key, version, payload in rows:  # a statement each: a chunk is up to a few MB
                with engine.begin() as conn:
                    conn.execute(text(WRITE), {"kind": kind, "key": key, "version": version, "payload": payload})
                self.writes += 1
        except Exception:  # a cache not written is computed again by the next process: never an error
            log.warning("analytics_stored: %s rows not written", kind, exc_info=True)

    def flush(self, timeout: float | None = None) -> None:
        """Wait for the writes asked so far (tests, the warm-up's end)."""
        with self._lock:
            pending = list(self._pending)
        for f in pending:
            f.result(timeout)


STORE = Store()
