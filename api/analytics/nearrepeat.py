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

Shared by every worker and app host (issue 20): a finished answer is also stored in PostgreSQL
(near_repeat_result, migration 0018, written by the definer functions of api/analytics/sql/near_repeat.sql),
keyed by the question's digest and the data version's. The in-memory jobs stay the fast layer; a process
without the answer in memory reads the stored one (same data version: `done` at once; an older one: served
as the `stale` answer while the recompute runs), and only the process that claims the row (INSERT … ON
CONFLICT DO NOTHING) computes it: the others answer from the row — its progress while it runs, polled up to
`WAIT_S`, the table once it is done. The claiming process writes its progress every `HEARTBEAT_S` from the
claim on; a claim whose process stopped (nothing for `STALE_CLAIM_S`) is taken over; a failed computation
releases it. Each question keeps its `KEEP_STORED` newest answers.

Aggregates only: counts of pairs per band, never an incident or a place (the stored row holds the question —
category, period, hours, weekdays, station ids, bands — and the table).
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Engine, text
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

log = logging.getLogger("holomap")

# the answers every process shares (near_repeat_result): the process that claimed a row writes its progress
# every HEARTBEAT_S from the claim on (queued behind another computation too) until it finished; a claim
# without it for STALE_CLAIM_S belongs to a stopped process and is taken over
HEARTBEAT_S = 5.0
STALE_CLAIM_S = 30
KEEP_STORED = 3  # answers kept per question (the newest data versions)
POLL_S = 0.2  # while another process computes the answer, a request looks at its row this often

STORED = """
SELECT data_version, label, status, events, done, total, result, computed_at FROM near_repeat_result
WHERE question = :question AND (data_version = :version OR status = 'done')
ORDER BY data_version = :version DESC, computed_at DESC NULLS LAST LIMIT 2
"""
STORED_ONE = """
SELECT data_version, label, status, events, done, total, result, computed_at FROM near_repeat_result
WHERE question = :question AND data_version = :version
"""
CLAIM = ("SELECT holomap_near_repeat_claim(:question, :version, :label, CAST(:params AS jsonb), :events, :total, "
         ":stale_after)")
PROGRESS = "SELECT holomap_near_repeat_progress(:question, :version, :done)"
STORE = "SELECT holomap_near_repeat_store(:question, :version, CAST(:result AS jsonb), :keep)"
RELEASE = "SELECT holomap_near_repeat_release(:question, :version)"

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

    def adopt(self, key: tuple, job: Job) -> Job:
        """A finished answer computed by another process (read from the database) as this key's job; the one
        already held if a thread of this process got there first."""
        with self._lock:
            held = self._jobs.get(key)
            if held is not None and held.error is None:
                return held
            self._jobs[key] = job
        if self.keep_latest:
            self._remember_latest(key[:-1], job)
        if self.on_result is not None:
            self.on_result(key, job.result)
        return job

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


_version = cells.data_version  # the filter's incidents' data version (None without the chunk table)


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


@dataclass(frozen=True)
class Shared:
    """The row of a question and data version in near_repeat_result, written on connections of its own (each
    statement committed at once, seen by every process; never the request's transaction, which a computation
    outlives)."""

    engine: Engine
    question: str  # SHA-256 of the canonical question
    version: str  # SHA-256 of the data version
    label: str  # the short digest the answer shows
    params: dict

    def _call(self, sql: str, **values) -> object:
        with self.engine.begin() as conn:
            return conn.execute(text(sql), {"question": self.question, "version": self.version, **values}).scalar()

    def claim(self, *, events: int, total: int) -> bool:
        return bool(self._call(CLAIM, label=self.label, params=json.dumps(self.params), events=events, total=total,
                               stale_after=STALE_CLAIM_S))

    def progress(self, done: int) -> None:
        self._call(PROGRESS, done=done)

    def store(self, result: dict) -> None:
        self._call(STORE, result=json.dumps(result), keep=KEEP_STORED)

    def release(self) -> None:
        self._call(RELEASE)


def _shared(session: Session, *, key: tuple, flt: IncidentFilter, scope: AnalyticsScope, bands: nearrepeat.Bands,
            permutations: int, label: str) -> Shared:
    params = {"category": flt.categories[0], "start": flt.start.isoformat(), "end": flt.end.isoformat(),
              "hours": list(flt.hours), "weekdays": list(flt.weekdays),
              "stations": None if scope.station_ids is None else list(scope.station_ids),
              "bands": asdict(bands), "permutations": permutations}
    question = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
    version = hashlib.sha256(repr(key[-1]).encode()).hexdigest()
    return Shared(engine=session.get_bind().engine, question=question, version=version, label=label, params=params)


def _stored_job(row) -> Job:
    job = Job(done=row.total, total=row.total, result=row.result, finished_at=row.computed_at, version=row.label,
              events=row.events)
    job.finished.set()
    return job


