"""The min-change model of 自动均衡 (pure: PuLP + CBC, no database): entities (whole villages or their parts),
candidate moves, constraints, the solve and its report. See api/plans/rebalance.py for the method and the
data it is fed; tests in tests/plans/test_propose.py (known optima).
"""

import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pulp

from api.config import Settings
from geo.partition import balance_ratio

WORKLOAD_KEY_PERSON_WEIGHT = 10  # as in api.plans.propose


def _load(households: float, residents: float, key_persons: float, balance_on: str) -> float:
    if balance_on == "households":
        return float(households)
    if balance_on == "workload":
        return float(residents + WORKLOAD_KEY_PERSON_WEIGHT * key_persons)
    return float(residents)


def _named_in(village_name: str, beat_name: str) -> bool:
    return bool(village_name) and village_name in beat_name


@dataclass
class Entity:
    """What the solver moves: a whole village, or a part of one (its buildings nearest one of a few centres)."""

    id: int
    village_id: int
    name: str
    beats: list[int]
    locked: bool
    households: int
    residents: int
    key_persons: int
    buildings: int = 0
    geom: Any = None  # a part's polygon (shapely), None for a whole village


@dataclass
class Outcome:
    """One solved model: the beat chosen per free entity, whether CBC proved it optimal, and its report."""

    chosen: dict[int, int]
    proven: bool
    report: dict[str, Any]
    search: dict[str, Any]
    entities: dict[int, Entity] = field(default_factory=dict)
    neighbours: dict[int, set[int]] = field(default_factory=dict)

    def rank(self) -> tuple:
        """Lower is better: rules broken, band excess, villages split, households moved (the model's order)."""
        r = self.report
        excess = sum(max(0.0, (x if x is not None else 1e9) - r["target_ratio"])
                     for x in r["balance_ratio_by_kind"].values())
        return (len(r["rules_unmet"]), round(excess, 6), r.get("villages_split", 0), r["households_moved"])


@dataclass
class Fixed:
    """Loads and counts that stay in a beat whatever the solver does (locked beats' villages, split villages)."""

    load: dict[int, float]
    people: dict[int, tuple[int, int]]
    units: dict[int, int]
    villages: dict[int, int]
    size: dict[int, list[int]]


def _depths(members, candidates, fixed_beats_of, neighbours, load_of, *,
            keep_heaviest: bool) -> dict[int, tuple[int, int]]:
    """Per free entity: (its beat, hops from the beat's root inside the beat). The roots: entities fixed in
    the beat and those that cannot move; when every entity may move, the heaviest with `keep_heaviest` (the
    model of parts: a beat keeps its heaviest part), else none (the village model: a swap of two villages
    between two beats stays possible; the articulation rule keeps such beats whole)."""
    depth: dict[int, tuple[int, int]] = {}
    for k0, vs in members.items():
        roots = {u for v in vs for u in neighbours[v] if k0 in fixed_beats_of.get(u, ())}
        roots |= {v for v in vs if candidates[v] == [k0]}
        if not roots and not keep_heaviest:
            continue  # no root: only the articulation rule holds the beat together
        if not roots:
            heaviest = max(vs, key=lambda v: (load_of[v], -v))
            candidates[heaviest] = [k0]
            roots = {heaviest}
        seen = {r: 0 for r in roots}
        queue = list(roots)  # fixed roots are not free: their neighbours are never constrained (see solve)
        while queue:
            nxt = []
            for u in queue:
                for w in neighbours[u]:
                    if w in vs and w not in seen:
                        seen[w] = seen[u] + 1
                        nxt.append(w)
            queue = nxt
        depth.update({v: (k0, d) for v, d in seen.items() if v in vs})
    return depth


