"""Emerging hot spots (新兴热点): the heat map's cells × weeks or months, Gi* per step, Mann-Kendall, categories.

The space-time cube is built from the same in-process incident columns as heat and near-repeat (cells.py,
via nearrepeat.events: exact and versioned per category and local month), binned into the heat map's
cells (cells.hex_cells / square_cells), over the study area of the hotspot map (every cell whose centre
lies in the jurisdiction of the stations in scope, zero counts included, plus any cell holding incidents).
geo.emerging does the statistics and the classification (checked against esda and pymannkendall).

Steps (local days, China Standard Time): `week` = seven-day steps counted back from the last day of the
period (a leftover of fewer than seven days at its start is left out, so the final step is always whole);
`month` = the calendar months lying wholly inside the period. At least MIN_STEPS steps are needed.

The cube is computed off the request (a worker thread, one at a time, as near-repeat) and kept by key:
the question plus the `incident_chunk.gen` of every month read, so a new or changed incident makes the
next request compute afresh. A request waits up to WAIT_S; beyond that it answers `status: running` with
the progress and the client asks again.

Aggregates only: cells with counts and categories, never an incident or a place finer than a cell.
"""
from __future__ import annotations

import json
import threading
import time
from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from api.analytics import cells, nearrepeat, service
from api.analytics.dependencies import AnalyticsScope
from api.analytics.filters import IncidentFilter
from api.errors import InvalidInput
from geo import cellgeojson, emerging
from geo.hotspots import neighbour_lists

WAIT_S = 2.0
MIN_STEPS = 4
MAX_CUBE = 30_000_000  # cells × steps: ~240 MB of float64 per array at most
DAY0 = date(2000, 1, 1)  # nearrepeat.events' day numbers count from here
# the classes in the legend's order; cold ones mirror the hot ones
CLASSES = tuple(emerging.CATEGORIES) + tuple(f"cold_{c}" for c in emerging.CATEGORIES)
JOBS = nearrepeat.Jobs(name="emerging-hot-spots", running=threading.BoundedSemaphore(1), keep_latest=False)


def step_edges(flt: IncidentFilter, step: str) -> list[date]:
    """First day of each step and the day after the last one (local days)."""
    if step == "week":
        weeks = flt.days // 7
        first = flt.end + timedelta(days=1) - timedelta(days=7 * weeks)
        return [first + timedelta(days=7 * k) for k in range(weeks + 1)]
    first = flt.start if flt.start.day == 1 else _next_month(flt.start)
    after = flt.end + timedelta(days=1)
    last = after if after.day == 1 else after.replace(day=1)
    edges = [first]
    while edges[-1] < last:
        edges.append(_next_month(edges[-1]))
    return edges if len(edges) > 1 and edges[-1] <= last else [first]


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _cube(ev: nearrepeat.Events, edges: list[date], study: list[tuple[int, int]], cell: str, size: float
          ) -> np.ndarray:
    """counts[cell of study, step]."""
    bounds = np.array([(e - DAY0).days for e in edges], dtype=np.int64)
    step = np.searchsorted(bounds, ev.day, side="right") - 1
    keep = (step >= 0) & (step < len(edges) - 1)
    binner = cells.square_cells if cell == "square" else cells.hex_cells
    i, j = binner(ev.x[keep], ev.y[keep], float(size))
    cells_ij = np.array(study, dtype=np.int64).reshape(-1, 2)
    i0, j0 = int(cells_ij[:, 0].min(initial=0)), int(cells_ij[:, 1].min(initial=0))
    width = int(cells_ij[:, 1].max(initial=0)) - j0 + 1
    codes = (cells_ij[:, 0] - i0) * width + (cells_ij[:, 1] - j0)  # ascending: the study is sorted by (i, j)
    row = np.searchsorted(codes, (i - i0) * width + (j - j0))  # every event's cell is in the study
    steps = len(edges) - 1
    flat = np.bincount(row * steps + step[keep], minlength=len(study) * steps)
    return flat.reshape(len(study), steps).astype(float)


def compute(counts: np.ndarray, study: list[tuple[int, int]], cell: str) -> dict:
    """Gi* per step, the category and the trend of each cell (the worker's part)."""
    z, p = emerging.gi_star_steps(counts, neighbour_lists(study, cell))
    labels = np.array(emerging.classify(z, p), dtype=object)
    sig = p < emerging.SIGNIFICANCE
    return {"labels": labels, "hot": (sig & (z > 0)).sum(axis=1), "cold": (sig & (z < 0)).sum(axis=1),
            "z_last": z[:, -1], "total": counts.sum(axis=1)}


def _features(cell: str, size: float, study: list[tuple[int, int]], result: dict, z_trend: list[float]) -> str:
    shown = np.flatnonzero(result["labels"] != "none")
    if len(shown) == 0:
        return "[]"
    ij = np.array(study, dtype=np.int64).reshape(-1, 2)[shown]
    return cellgeojson.features(
        cell, size, ij[:, 0], ij[:, 1], result["total"][shown].astype(np.int64),
        extra=[("class", cellgeojson.json_values(result["labels"][shown].tolist())),
               ("hot_steps", cellgeojson.json_values(result["hot"][shown].astype(int).tolist())),
               ("cold_steps", cellgeojson.json_values(result["cold"][shown].astype(int).tolist())),
               ("z_last", cellgeojson.json_values(result["z_last"][shown].tolist(), 3)),
               ("trend_z", cellgeojson.json_values(z_trend, 3))])


