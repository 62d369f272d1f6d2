"""Warm a worker's analytics caches at start, in the background: the dashboard's first opening is then warm.

Why: a fresh worker holds none of the in-process caches (incident chunks of cells.py, residents per beat,
the officer table's roster, building centroids and each incident's nearest building of repeats.py, beat
geometries in compact form), so
the first leader to open the dashboard waited for all of them at once (13.5 s at county scale, issue 22).
The lifespan starts `Preload` in a thread and the server answers at once; requests that need a chunk while
the preload loads it wait for that load (cells.ChunkCache's load lock) instead of loading it a second time.

Scope: the preload computes the dashboard's opening view (the last 365 days, the whole bureau, the default
cells) as an active account holding `bureau.read` (a leader, else an admin): the scope that sees every
station. What it fills is what any request would fill: the chunk and building caches hold every station's
rows whoever loads them (`incident`, `incident_chunk` and `building` have no row-level security; the preload
checks this and loads nothing if that ever changes, since rows hidden from it would be cached as the whole),
residents are counted by the SECURITY DEFINER holomap_beat_residents for every beat, and each request still
applies its own user's scope to those arrays (cells.select, repeats). No answer is kept and nothing personal
is read: the caches hold incident columns, building centroids and counts.
"""
from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from api.analytics import repeats, service, staffing
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import build_filter
from api.auth.capabilities import roles_with
from api.auth.service import CurrentUser
from api.db import set_request_user

log = logging.getLogger("holomap.analytics")

# the account the preload reads as: an active one seeing the whole bureau (leaders first)
BUREAU_ACCOUNT = """
SELECT id, username, display_name, role FROM app_user
WHERE active AND role = ANY(CAST(:roles AS text[]))
ORDER BY role = 'leader' DESC, id LIMIT 1
"""
# tables whose rows the caches hold for every scope: row-level security on any of them would make a cache
# filled by one user partial for another
UNSCOPED_TABLES = ("incident", "incident_chunk", "building")
ROW_SECURITY = "SELECT relname FROM pg_class WHERE oid = ANY(CAST(:tables AS regclass[])) AND relrowsecurity"

# the dashboard's opening calls, in the order that loads the most shared data first (compare reads two years
# of chunks, which heat, matrix and beats then reuse); the cell options are the routes' defaults
CELL, SIZE_M = "hex", 500.0


class Preload:
    """The background warm-up of one worker; `state` is idle, loading, ready, skipped or failed."""

    def __init__(self) -> None:
        self.state = "idle"
        self.steps: dict[str, float] = {}  # step → seconds (for the log, the tests and the benchmark)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, *, primary: sessionmaker[Session], read: sessionmaker[Session]) -> None:
        """Run `run` in a daemon thread (the server answers meanwhile)."""
        self.state = "loading"
        self._thread = threading.Thread(target=self.run, kwargs={"primary": primary, "read": read},
                                        name="analytics-preload", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the preload to end after its current step and wait for it (before the pools are disposed)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> str:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.state

    def run(self, *, primary: sessionmaker[Session], read: sessionmaker[Session]) -> None:
        """Fill the caches for the dashboard's opening view; never raises (a failure is logged)."""
        self.state = "loading"
        started = time.perf_counter()
        try:
            self.state = self._run(primary, read)
        except Exception:  # a warm-up must not take the worker down: requests load what they need themselves
            log.exception("analytics preload failed")
            self.state = "failed"
        log.info("analytics preload %s in %.1f s (%s)", self.state, time.perf_counter() - started,
                 ", ".join(f"{k} {v:.1f} s" for k, v in self.steps.items()))

    def _run(self, primary: sessionmaker[Session], read: sessionmaker[Session]) -> str:
        with primary() as session:
            hidden = session.execute(text(ROW_SECURITY), {"tables": list(UNSCOPED_TABLES)}).scalars().all()
            if hidden:
                log.warning("analytics preload skipped: row-level security on %s", ", ".join(hidden))
                return "skipped"
            row = session.execute(text(BUREAU_ACCOUNT), {
                "roles": list(roles_with("bureau.read"))}).first()
        if row is None:
            log.info("analytics preload skipped: no active account reads the whole bureau")
            return "skipped"
        user = CurrentUser(id=row.id, username=row.username, display_name=row.display_name, role=row.role,
                           station_id=None)
        flt = build_filter(start=None, end=None, category=None, hours=None, weekdays=None)
        scope = AnalyticsScope(station_ids=None)
        steps: list[tuple[str, sessionmaker[Session], Callable[[Session], object]]] = [
            # the officer table's roster first: ~0.1 s, and the officers call needs nothing else kept
            ("officers", primary, lambda s: staffing.roster(s, scope)),
            ("compare", read, lambda s: service.comparison(session=s, flt=flt, scope=scope)),
            ("heat", read, lambda s: service.heat(session=s, flt=flt, scope=scope, cell=CELL, size=SIZE_M,
                                                  compact=True)),
            ("beats", read, lambda s: staffing.beats_compact(s, flt=flt, scope=scope)),
            ("repeat-locations", primary,
             lambda s: repeats.repeat_locations(s, flt=flt, scope=scope, user=user)),
            ("hotspots", read, lambda s: service.hotspots(session=s, flt=flt, scope=scope, cell=CELL, size=SIZE_M,
                                                          compact=True)),
        ]
        for name, maker, step in steps:
            if self._stop.is_set():
                return "stopped"
            t0 = time.perf_counter()
            with maker() as session:
                set_request_user(session, user_id=user.id, role=user.role)
                step(session)
                session.rollback()  # read only: nothing to keep
            self.steps[name] = time.perf_counter() - t0
        # The caches now hold ~140k Python objects (beat rows, counts, building look-ups) that live as long as
        # the worker: a full pass of the cyclic collector walked them all (30–180 ms, a p99 spike of whichever
        # request triggered it). Frozen, they are left out of its passes; refcounting still frees an evicted one.
        gc.freeze()
        return "ready"