def _optimise(*, entities: list[Entity], neighbours: dict[int, set[int]], beats, fixed: Fixed, balance_on: str,
              target_ratio: float, settings: Settings, deadline: float, started: float, prove: bool,
              start: dict[int, int] | None = None, frozen: dict[int, int] | None = None) -> Outcome | None:
    """The min-change model over these entities, solved by CBC before `deadline`.

    One-hop moves are solved first (small, fast); then the whole model (one- and two-hop moves) from that
    solution. `proven` is true only when CBC proved the whole model optimal — never for a part of it. With
    `prove` false (the model of village parts, tried when whole villages miss a rule) the whole model gets
    the time that is left."""
    free = {v.id: v for v in entities if len(v.beats) == 1 and not v.locked}
    home = {v.id: v.beats[0] for v in free.values()}
    load_of = {v.id: _load(v.households, v.residents, v.key_persons, balance_on) for v in entities}
    fixed_beats_of = {v.id: set(v.beats) for v in entities if v.id not in free}
    village_of = {v.id: v.village_id for v in entities}
    parts_of: dict[int, list[int]] = defaultdict(list)
    for v in free.values():
        parts_of[v.village_id].append(v.id)
    parts_of = {village: ps for village, ps in parts_of.items() if len(ps) > 1 or ps[0] != village}

    # candidates: own beat, unlocked beats of the same kind next door (one hop), and beats next door to a
    # neighbour (two hops: a chain, the neighbour moving there too)
    candidates: dict[int, list[int]] = {}
    one_hop: dict[int, set[int]] = {}
    for v, k0 in home.items():
        near = {home[u] for u in neighbours[v] if u in home} | {
            k for u in neighbours[v] for k in fixed_beats_of.get(u, ())
        }
        one_hop[v] = {k for k in near if k != k0 and not beats[k].locked and beats[k].kind == beats[k0].kind}
    for v, k0 in home.items():
        if _named_in(free[v].name, beats[k0].name):  # the beat is named after the village: it stays
            candidates[v] = [k0]
            one_hop[v] = set()
            continue
        two = {k for u in neighbours[v] if u in home for k in one_hop[u]} - one_hop[v] - {k0}
        two = {k for k in two if beats[k].kind == beats[k0].kind}
        candidates[v] = [k0] + sorted(one_hop[v]) + sorted(two)

    # an entity whose leaving would cut its beat in two stays (articulation entities of the beat)
    members: dict[int, set[int]] = defaultdict(set)
    for v, k0 in home.items():
        members[k0].add(v)
    for k0, vs in members.items():
        whole = _pieces(vs, neighbours)
        for v in vs:
            if len(candidates[v]) > 1 and _pieces(vs - {v}, neighbours) > whole:
                candidates[v] = [k0]
    for v, k in (frozen or {}).items():  # a kind solved already (by the village model): kept as it chose
        if v in candidates:
            candidates[v] = [k]
    depth = _depths(members, candidates, fixed_beats_of, neighbours, load_of, keep_heaviest=bool(parts_of))

    def solve(candidates: dict[int, list[int]], seconds: float, start: dict[int, int] | None = None,
              ruled: frozenset[int] = frozenset()):
        """The model over these candidates, with the sizing rules of the beats `ruled`, solved by CBC:
        (chosen beat per entity, optimal, objective, missed: the slack left)."""
        problem = pulp.LpProblem("holomap_rebalance", pulp.LpMinimize)
        x = {(v, k): problem.add_variable(f"x_{v}_{k}", cat="Binary") for v, ks in candidates.items() for k in ks}
        if start is not None:  # a known solution to start from
            for (v, k), var in x.items():
                var.setInitialValue(1 if start.get(v) == k else 0)
        by_beat: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for v, k in x:
            by_beat[k].append((v, k))
        for v, ks in candidates.items():
            problem += pulp.lpSum(x[v, k] for k in ks) == 1
        # an entity moves only next to one that stays in (or is fixed in) its new beat; a two-hop move only
        # next to a neighbour making the one-hop move there (so no moved group floats free of its beat)
        for (v, k), var in x.items():
            if k == home[v]:
                continue
            if any(k in fixed_beats_of.get(u, ()) for u in neighbours[v]):
                continue
            if k in one_hop[v]:  # next to an entity of k that stays
                anchors = [x[u, k] for u in neighbours[v] if (u, k) in x and home.get(u) == k]
            else:  # next to an entity making the one-hop move to k
                anchors = [x[u, k] for u in neighbours[v] if (u, k) in x and k in one_hop.get(u, ())]
            problem += var <= pulp.lpSum(anchors)
        # what stays in a beat stays in one piece: an entity stays only next to one that stays a step closer to
        # the beat's root (an entity that cannot move, or its heaviest); with the anchors above every beat is
        # connected (a move made several entities at a time cannot cut its old beat in two)
        for v, (k0, d) in depth.items():
            if d == 0 or (v, k0) not in x or any(k0 in fixed_beats_of.get(u, ()) for u in neighbours[v]):
                continue
            closer = [x[u, k0] for u in neighbours[v] if depth.get(u) == (k0, d - 1) and (u, k0) in x]
            problem += x[v, k0] <= pulp.lpSum(closer)
        kinds = defaultdict(list)
        for k, b in beats.items():
            kinds[b.kind].append(k)
        total_households = sum(v.households for v in free.values())
        # priorities: a rule ≫ the band ≫ a village split into parts ≫ one household moved ≫ one entity moved
        split_price = total_households + 1.0
        slack_price = split_price * (len(parts_of) + 1)
        slacks = []
        for ks in kinds.values():
            ks = [k for k in ks if by_beat.get(k) or fixed.load.get(k) or fixed.units.get(k)]
            if len(ks) < 2:
                continue
            total = sum(fixed.load.get(k, 0.0) for k in ks) + sum(load_of[v] for v, k0 in home.items() if k0 in ks)
            average = total / len(ks)
            low = 2 * average / (1 + target_ratio)  # the band [low, target × low] holds the average
            high = target_ratio * low
            for k in ks:
                load = pulp.lpSum(load_of[v] * x[v, k] for v, _ in by_beat.get(k, [])) + fixed.load.get(k, 0.0)
                over = problem.add_variable(f"over_{k}", lowBound=0)
                under = problem.add_variable(f"under_{k}", lowBound=0)
                slacks += [over, under]
                problem += load <= high + over
                problem += load >= low - under
        splits = []
        for village, ps in parts_of.items():  # split[village] ≥ 1 when its parts do not all share one beat
            split = problem.add_variable(f"split_{village}", lowBound=0)
            splits.append(split)
            first = ps[0]
            for p in ps[1:]:
                for k in set(candidates[p]) | set(candidates[first]):
                    a, b = x.get((p, k), 0), x.get((first, k), 0)
                    problem += split >= a - b
                    problem += split >= b - a
        rule_slacks = _sizing_constraints(problem, x=x, by_beat=by_beat, beats={k: beats[k] for k in ruled},
                                          free=free, fixed_villages=fixed.villages, fixed_size=fixed.size,
                                          settings=settings, village_of=village_of)
        # a rule comes before the balance band: one unit of rule slack outweighs the band's worst excess
        rule_price = slack_price * (sum(load_of.values()) + sum(fixed.load.values()) + 1.0)
        for k in beats:
            units = pulp.lpSum(x[v, k] for v, _ in by_beat.get(k, [])) + fixed.units.get(k, 0)
            if by_beat.get(k):
                problem += units >= 1
        moved_households = pulp.lpSum(free[v].households * x[v, k] for (v, k) in x if k != home[v])
        moved_entities = pulp.lpSum(x[v, k] for (v, k) in x if k != home[v])
        problem += (rule_price * pulp.lpSum(rule_slacks) + slack_price * pulp.lpSum(slacks)
                    + split_price * pulp.lpSum(splits) + moved_households + 0.01 * moved_entities)
        with warnings.catch_warnings():  # PuLP 3 announces that 4.0 stops bundling CBC (pinned below 4)
            warnings.simplefilter("ignore", DeprecationWarning)
            problem.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=max(seconds, 0.3), warmStart=start is not None))
        if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            return None
        chosen = {v: next(k for k in ks if (x[v, k].value() or 0) > 0.5) for v, ks in candidates.items()}
        missed = sum((var.value() or 0.0) for var in [*rule_slacks, *slacks])
        return chosen, problem.sol_status == pulp.LpSolutionOptimal, pulp.value(problem.objective), missed

    def report(chosen: dict[int, int]) -> dict[str, Any]:
        return _report(beats=beats, free=free, chosen=chosen, home=home, fixed=fixed, load_of=load_of,
                       entities=entities, balance_on=balance_on, target_ratio=target_ratio, settings=settings)

    def broken(chosen: dict[int, int]) -> frozenset[int]:
        """Beats whose sizing rule the arrangement breaks (the check's rule)."""
        codes = {u["beat"] for u in report(chosen)["rules_unmet"]}
        return frozenset(k for k, b in beats.items() if b.code in codes)

    def search(cands: dict[int, list[int]], until: float, start: dict[int, int] | None, ruled: frozenset[int]):
        """Solve; add the rules of beats the solution breaks as constraints and solve again, before `until`
        (rules are generated lazily: at county scale the balanced solution usually meets them all, and 100
        either-or binaries slowed CBC past the time limit). A solution breaking no rule left out of the model
        is a solution of the model with every rule, so its proof holds for that model."""
        found = None
        while True:
            left = until - time.perf_counter()
            if found is not None and left < 0.3:
                return found, ruled
            attempt = solve(cands, max(left, 0.3), start=start, ruled=ruled)
            if attempt is None:
                return found, ruled
            found, start = attempt, attempt[0]
            more = broken(found[0]) - ruled
            if not more:
                return found, ruled
            ruled = ruled | more
            found = (found[0], False, found[2], found[3])  # proven without those rules only

    # one-hop moves first (a small model, usually solved fast); then the whole model from that solution. The
    # village model stops at half the time left unless it met everything, leaving time for the model of parts
    near = {v: ks if len(ks) == 1 else [k for k in ks if k == home[v] or k in one_hop[v]]
            for v, ks in candidates.items()}
    whole_model = near == candidates

    def half() -> float:
        return time.perf_counter() + (deadline - time.perf_counter()) / 2

    best, ruled = search(near, half() if (prove or not whole_model) else deadline, start, frozenset())
    proven = bool(best and best[1] and whole_model)
    hops = 2 if whole_model else 1  # the moves searched: one-hop only until the whole model has been solved
    if not whole_model and time.perf_counter() < deadline - 0.3:
        hops = 2
        met = best is not None and best[3] <= 1e-6 and not broken(best[0])
        second, _ = search(candidates, deadline if (met or not prove) else half(), best[0] if best else start, ruled)
        if second is not None and (best is None or second[2] <= best[2] + 1e-6):
            best = second
        proven = bool(second and second[1])
    if best is None:
        return None
    n_moves = sum(len(ks) - 1 for ks in candidates.values())
    searched = {
        "units": "village_parts" if parts_of else "villages",
        "entities": len(free),
        "candidate_moves": n_moves,
        "villages_in_parts": len(parts_of),
        "hops": hops,
        "proven": proven,
        "seconds": round(time.perf_counter() - started, 2),
    }
    return Outcome(best[0], proven, report(best[0]), searched, {v.id: v for v in entities}, neighbours)