def emerging_hot_spots(session: Session, *, flt: IncidentFilter, scope: AnalyticsScope, cell: str, size: float,
                       step: str, wait_s: float = WAIT_S, jobs: nearrepeat.Jobs | None = None) -> bytes:
    """The emerging hot spot map of the filter within the scope (JSON text), or its progress."""
    jobs = jobs or JOBS
    edges = step_edges(flt, step)
    steps = len(edges) - 1
    if steps < MIN_STEPS:
        raise InvalidInput(f"the period holds {steps} whole {step}s; emerging hot spots need at least {MIN_STEPS}:"
                           " choose a longer period or step=week", code="analytics.emerging_too_few_steps",
                           params={"step": step, "steps": steps, "min_steps": MIN_STEPS})
    # the data version first (the chunks' gens, one small query): a question answered at this version is
    # answered from memory without reading the incidents or the jurisdiction again
    chunks = cells.CACHE.chunks(session, categories=flt.categories, first=flt.start.replace(day=1),
                                last=flt.end.replace(day=1))
    version = None if chunks is None else tuple(sorted((c.incarnation, c.gen) for c in chunks))
    key = (cells._database(session), flt, scope.station_ids, cell, float(size), step, version)
    job = jobs.known(key) if version is not None else None
    if job is None:
        job = _start(session, jobs, key, flt=flt, scope=scope, cell=cell, size=size, edges=edges)
    return _answer(job, wait_s=wait_s, flt=flt, cell=cell, size=size, step=step, edges=edges)


def _start(session: Session, jobs: nearrepeat.Jobs, key: tuple, *, flt: IncidentFilter, scope: AnalyticsScope,
           cell: str, size: float, edges: list[date]) -> nearrepeat.Job:
    """Read the incidents and the study area, and start the cube's computation."""
    steps = len(edges) - 1
    ev = nearrepeat.events(session, flt=flt, scope=scope)
    extent = service.extent_cells(session=session, scope=scope, cell=cell, size=size)
    binner = cells.square_cells if cell == "square" else cells.hex_cells
    i, j = binner(ev.x, ev.y, float(size))
    held = np.unique(np.column_stack([i, j]), axis=0) if len(i) else np.empty((0, 2), np.int64)
    study = sorted(extent | set(map(tuple, held.tolist())))
    if len(study) * steps > MAX_CUBE:
        raise InvalidInput(f"{len(study):,} cells × {steps} steps is too large a cube; choose a larger size_m, "
                           "step=month, a shorter period or one station", code="analytics.emerging_cube_too_large",
                           params={"cells": len(study), "steps": steps, "max": MAX_CUBE})
    if key[-1] is None:  # no chunk table: never reused
        key = (*key[:-1], ev.version)

    def work(job: nearrepeat.Job) -> dict:
        began = time.perf_counter()
        job.total = 3
        counts = _cube(ev, edges, study, cell, size)
        job.done = 1
        result = compute(counts, study, cell)
        job.done = 2
        shown = np.flatnonzero(result["labels"] != "none")
        # the count trend of each classified cell (the cube's Mann-Kendall); unclassified cells are not sent
        z_trend = [emerging.mann_kendall(row)[1] for row in counts[shown]]
        summary = {c: 0 for c in CLASSES}
        for label in result["labels"][shown].tolist():
            summary[label] += 1
        return {"features": _features(cell, size, study, result, z_trend), "classes": summary,
                "total": int(counts.sum()), "cells_in_extent": len(study),
                "ground_size_m": service._ground_size(np.array([c[1] for c in study], dtype=np.int64), cell, size),
                "seconds": round(time.perf_counter() - began, 2)}

    return jobs.get_or_start(key, work)


def _answer(job: nearrepeat.Job, *, wait_s: float, flt: IncidentFilter, cell: str, size: float, step: str,
            edges: list[date]) -> bytes:
    job.finished.wait(wait_s)
    rest = {"cell": cell, "size_m": size, "step": step,
            "steps": [{"start": a.isoformat(), "end": (b - timedelta(days=1)).isoformat()}
                      for a, b in zip(edges, edges[1:], strict=False)],
            "filters": flt.echo()}
    if not job.finished.is_set():
        rest.update(status="running", progress=round(job.done / job.total, 3) if job.total else 0.0,
                    ground_size_m=None, total=0, cells_in_extent=0, classes={c: 0 for c in CLASSES},
                    seconds=None)
        features = "[]"
    elif job.error is not None:
        raise job.error
    else:
        result = job.result
        rest.update(status="done", progress=1.0, ground_size_m=result["ground_size_m"], total=result["total"],
                    cells_in_extent=result["cells_in_extent"], classes=result["classes"], seconds=result["seconds"])
        features = result["features"]
    return ('{"type":"FeatureCollection","features":' + features + ","
            + json.dumps(rest, ensure_ascii=False, separators=(",", ":"))[1:]).encode()
