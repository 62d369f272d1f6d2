"""Contiguous, balanced regions from units on an adjacency graph (pure Python, no database).

Method: per connected component, seeds spread by farthest-point sampling; regions grow one unit at a
time, the lightest region taking its nearest free neighbour (compact, balanced growth); then boundary
units move from heavier to lighter neighbouring regions while that lowers the sum of squared
deviations from the mean load and keeps the donor region connected and non-empty.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

Key = Hashable


@dataclass(frozen=True)
class Unit:
    """A building block (village) with a position (lon, lat) and a load (e.g. residents)."""

    key: Key
    lon: float
    lat: float
    load: float


def grow_regions(
    units: Mapping[Key, Unit], adjacency: Mapping[Key, set[Key]], count: int, *, max_passes: int = 200
) -> list[set[Key]]:
    """`count` contiguous regions covering all units, with loads as equal as the graph allows."""
    if count < 1:
        raise ValueError("need at least one region")
    if not units:
        return [set() for _ in range(count)]
    count = min(count, len(units))
    graph = {k: {n for n in adjacency.get(k, set()) if n in units and n != k} for k in units}
    components = _components(graph)
    shares = _split_count(components, units, count)
    regions: list[set[Key]] = []
    for component, share in zip(components, shares, strict=True):
        if share == 0:  # more components than regions: join the nearest region later
            continue
        regions.extend(_grow(component, graph, units, share))
    for component, share in zip(components, shares, strict=True):
        if share == 0:
            nearest = min(range(len(regions)), key=lambda i: _distance_to(units, regions[i], component))
            regions[nearest] |= component
    _improve(regions, graph, units, max_passes)
    return regions


def loads(regions: list[set[Key]], units: Mapping[Key, Unit]) -> list[float]:
    """The total load of each region."""
    return [sum(units[k].load for k in region) for region in regions]


def _xy(unit: Unit) -> tuple[float, float]:
    # local equirectangular metres are enough to compare distances within a district
    return unit.lon * 111_320.0 * math.cos(math.radians(unit.lat)), unit.lat * 110_540.0


def _dist(a: Unit, b: Unit) -> float:
    (ax, ay), (bx, by) = _xy(a), _xy(b)
    return math.hypot(ax - bx, ay - by)


def _components(graph: Mapping[Key, set[Key]]) -> list[set[Key]]:
    seen: set[Key] = set()
    found = []
    for start in sorted(graph, key=str):
        if start in seen:
            continue
        stack, part = [start], {start}
        while stack:
            for n in graph[stack.pop()]:
                if n not in part:
                    part.add(n)
                    stack.append(n)
        seen |= part
        found.append(part)
    return found


def _split_count(components: list[set[Key]], units: Mapping[Key, Unit], count: int) -> list[int]:
    """Regions per component in proportion to load (largest remainders), each ≤ its unit count."""
    totals = [max(sum(units[k].load for k in c), 1e-9) for c in components]
    order = sorted(range(len(components)), key=lambda i: -totals[i])
    shares = [0] * len(components)
    for i in order[:count]:
        shares[i] = 1
    remaining = count - sum(shares)
    while remaining > 0:
        candidates = [i for i in order if shares[i] < len(components[i])]
        if not candidates:
            break
        best = max(candidates, key=lambda i: totals[i] / (shares[i] + 1))
        shares[best] += 1
        remaining -= 1
    return shares


def _seeds(component: set[Key], units: Mapping[Key, Unit], count: int) -> list[Key]:
    keys = sorted(component, key=str)
    cx = sum(_xy(units[k])[0] for k in keys) / len(keys)
    cy = sum(_xy(units[k])[1] for k in keys) / len(keys)
    first = max(keys, key=lambda k: math.hypot(_xy(units[k])[0] - cx, _xy(units[k])[1] - cy))
    seeds = [first]
    while len(seeds) < count:
        seeds.append(
            max(
                (k for k in keys if k not in seeds),
                key=lambda k: min(_dist(units[k], units[s]) for s in seeds),
            )
        )
    return seeds


def _grow(component: set[Key], graph, units: Mapping[Key, Unit], count: int) -> list[set[Key]]:
    seeds = _seeds(component, units, count)
    regions = [{s} for s in seeds]
    owner = {s: i for i, s in enumerate(seeds)}
    load = [units[s].load for s in seeds]
    heap = [(load[i], i) for i in range(count)]
    heapq.heapify(heap)
    while len(owner) < len(component):
        if not heap:  # every region is boxed in: hand leftovers to an adjacent region
            for k in sorted(component - owner.keys(), key=str):
                near = [owner[n] for n in graph[k] if n in owner]
                if near:
                    i = min(near, key=lambda j: load[j])
                    regions[i].add(k)
                    owner[k] = i
                    load[i] += units[k].load
            heap = [(load[i], i) for i in range(count)]
            heapq.heapify(heap)
            continue
        current, i = heapq.heappop(heap)
        if current != load[i]:
            continue
        frontier = {n for k in regions[i] for n in graph[k] if n not in owner}
        if not frontier:
            continue
        seed = units[seeds[i]]
        pick = min(frontier, key=lambda n: (_dist(units[n], seed), str(n)))
        regions[i].add(pick)
        owner[pick] = i
        load[i] += units[pick].load
        heapq.heappush(heap, (load[i], i))
    return regions


def _connected(region: set[Key], graph) -> bool:
    if not region:
        return False
    start = next(iter(region))
    seen, stack = {start}, [start]
    while stack:
        for n in graph[stack.pop()]:
            if n in region and n not in seen:
                seen.add(n)
                stack.append(n)
    return len(seen) == len(region)


def _improve(regions: list[set[Key]], graph, units: Mapping[Key, Unit], max_passes: int) -> None:
    owner = {k: i for i, r in enumerate(regions) for k in r}
    load = loads(regions, units)
    for _ in range(max_passes):
        moved = False
        for k in sorted(owner, key=lambda key: (-units[key].load, str(key))):
            src = owner[k]
            if len(regions[src]) == 1:
                continue
            for dst in sorted({owner[n] for n in graph[k]} - {src}, key=lambda j: load[j]):
                w = units[k].load
                # lowering (a-w)² + (b+w)² below a² + b² needs w < a - b
                if not 0 < w < load[src] - load[dst]:
                    continue
                if not _connected(regions[src] - {k}, graph):
                    continue
                regions[src].discard(k)
                regions[dst].add(k)
                owner[k] = dst
                load[src] -= w
                load[dst] += w
                moved = True
                break
        if not moved:
            return


def _distance_to(units: Mapping[Key, Unit], region: set[Key], component: set[Key]) -> float:
    if not region:
        return math.inf
    return min(_dist(units[a], units[b]) for a in region for b in component)