def _sizing_constraints(problem, *, x, by_beat, beats, free, fixed_villages, fixed_size, settings: Settings,
                        village_of: dict[int, int]) -> list:
    """The Settings' sizing rules of each beat as constraints, each an either-or by one binary, with a slack
    per bound (normalised by the bound, so a rule missed by 10 % costs the same whatever its unit).

    Rural: villages_min ≤ villages ≤ villages_max, or residents ≤ residents_max.
    Urban: households ≤ households_max, or residents_min ≤ residents ≤ residents_max.
    """
    slacks = []
    sizes: dict[int, int] = defaultdict(int)  # entities per village (parts)
    for v in free:
        sizes[village_of[v]] += 1
    all_villages = len(sizes) + sum(fixed_villages.values())
    all_households = sum(int(v.households) for v in free.values()) + sum(h for h, _ in fixed_size.values())
    all_residents = sum(int(v.residents) for v in free.values()) + sum(r for _, r in fixed_size.values())
    for k, b in beats.items():
        if not by_beat.get(k) or _rule_always_holds(k, b.kind, by_beat, free, fixed_villages, fixed_size, settings):
            continue  # nothing the solver does can break it: no binary, no slack (the county's usual case)
        hh, res = fixed_size.get(k, (0, 0))
        villages = _villages_in(problem, x, by_beat[k], k, village_of, whole=False, sizes=sizes)
        villages += fixed_villages.get(k, 0)
        whole_villages = _villages_in(problem, x, by_beat[k], k, village_of, whole=True, sizes=sizes)
        whole_villages += fixed_villages.get(k, 0)
        households = pulp.lpSum(int(free[v].households) * x[v, k] for v, _ in by_beat[k]) + hh
        residents = pulp.lpSum(int(free[v].residents) * x[v, k] for v, _ in by_beat[k]) + res
        first = problem.add_variable(f"rule_first_{k}", cat="Binary")  # 1: the first alternative holds

        def bound(expr, limit, big, when_first, upper, name, k=k, first=first):
            slacks.append(_rule_bound(problem, expr, limit, big * ((1 - first) if when_first else first), upper,
                                      f"rule_{name}_{k}"))

        if b.kind == "rural":
            bound(whole_villages, settings.rural_beat_villages_min, all_villages + 1, True, False, "vmin")
            bound(villages, settings.rural_beat_villages_max, all_villages + 1, True, True, "vmax")
            bound(residents, settings.rural_beat_residents_max, all_residents + 1, False, True, "rmax")
        else:
            bound(households, settings.urban_beat_households_max, all_households + 1, True, True, "hmax")
            bound(residents, settings.urban_beat_residents_min, all_residents + 1, False, False, "rmin")
            bound(residents, settings.urban_beat_residents_max, all_residents + 1, False, True, "rmax")
    return slacks


