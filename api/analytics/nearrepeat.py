"""Near-repeat (Knox) analysis of one incident category: computed off the request, cached by data version.

The incidents come from the in-process columns of cells.py (exact and versioned per category and local
month); the Knox table is geo.nearrepeat's. The key of a result is the question (category, period, hours,
weekdays, stations, bands, simulations) plus the `incident_chunk.gen` of every month read, so a new,
changed or deleted incident of that category and month makes the next request compute afresh, and a
rolled-back one is never seen by anyone else.

A request waits up to `WAIT_S` for the answer; a longer computation (the whole bureau's thefts of a year:
~130k incidents, ~25M pairs within 500 m, about half a second per simulation) keeps running in a worker
thread and the request answers `status: "running"` with its progress; the client asks again. Identical
questions asked together share one computation (one job per key).

When the same question was answered before under an older data version (a new incident changed a month),
the request does not wait: it answers at once with that previous answer, marked `stale` with its data
version and time (the dashboard shows it as 正在更新), while the recompute runs; the next request after it
finished gets the new answer. The bureau's year of thefts takes ~100 s to recompute at county scale, so a
dashboard never waits for it.

Aggregates only: counts of pairs per band, never an incident or a place.
"""
from __future__ import annotations

import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.analytics import cells
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import LOCAL_TZ, IncidentFilter
from api.errors import InvalidInput
from geo import nearrepeat

WAIT_S = 2.0
STALE_WAIT_S = 0.0  # with a previous answer to serve, a request does not wait for the new one
MAX_RESULTS = 64
RUNNING = threading.BoundedSemaphore(1)  # one simulation at a time per process: the others queue (progress 0)
DAY_US = 86_400_000_000
LOCAL_OFFSET_US = 8 * 3_600_000_000  # China Standard Time, no daylight saving

# the incidents' columns when the chunk table (incident_chunk) is missing (the reference path)
INCIDENT_COLUMNS = """
SELECT x_3857, y_3857, (timezone('Asia/Shanghai', occurred_at)::date - DATE '2000-01-01') AS day
FROM incident WHERE {where}
"""


@dataclass
class Job:
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: threading.Event = field(default_factory=threading.Event)
    result: dict | None = None
    error: Exception | None = None
    finished_at: datetime | None = None  # wall clock when the result was ready
    version: str = ""  # short digest of the data version the result was computed from
    events: int = 0  # incidents it is computed from


class Jobs:
    """Computations by key: running ones and the last MAX_RESULTS answers."""

    def __init__(self, *, name: str = "near-repeat", running: threading.BoundedSemaphore | None = None,
                 keep_latest: bool = True) -> None:
        self.name = name
        self.keep_latest = keep_latest  # keys end with their data version: keep each question's newest answer
        self.running = running or RUNNING  # one computation of this kind at a time per process
        self.on_result = None  # called with (key, result) when a computation succeeds (warnings.py)
        self._lock = threading.Lock()
        self._jobs: OrderedDict[tuple, Job] = OrderedDict()
        # the newest successful answer of each question (the key without its data version): served, marked
        # stale, while the question is recomputed for a newer version
        self._latest: OrderedDict[tuple, Job] = OrderedDict()
        self.started = 0  # computations started (tests)

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._latest.clear()

    def latest(self, question: tuple) -> Job | None:
        """The newest finished answer of the question under any data version (None: never answered)."""
        with self._lock:
            return self._latest.get(question)

    def known(self, key: tuple) -> Job | None:
        """The computation of the key, running or done (None: never started, or it failed)."""
        with self._lock:
            job = self._jobs.get(key)
            if job is None or job.error is not None:
                return None
            self._jobs.move_to_end(key)
            return job

    def get_or_start(self, key: tuple, work, *, events: int = 0, version: str = "") -> Job:
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.error is None:
                self._jobs.move_to_end(key)
                return job
            job = self._jobs[key] = Job(events=events, version=version)
            self.started += 1
            while len(self._jobs) > MAX_RESULTS:
                oldest, old = next(iter(self._jobs.items()))
                if not old.finished.is_set():
                    break
                del self._jobs[oldest]
        threading.Thread(target=self._run, args=(key, job, work), daemon=True, name=self.name).start()
        return job

    def _remember_latest(self, question: tuple, job: Job) -> None:
        with self._lock:
            newest = self._latest.get(question)
            if newest is None or newest.started <= job.started:  # a slower, older computation never wins
                self._latest[question] = job
            self._latest.move_to_end(question)
            while len(self._latest) > MAX_RESULTS:
                self._latest.popitem(last=False)

    def _run(self, key: tuple, job: Job, work) -> None:
        try:
            with self.running:
                job.result = work(job)
            job.finished_at = datetime.now(UTC)
            if self.keep_latest:
                self._remember_latest(key[:-1], job)
            if self.on_result is not None:
                self.on_result(key, job.result)
        except Exception as exc:  # noqa: BLE001 — handed to the request that waits for it
            job.error = exc
        finally:
            job.finished.set()