def _heartbeat(shared: Shared, job: Job) -> None:
    """Keep the claim of a computation of this process alive (its progress) until it finished."""
    while not job.finished.wait(HEARTBEAT_S):
        _quietly(shared.progress, job.done)


def _quietly(call, *args) -> None:
    """A write of the shared row that may fail (the database briefly away): the answer in memory stands."""
    try:
        call(*args)
    except Exception:  # noqa: BLE001 — logged; the computation's answer is not lost with it
        log.warning("near-repeat: the shared answer row could not be written", exc_info=True)


def near_repeat(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, bands: nearrepeat.Bands,
                permutations: int, wait_s: float = WAIT_S, jobs: Jobs = JOBS) -> dict:
    """The Knox table of the one category of the filter, or its progress while it is computed."""
    if len(flt.categories) != 1:
        raise InvalidInput("near-repeat analysis needs exactly one category, e.g. category=theft",
                           code="analytics.near_repeat_one_category", params={"given": list(flt.categories)})
    # the data version by one small query: a worker that has the answer (in memory or stored) needs no chunk
    version = _version(session, flt)
    ev = _uncached_events(session, flt=flt, scope=scope) if version is None else None
    key = (cells._database(session), flt, scope.station_ids, bands, permutations,
           version if version is not None else ev.version)
    seed = zlib.crc32(repr(key[1:5]).encode())
    label = data_version(key[-1])
    # without the chunk table there is no data version to share an answer under
    shared = None if version is None else _shared(session, key=key, flt=flt, scope=scope, bands=bands,
                                                  permutations=permutations, label=label)
    stored_previous = None  # the newest stored answer of an older data version
    remote = False  # another process computes it: `job` is its row's progress
    job = jobs.known(key)  # asked before under this version: the incidents need not be gathered again
    if job is None and shared is not None:
        for row in session.execute(text(STORED), {"question": shared.question, "version": shared.version}):
            if row.data_version == shared.version and row.status == "done":
                job = jobs.adopt(key, _stored_job(row))
            elif row.data_version != shared.version and stored_previous is None:
                stored_previous = _stored_job(row)
    if job is None:
        if ev is None:
            # the chunks are at this version or newer (a commit since): the answer is never of older data
            chunks, _ = _chunks(session, flt=flt)
            ev = _uncached_events(session, flt=flt, scope=scope) if chunks is None else \
                _events_of(chunks, version, flt=flt, scope=scope)

        def work(job: Job) -> dict:
            def progress(done: int, total: int) -> None:
                job.done, job.total = done, total
            job.total = permutations
            began = time.perf_counter()
            try:
                x, y = nearrepeat.ground_xy(ev.x, ev.y)
                table = nearrepeat.knox(x, y, ev.day, bands, permutations=permutations, seed=seed,
                                        progress=progress)
                result = answer(table, seconds=time.perf_counter() - began)
            except Exception:
                if shared is not None:
                    _quietly(shared.release)
                raise
            if shared is not None:
                _quietly(shared.store, result)
            return result

        if shared is None or shared.claim(events=len(ev.day), total=permutations):
            job = jobs.get_or_start(key, work, events=len(ev.day), version=label)
            if shared is not None:
                threading.Thread(target=_heartbeat, args=(shared, job), daemon=True,
                                 name="near-repeat-claim").start()
        else:
            job = jobs.known(key)  # a thread of this process claimed it meanwhile
            if job is None:
                job, remote = _remote(session, shared=shared, key=key, jobs=jobs, events=len(ev.day),
                                      total=permutations,
                                      wait_s=STALE_WAIT_S if (jobs.latest(key[:-1]) or stored_previous) else wait_s)
    previous = None if job.finished.is_set() else (jobs.latest(key[:-1]) or stored_previous)
    if not remote:
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


def _remote(session: Session, *, shared: Shared, key: tuple, jobs: Jobs, events: int, total: int,
            wait_s: float) -> tuple[Job, bool]:
    """Another process computes the answer: its row, looked at every POLL_S for up to `wait_s` — the stored
    answer (adopted, True → False: an answer) once done, else its progress as a job that is not finished."""
    deadline = time.monotonic() + wait_s
    while True:
        row = session.execute(text(STORED_ONE), {"question": shared.question, "version": shared.version}).first()
        if row is not None and row.status == "done":
            return jobs.adopt(key, _stored_job(row)), False
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL_S)
    # still running elsewhere (or its claim was just released after a failure: the next request claims it)
    return Job(done=row.done if row else 0, total=row.total if row else total, events=events,
               version=shared.label), True


def data_version(version: tuple) -> str:
    """A short digest of a data version (the chunks' incarnations and generations) for the answer."""
    return f"{zlib.crc32(repr(version).encode()):08x}"


def _local(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(LOCAL_TZ).isoformat(timespec="seconds")