def _villages_in(problem, x, pairs, k, village_of, *, whole: bool, sizes: dict[int, int]):
    """The number of villages in beat k: a whole village is its x; a village in parts counts once when any
    part is there (`whole` false: for a maximum), or only when all its parts are (`whole`: for a minimum, so
    slivers of many villages do not make up the count)."""
    by_village: dict[int, list] = defaultdict(list)
    for v, _ in pairs:
        by_village[village_of[v]].append(x[v, k])
    terms = []
    for village, xs in by_village.items():
        if whole and len(xs) < sizes[village]:
            continue  # a part of it cannot be in k: never wholly there
        if len(xs) == 1:
            terms.append(xs[0])
            continue
        counted = problem.add_variable(f"{'all' if whole else 'any'}_{village}_{k}", lowBound=0, upBound=1)
        for var in xs:
            problem += (counted <= var) if whole else (counted >= var)
        if not whole:
            problem += counted <= pulp.lpSum(xs)
        terms.append(counted)
    return pulp.lpSum(terms)


def _rule_always_holds(k, kind, by_beat, free, fixed_villages, fixed_size, settings: Settings) -> bool:
    """True when the beat meets its rule with any choice of its candidate villages (from the bounds)."""
    hh, res = fixed_size.get(k, (0, 0))
    movable = [v for v, _ in by_beat[k]]
    most_households = hh + sum(int(free[v].households) for v in movable)
    most_residents = res + sum(int(free[v].residents) for v in movable)
    if kind == "rural":
        return most_residents <= settings.rural_beat_residents_max
    return most_households <= settings.urban_beat_households_max