JOBS = Jobs()


@dataclass(frozen=True)
class Events:
    x: np.ndarray  # EPSG:3857
    y: np.ndarray
    day: np.ndarray  # local days since 2000-01-01
    version: tuple


def events(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope,
           cache: cells.ChunkCache = cells.CACHE) -> Events:
    """The incidents of the filter within the scope, with the data version they were read at."""
    chunks, version = _chunks(session, flt=flt, cache=cache)
    if chunks is None:
        return _uncached_events(session, flt=flt, scope=scope)
    return _events_of(chunks, version, flt=flt, scope=scope)


def _chunks(session: Session, *, flt: IncidentFilter, cache: cells.ChunkCache = cells.CACHE
            ) -> tuple[list | None, tuple | None]:
    """The chunks of the filter's categories and months and their data version (None, None: no chunk table)."""
    first, last = flt.start.replace(day=1), flt.end.replace(day=1)
    chunks = cache.chunks(session, categories=flt.categories, first=first, last=last)
    if chunks is None:
        return None, None
    return chunks, tuple(sorted((c.incarnation, c.gen) for c in chunks))


def _uncached_events(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope) -> Events:
    from api.analytics.service import incident_params
    where, params = incident_params(flt, scope)
    rows = session.execute(text(INCIDENT_COLUMNS.format(where=where)), params).all()
    a = np.array(rows, dtype=float).reshape(-1, 3)
    stamp = datetime.now(UTC).isoformat()  # no version without the chunk table: never reused
    return Events(a[:, 0], a[:, 1], a[:, 2].astype(np.int64), ("uncached", stamp))


def _events_of(chunks: list, version: tuple, *, flt: IncidentFilter, scope: AnalyticsScope) -> Events:
    start_us, end_us = cells.to_us(flt.start_at), cells.to_us(flt.end_at)
    stations = None if scope.station_ids is None else np.asarray(scope.station_ids, dtype=np.int32)
    xs, ys, ts = [], [], []
    for c in chunks:
        lo = int(np.searchsorted(c.t, start_us, side="left"))
        hi = int(np.searchsorted(c.t, end_us, side="left"))
        if lo >= hi:
            continue
        mask = np.ones(hi - lo, dtype=bool)
        if stations is not None:
            mask &= np.isin(c.station[lo:hi], stations)
        if flt.hours:
            mask &= np.isin(c.hour[lo:hi], flt.hours)
        if flt.weekdays:
            mask &= np.isin(c.weekday[lo:hi], flt.weekdays)
        xs.append(c.x[lo:hi][mask])
        ys.append(c.y[lo:hi][mask])
        ts.append(c.t[lo:hi][mask])
    t = np.concatenate(ts) if ts else np.empty(0, np.int64)
    day = (t + LOCAL_OFFSET_US) // DAY_US
    return Events(np.concatenate(xs) if xs else np.empty(0), np.concatenate(ys) if ys else np.empty(0),
                  day.astype(np.int64), version)


def _band_rows(bands: nearrepeat.Bands) -> tuple[list[dict], list[dict]]:
    distance = [{"from_m": a, "to_m": b, "same_location": k == 0}
                for k, (a, b) in enumerate(bands.distance_labels())]
    days = [{"from_days": a, "to_days": b} for a, b in bands.time_labels()]
    return distance, days


