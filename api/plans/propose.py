"""Automatic, balanced beat proposals from whole villages (communities for urban beats).

Locked beats are kept as they are; the villages whose point-on-surface lies in a locked beat are not
re-assigned. The other beats of the draft are rebuilt as unions of villages grown on the village
adjacency graph (api.plans.regions). With `beats` unset the draft's unlocked beats are regrown per
kind (communities → urban beats, villages → rural beats); with `beats` set, that many beats are built
from all free villages and each gets the kind of the majority of its residents.
"""

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.errors import Conflict
from api.plans import queries
from api.plans.regions import Unit, grow_regions, loads
from api.plans.stats import ensure_area_stats
from geo.partition import balance_ratio

UNIT_KIND = {"community": "urban", "village": "rural"}
WORKLOAD_KEY_PERSON_WEIGHT = 10  # a key person costs the officer about as much as ten other residents


def _load(row, balance_on: str) -> float:
    if balance_on == "households":
        return float(row.households)
    if balance_on == "workload":
        return float(row.residents + WORKLOAD_KEY_PERSON_WEIGHT * row.key_persons)
    return float(row.residents)


def propose(session: Session, *, plan: dict[str, Any], beats: int | None, balance_on: str) -> dict[str, Any]:
    """Rewrite the draft's unlocked beats as balanced unions of villages; report the balance."""
    plan_id, station_id = plan["id"], plan["station_id"]
    ensure_area_stats(session, station_id=station_id)
    rows = session.execute(text(queries.VILLAGE_UNITS), {"plan_id": plan_id, "station_id": station_id}).all()
    free = {r.id: r for r in rows if r.locked_beat is None}
    if not free:
        raise Conflict("every village lies in a locked beat; unlock a beat to let the proposal change it",
                       code="plan.propose_all_locked")
    adjacency: dict[int, set[int]] = defaultdict(set)
    for a, b in session.execute(text(queries.VILLAGE_ADJACENCY), {"station_id": station_id}):
        adjacency[a].add(b)
        adjacency[b].add(a)
    shapes = session.execute(text(queries.PLAN_BEAT_SHAPES), {"plan_id": plan_id}).all()
    unlocked = [s for s in shapes if not s.locked]
    units = {k: Unit(k, r.lon, r.lat, _load(r, balance_on)) for k, r in free.items()}
    groups = _groups(free, unlocked, beats)
    built: list[tuple[str, set[int]]] = []
    for kind, keys, count in groups:
        sub = {k: units[k] for k in keys}
        for region in grow_regions(sub, adjacency, count):
            if region:
                built.append((kind or _majority_kind(region, free), region))
    _write(session, plan_id=plan_id, unlocked=unlocked, built=built)
    return _report(built, free, units, balance_on)


def _groups(free, unlocked, beats: int | None) -> list[tuple[str | None, set[int], int]]:
    """(kind, villages, region count) to grow; kind None means 'decide by majority'."""
    if beats is None and unlocked:
        wanted = defaultdict(int)
        for s in unlocked:
            wanted[s.kind] += 1
        by_kind = defaultdict(set)
        for k, r in free.items():
            by_kind[UNIT_KIND.get(r.kind, "rural")].add(k)
        kinds = [kind for kind in ("urban", "rural") if wanted[kind]]
        for kind in ("urban", "rural"):  # villages of a kind with no beat of that kind join the other
            if by_kind[kind] and not wanted[kind]:
                other = kinds[0]
                by_kind[other] |= by_kind.pop(kind)
        return [
            (kind, by_kind[kind], min(wanted[kind], len(by_kind[kind]))) for kind in kinds if by_kind[kind]
        ]
    count = beats or 1
    return [(None, set(free), min(count, len(free)))]


def _majority_kind(region: set[int], free) -> str:
    urban = sum(free[k].residents for k in region if free[k].kind == "community")
    return "urban" if urban * 2 > sum(free[k].residents for k in region) else "rural"


def _write(session: Session, *, plan_id: int, unlocked, built: list[tuple[str, set[int]]]) -> None:
    """Reuse unlocked beats (same kind first), add new beats or drop surplus ones."""
    pool = {kind: [s for s in unlocked if s.kind == kind] for kind in ("urban", "rural")}
    leftovers = list(unlocked)
    taken = set()
    plan_codes = {s.code for s in unlocked}
    new_index = 1
    for kind, region in built:
        candidates = [s for s in pool.get(kind, []) if s.id not in taken] or [
            s for s in leftovers if s.id not in taken
        ]
        params = {"plan_id": plan_id, "kind": kind, "village_ids": sorted(region)}
        if candidates:
            beat = candidates[0]
            taken.add(beat.id)
            session.execute(text(queries.SET_BEAT_TO_VILLAGES), {**params, "beat_id": beat.id})
            continue
        while f"P{new_index:02d}" in plan_codes:
            new_index += 1
        code = f"P{new_index:02d}"
        plan_codes.add(code)
        session.execute(
            text(queries.INSERT_BEAT_FROM_VILLAGES), {**params, "code": code, "name": f"建议警务区 {code}"}
        )
    for s in unlocked:
        if s.id not in taken:
            session.execute(text(queries.DELETE_BEAT_BY_ID), {"plan_id": plan_id, "beat_id": s.id})


def _ratio(values: list[float]) -> float | None:
    """max/min rounded; None when empty or when a beat has no load (infinite ratio)."""
    ratio = balance_ratio(values) if values else math.inf
    return None if math.isinf(ratio) else round(ratio, 3)


def _report(built, free, units, balance_on: str) -> dict[str, Any]:
    regions = [region for _, region in built]
    region_loads = loads(regions, units)
    per_kind = defaultdict(list)
    for (kind, _), load in zip(built, region_loads, strict=True):
        per_kind[kind].append(load)
    beats = [
        {
            "kind": kind,
            "villages": len(region),
            "load": load,
            "households": sum(free[k].households for k in region),
            "residents": sum(free[k].residents for k in region),
        }
        for (kind, region), load in zip(built, region_loads, strict=True)
    ]
    return {
        "balance_on": balance_on,
        "beats": beats,
        "balance_ratio": _ratio(region_loads),
        "balance_ratio_by_kind": {k: _ratio(v) for k, v in per_kind.items()},
    }