def _rule_bound(problem, expr, limit: float, off, upper: bool, name: str):
    """expr ≤ limit (or ≥) unless `off` (big when the other alternative of the rule is chosen); the slack."""
    slack = problem.add_variable(name, lowBound=0)
    scale = max(float(limit), 1.0)
    if upper:
        problem += expr <= limit + off + scale * slack
    else:
        problem += expr >= limit - off - scale * slack
    return slack


def rules_unmet(beats: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """The beats of a proposal breaking their kind's sizing rule (the rule of the plan check), with the rule."""
    unmet = []
    for b in beats:
        if b["kind"] == "rural":
            ok = (settings.rural_beat_villages_min <= b.get("villages_whole", b["villages"])
                  and b["villages"] <= settings.rural_beat_villages_max
                  or b["residents"] <= settings.rural_beat_residents_max)
            params = {"villages_min": settings.rural_beat_villages_min,
                      "villages_max": settings.rural_beat_villages_max,
                      "residents_max": settings.rural_beat_residents_max}
        else:
            ok = (b["households"] <= settings.urban_beat_households_max
                  or settings.urban_beat_residents_min <= b["residents"] <= settings.urban_beat_residents_max)
            params = {"households_max": settings.urban_beat_households_max,
                      "residents_min": settings.urban_beat_residents_min,
                      "residents_max": settings.urban_beat_residents_max}
        if not ok:
            unmet.append({
                "code": f"plan.rule_unmet.{b['kind']}",
                "beat": b["code"],
                "message": f"beat {b['code']} cannot meet the {b['kind']} sizing rule by moving whole villages",
                "params": {"beat": b["code"], "villages": b["villages"], "households": b["households"],
                           "residents": b["residents"], **params},
            })
    return unmet


def _pieces(villages: set[int], neighbours: dict[int, set[int]]) -> int:
    """Connected pieces of a set of villages on the adjacency graph."""
    seen: set[int] = set()
    pieces = 0
    for start in villages:
        if start in seen:
            continue
        pieces += 1
        stack = [start]
        seen.add(start)
        while stack:
            for n in neighbours[stack.pop()]:
                if n in villages and n not in seen:
                    seen.add(n)
                    stack.append(n)
    return pieces


def _ratio(values: list[float]) -> float | None:
    r = balance_ratio(values) if values else 1.0
    return None if r == float("inf") else round(r, 3)


def _report(*, beats, free, chosen, home, fixed: Fixed, load_of, entities, balance_on, target_ratio,
            settings: Settings) -> dict[str, Any]:
    per_beat = {
        k: {"villages": set(), "villages_whole": set(), "households": fixed.people.get(k, (0, 0))[0],
            "residents": fixed.people.get(k, (0, 0))[1], "load": fixed.load.get(k, 0.0)}
        for k in beats
    }
    split_between: dict[int, set[int]] = defaultdict(set)  # beats of each village in parts
    for v in entities:
        if v.id in chosen:
            k = chosen[v.id]
        elif len(v.beats) == 1:
            k = v.beats[0]
        else:  # a village already split between beats: counted in each (its people are in fixed)
            for b in v.beats:
                per_beat[b]["villages"].add(v.village_id)
            continue
        if v.id != v.village_id:
            split_between[v.village_id].add(k)
        per_beat[k]["villages"].add(v.village_id)
        per_beat[k]["households"] += v.households
        per_beat[k]["residents"] += v.residents
        if v.id in chosen:
            per_beat[k]["load"] += load_of[v.id]
    by_kind = defaultdict(list)
    for k, b in beats.items():
        by_kind[b.kind].append(per_beat[k]["load"])
    moved = [v for v, k in chosen.items() if k != home[v]]
    ratios = {kind: _ratio(values) for kind, values in by_kind.items()}
    for k, d in per_beat.items():  # a village in parts counts wholly only where all its parts are
        d["villages_whole"] = len({w for w in d["villages"] if len(split_between.get(w, {k})) == 1})
    proposed = [{"code": b.code, "kind": b.kind, **per_beat[k], "villages": len(per_beat[k]["villages"])}
                for k, b in sorted(beats.items(), key=lambda kv: kv[1].code)]
    unmet = rules_unmet(proposed, settings)
    by_id = {v.id: v for v in entities}
    return {
        "objective": "min_change",
        "balance_on": balance_on,
        "beats": proposed,
        # the worst kind's max/min (urban and rural beats are sized by different rules)
        "balance_ratio": max(ratios.values(), key=lambda r: float("inf") if r is None else r) if ratios else None,
        "balance_ratio_by_kind": ratios,
        "target_met": not unmet and all(r is not None and r <= target_ratio + 1e-9 for r in ratios.values()),
        "rules_unmet": unmet,
        "target_ratio": target_ratio,
        "households_moved": sum(free[v].households for v in moved),
        "villages_moved": len({by_id[v].village_id for v in moved}),
        "villages_split": sum(1 for ks in split_between.values() if len(ks) > 1),
        # the buildings of parts that left a village now split (a village moved whole counts in villages_moved)
        "buildings_moved": sum(by_id[v].buildings for v in moved
                               if len(split_between.get(by_id[v].village_id, ())) > 1),
        "optimal": False,
        "seconds": 0.0,
    }