def _number(value: float, digits: int) -> float | None:
    return None if not np.isfinite(value) else round(float(value), digits)


def answer(table: nearrepeat.KnoxTable, *, seconds: float) -> dict:
    """The Knox table as the response's `result`."""
    bands = table.bands
    distance, days = _band_rows(bands)
    ratio, significant = table.ratio, table.significant
    rows = [[{"observed": int(table.observed[r, c]), "expected": _number(table.expected[r, c], 2),
              "ratio": _number(ratio[r, c], 2), "p": _number(table.p[r, c], 4),
              "significant": bool(significant[r, c])}
             for c in range(table.observed.shape[1])] for r in range(table.observed.shape[0])]
    zone = table.zone()
    return {
        "events": table.events, "pairs": table.pairs, "close_pairs": table.close_pairs,
        "permutations": table.permutations, "distance_bands": distance, "time_bands": days, "cells": rows,
        "zone": None if zone is None else {"distance_m": distance[zone[0]]["to_m"],
                                           "days": days[zone[1]]["to_days"],
                                           "ratio": rows[min(zone[0], 1)][0]["ratio"]},
        "seconds": round(seconds, 2),
    }


def near_repeat(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, bands: nearrepeat.Bands,
                permutations: int, wait_s: float = WAIT_S, jobs: Jobs = JOBS) -> dict:
    """The Knox table of the one category of the filter, or its progress while it is computed."""
    if len(flt.categories) != 1:
        raise InvalidInput("near-repeat analysis needs exactly one category, e.g. category=theft",
                           code="analytics.near_repeat_one_category", params={"given": list(flt.categories)})
    chunks, version = _chunks(session, flt=flt)
    ev = _uncached_events(session, flt=flt, scope=scope) if chunks is None else None
    key = (cells._database(session), flt, scope.station_ids, bands, permutations,
           version if chunks is not None else ev.version)
    seed = zlib.crc32(repr(key[1:5]).encode())
    job = jobs.known(key)  # asked before under this version: the incidents need not be gathered again
    if job is None:
        if ev is None:
            ev = _events_of(chunks, version, flt=flt, scope=scope)

        def work(job: Job) -> dict:
            def progress(done: int, total: int) -> None:
                job.done, job.total = done, total
            job.total = permutations
            began = time.perf_counter()
            x, y = nearrepeat.ground_xy(ev.x, ev.y)
            table = nearrepeat.knox(x, y, ev.day, bands, permutations=permutations, seed=seed, progress=progress)
            return answer(table, seconds=time.perf_counter() - began)

        job = jobs.get_or_start(key, work, events=len(ev.day), version=data_version(key[-1]))
    previous = None if job.finished.is_set() else jobs.latest(key[:-1])
    job.finished.wait(STALE_WAIT_S if previous is not None else wait_s)
    body = {"category": flt.categories[0], "filters": flt.echo(), "events": job.events, "stale": False,
            "data_version": job.version, "computed_at": None}
    if not job.finished.is_set():
        running = {**body, "status": "running", "progress": round(job.done / job.total, 3) if job.total else 0.0,
                   "result": None}
        if previous is None:
            return running
        # 正在更新: the previous answer (another data version) while the recompute runs
        return {**running, "stale": True, "result": previous.result, "data_version": previous.version,
                "computed_at": _local(previous.finished_at)}
    if job.error is not None:
        if isinstance(job.error, nearrepeat.TooManyPairs):
            raise InvalidInput(
                f"{job.error.pairs:,} pairs of incidents lie within {bands.max_distance_m:g} m of each other; "
                "choose one station, a shorter period or fewer distance bands",
                code="analytics.near_repeat_too_many_pairs",
                params={"pairs": job.error.pairs, "max_pairs": nearrepeat.MAX_CLOSE_PAIRS})
        raise job.error
    return {**body, "status": "done", "progress": 1.0, "result": job.result, "computed_at": _local(job.finished_at)}


def data_version(version: tuple) -> str:
    """A short digest of a data version (the chunks' incarnations and generations) for the answer."""
    return f"{zlib.crc32(repr(version).encode()):08x}"


def _local(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(LOCAL_TZ).isoformat(timespec="seconds")
