"""自动均衡 with the smallest change: an integer program (PuLP + its bundled CBC) over whole villages.

The draft's beats stay; some whole villages move to a neighbouring beat of the same kind so that, per beat
kind, the largest beat load is at most `target_ratio` × the smallest, while as few households as possible
change beat. Decisions x[v, k] ∈ {0, 1} put free village v in beat k; v's candidates are its own beat and
the beats of the villages it borders. Constraints:

- every free village in exactly one beat; every beat keeps at least one unit;
- a village named in a beat's name (e.g. 梁才村 in "梁才村警务区") stays in that beat;
- villages in locked beats, and villages already split between beats (a planner's deliberate cut), stay;
- a village whose leaving would cut its beat in two stays;
- a village moves only next to a village that stays in its new beat (no beat grows a detached piece);
- per kind, every beat's load lies in the band [low, target × low] around the kind's average load
  (low = 2 × average / (1 + target)), up to a slack. The slack is priced above any number of moved
  households, so the solver first gets as close to the band as it can (no slack when it is reachable)
  and then moves the fewest households; a tiny price per moved village breaks ties. (A band with one
  slack per beat solves far faster than a max/min ratio constraint, whose LP relaxation is weak.)

The Settings' sizing rules are constraints too (either-or per beat, added lazily for the beats a solution
breaks), priced above the band; `rules_unmet` names the rules the proposal still breaks. One-hop moves are
solved first; when a rule or the band is still missed, two-hop chains in the time left.

CBC runs with a time limit (all phases together); the best solution found is used. Villages that move have their units
re-assigned and the touched beats are re-derived from their units, as a painting edit does.
"""

import os
import time
import warnings
from collections import defaultdict
from typing import Any

import pulp
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.config import Settings, get_settings
from api.errors import Conflict
from api.plans import queries
from api.plans.stats import ensure_area_stats
from api.plans.units import ensure_units, rederive
from geo.partition import balance_ratio

WORKLOAD_KEY_PERSON_WEIGHT = 10  # as in api.plans.propose
SOLVER_SECONDS = float(os.environ.get('HOLOMAP_REBALANCE_SECONDS', '4'))

# per village: its beats in the plan (via its units), whether any is locked, and its loads
VILLAGE_STATE = """
SELECT v.id, v.name, array_agg(DISTINCT u.beat_id) AS beats, bool_or(b.locked) AS locked,
       coalesce(s.households, 0) AS households, coalesce(s.residents, 0) AS residents,
       coalesce(s.key_persons, 0) AS key_persons
FROM village v
JOIN plan_unit u ON u.plan_id = :plan_id AND u.village_id = v.id AND u.beat_id IS NOT NULL
JOIN beat b ON b.id = u.beat_id
LEFT JOIN (
  SELECT village_id, sum(households) AS households, sum(residents) AS residents, sum(key_persons) AS key_persons
  FROM area_stats WHERE station_id = :station_id AND building_id IS NOT NULL GROUP BY village_id
) s ON s.village_id = v.id
WHERE v.station_id = :station_id
GROUP BY v.id, v.name, s.households, s.residents, s.key_persons
"""
# the loads of split villages, per beat of the unit holding each building
FIXED_LOADS = """
SELECT x.beat_id, sum(x.households) AS households, sum(x.residents) AS residents,
       sum(x.key_persons) AS key_persons
FROM (
  SELECT DISTINCT ON (a.id) a.households, a.residents, a.key_persons, u.beat_id
  FROM area_stats a JOIN plan_unit u ON u.plan_id = :plan_id AND u.village_id = a.village_id
    AND ST_Covers(u.geom, a.pt)
  WHERE a.station_id = :station_id AND a.building_id IS NOT NULL AND a.village_id = ANY(:village_ids)
  ORDER BY a.id, u.beat_id
) x GROUP BY x.beat_id
"""
BEATS = "SELECT id, code, name, kind, locked FROM beat WHERE plan_id = :plan_id ORDER BY code"
UNITS_WITHOUT_VILLAGE = """
SELECT DISTINCT beat_id FROM plan_unit WHERE plan_id = :plan_id AND village_id IS NULL AND beat_id IS NOT NULL
"""
MOVE_VILLAGE_UNITS = """
UPDATE plan_unit SET beat_id = :beat_id WHERE plan_id = :plan_id AND village_id = ANY(:village_ids)
"""


def _load(households: float, residents: float, key_persons: float, balance_on: str) -> float:
    if balance_on == "households":
        return float(households)
    if balance_on == "workload":
        return float(residents + WORKLOAD_KEY_PERSON_WEIGHT * key_persons)
    return float(residents)


def _named_in(village_name: str, beat_name: str) -> bool:
    return bool(village_name) and village_name in beat_name


def rebalance(
    session: Session, *, plan: dict[str, Any], balance_on: str, target_ratio: float, settings: Settings | None = None
) -> dict[str, Any]:
    """Move the fewest households (whole villages) so each beat meets the sizing rules and each kind's beats
    `target_ratio`; report it, with the rules no arrangement met."""
    started = time.perf_counter()
    settings = settings or get_settings()
    plan_id, station_id = plan["id"], plan["station_id"]
    ensure_area_stats(session, station_id=station_id)
    ensure_units(session, plan_id=plan_id, station_id=station_id)
    params = {"plan_id": plan_id, "station_id": station_id}
    beats = {b.id: b for b in session.execute(text(BEATS), params)}
    villages = session.execute(text(VILLAGE_STATE), params).all()
    free = {v.id: v for v in villages if len(v.beats) == 1 and not v.locked}
    if not free:
        raise Conflict("every village lies in a locked beat; unlock a beat to let the proposal change it",
                       code="plan.propose_all_locked")
    home = {v.id: v.beats[0] for v in free.values()}
    split = [v.id for v in villages if len(v.beats) > 1]
    load_of = {v.id: _load(v.households, v.residents, v.key_persons, balance_on) for v in villages}
    fixed_load: dict[int, float] = defaultdict(float)
    fixed_people: dict[int, tuple[int, int]] = {}  # households, residents of split villages per beat
    fixed_units: dict[int, int] = defaultdict(int)  # units that stay in a beat whatever the solver does
    fixed_villages: dict[int, int] = defaultdict(int)  # villages counted in a beat whatever the solver does
    fixed_size: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # their households, residents
    for v in villages:
        if v.id not in free and len(v.beats) == 1:  # a whole village of a locked beat
            fixed_load[v.beats[0]] += load_of[v.id]
            fixed_units[v.beats[0]] += 1
            fixed_villages[v.beats[0]] += 1
            fixed_size[v.beats[0]][0] += int(v.households)
            fixed_size[v.beats[0]][1] += int(v.residents)
    if split:
        for r in session.execute(text(FIXED_LOADS), {**params, "village_ids": split}):
            fixed_load[r.beat_id] += _load(r.households, r.residents, r.key_persons, balance_on)
            fixed_people[r.beat_id] = (int(r.households), int(r.residents))
        for v in villages:
            if len(v.beats) > 1:
                for b in v.beats:
                    fixed_units[b] += 1
                    fixed_villages[b] += 1  # as the report counts them
    for k, (hh, res) in fixed_people.items():
        fixed_size[k][0] += hh
        fixed_size[k][1] += res
    for beat_id in session.execute(text(UNITS_WITHOUT_VILLAGE), params).scalars():
        fixed_units[beat_id] += 1
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b in session.execute(text(queries.VILLAGE_ADJACENCY), {"station_id": station_id}):
        neighbours[a].add(b)
        neighbours[b].add(a)
    fixed_beats_of = {v.id: set(v.beats) for v in villages if v.id not in free}

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

    # a village whose leaving would cut its beat in two stays (articulation villages of the beat)
    members: dict[int, set[int]] = defaultdict(set)
    for v, k0 in home.items():
        members[k0].add(v)
    for k0, vs in members.items():
        whole = _pieces(vs, neighbours)
        for v in vs:
            if len(candidates[v]) > 1 and _pieces(vs - {v}, neighbours) > whole:
                candidates[v] = [k0]

    def solve(candidates: dict[int, list[int]], seconds: float, start: dict[int, int] | None = None,
              ruled: frozenset[int] = frozenset()):
        """The model over these candidates, with the sizing rules of the beats `ruled`, solved by CBC:
        (chosen beat per village, optimal, objective, missed: the slack left)."""
        problem = pulp.LpProblem("holomap_rebalance", pulp.LpMinimize)
        x = {(v, k): problem.add_variable(f"x_{v}_{k}", cat="Binary") for v, ks in candidates.items() for k in ks}
        if start is not None:  # a known solution (the one-hop optimum) to start from
            for (v, k), var in x.items():
                var.setInitialValue(1 if start.get(v) == k else 0)
        by_beat: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for v, k in x:
            by_beat[k].append((v, k))
        for v, ks in candidates.items():
            problem += pulp.lpSum(x[v, k] for k in ks) == 1
        # a village moves only next to a village that stays in (or is fixed in) its new beat; a two-hop move
        # only next to a neighbour making the one-hop move there (so no moved group floats free of its beat)
        for (v, k), var in x.items():
            if k == home[v]:
                continue
            if any(k in fixed_beats_of.get(u, ()) for u in neighbours[v]):
                continue
            if k in one_hop[v]:
                anchors = [x[u, k] for u in neighbours[v] if (u, k) in x]
            else:
                anchors = [x[u, k] for u in neighbours[v] if (u, k) in x and k in one_hop.get(u, ())]
            problem += var <= pulp.lpSum(anchors)
        kinds = defaultdict(list)
        for k, b in beats.items():
            kinds[b.kind].append(k)
        total_households = sum(int(v.households) for v in free.values())
        slack_price = total_households + 1.0  # one unit of load over the target costs more than every move
        slacks = []
        for ks in kinds.values():
            ks = [k for k in ks if by_beat.get(k) or fixed_load.get(k) or fixed_units.get(k)]
            if len(ks) < 2:
                continue
            total = sum(fixed_load.get(k, 0.0) for k in ks) + sum(load_of[v] for v, k0 in home.items() if k0 in ks)
            average = total / len(ks)
            low = 2 * average / (1 + target_ratio)  # the band [low, target × low] holds the average
            high = target_ratio * low
            for k in ks:
                load = pulp.lpSum(load_of[v] * x[v, k] for v, _ in by_beat.get(k, [])) + fixed_load.get(k, 0.0)
                over = problem.add_variable(f"over_{k}", lowBound=0)
                under = problem.add_variable(f"under_{k}", lowBound=0)
                slacks += [over, under]
                problem += load <= high + over
                problem += load >= low - under
        rule_slacks = _sizing_constraints(problem, x=x, by_beat=by_beat, beats={k: beats[k] for k in ruled}, free=free,
                                          fixed_villages=fixed_villages, fixed_size=fixed_size, settings=settings)
        # a rule comes before the balance band: one unit of rule slack outweighs the band's worst excess
        rule_price = slack_price * (sum(load_of.values()) + sum(fixed_load.values()) + 1.0)
        for k in beats:
            units = pulp.lpSum(x[v, k] for v, _ in by_beat.get(k, [])) + fixed_units.get(k, 0)
            if by_beat.get(k):
                problem += units >= 1
        moved_households = pulp.lpSum(int(free[v].households) * x[v, k] for (v, k) in x if k != home[v])
        moved_villages = pulp.lpSum(x[v, k] for (v, k) in x if k != home[v])
        problem += (rule_price * pulp.lpSum(rule_slacks) + slack_price * pulp.lpSum(slacks) + moved_households
                    + 0.01 * moved_villages)
        with warnings.catch_warnings():  # PuLP 3 announces that 4.0 stops bundling CBC (pinned below 4)
            warnings.simplefilter("ignore", DeprecationWarning)
            problem.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=max(seconds, 0.5), warmStart=start is not None))
        if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            return None
        chosen = {v: next(k for k in ks if (x[v, k].value() or 0) > 0.5) for v, ks in candidates.items()}
        missed = sum((var.value() or 0.0) for var in [*rule_slacks, *slacks])
        return chosen, problem.sol_status == pulp.LpSolutionOptimal, pulp.value(problem.objective), missed

    def broken(chosen: dict[int, int]) -> frozenset[int]:
        """Beats whose sizing rule the arrangement breaks (the check's rule)."""
        report = _report(beats=beats, free=free, chosen=chosen, home=home, fixed_load=fixed_load, load_of=load_of,
                         villages=villages, fixed_people=fixed_people, balance_on=balance_on,
                         target_ratio=target_ratio, optimal=False, seconds=0.0, settings=settings)
        codes = {u["beat"] for u in report["rules_unmet"]}
        return frozenset(k for k, b in beats.items() if b.code in codes)

    def search(cands: dict[int, list[int]], start: dict[int, int] | None, ruled: frozenset[int]):
        """Solve; add the rules of beats the solution breaks as constraints and solve again, in the time left
        (rules are generated lazily: at county scale the balanced solution usually meets them all, and 100
        either-or binaries slowed CBC past the time limit)."""
        found = None
        while True:
            left = SOLVER_SECONDS - (time.perf_counter() - started)
            if found is not None and left < 0.5:
                return found, ruled
            attempt = solve(cands, max(left, 0.5), start=start, ruled=ruled)
            if attempt is None:
                return found, ruled
            found, start = attempt, attempt[0]
            more = broken(found[0]) - ruled
            if not more:
                return found, ruled
            ruled = ruled | more

    # one-hop moves first (a small model, usually proven optimal fast); when the rules or the band are still
    # missed, chains of two hops in the time left, started from that solution
    near = {v: [k for k in ks if k == home[v] or k in one_hop[v]] for v, ks in candidates.items()}
    best, ruled = search(near, None, frozenset())
    left = SOLVER_SECONDS - (time.perf_counter() - started)
    if best is None or (best[3] > 1e-6 or broken(best[0])) and near != candidates and left > 0.5:
        second, _ = search(candidates, best[0] if best else None, ruled)
        if second is not None and (best is None or second[2] <= best[2] + 1e-6):
            best = second
    if best is None:
        raise Conflict("no balanced proposal was found in time; lock fewer beats or try again",
                       code="plan.propose_no_solution")
    chosen, optimal = best[0], best[1]  # proven optimal over the moves it searched

    moves: dict[int, list[int]] = defaultdict(list)
    for v, k in chosen.items():
        if k != home[v]:
            moves[k].append(v)
    touched = set()
    for k, vs in moves.items():
        session.execute(text(MOVE_VILLAGE_UNITS), {"plan_id": plan_id, "beat_id": k, "village_ids": vs})
        touched.add(k)
        touched.update(home[v] for v in vs)
    rederive(session, plan_id=plan_id, beat_ids=sorted(touched))
    return _report(
        beats=beats, free=free, chosen=chosen, home=home, fixed_load=fixed_load, load_of=load_of,
        villages=villages, fixed_people=fixed_people, balance_on=balance_on, target_ratio=target_ratio, optimal=optimal,
        seconds=time.perf_counter() - started, settings=settings,
    )


def _sizing_constraints(problem, *, x, by_beat, beats, free, fixed_villages, fixed_size, settings: Settings) -> list:
    """The Settings' sizing rules of each beat as constraints, each an either-or by one binary, with a slack
    per bound (normalised by the bound, so a rule missed by 10 % costs the same whatever its unit).

    Rural: villages_min ≤ villages ≤ villages_max, or residents ≤ residents_max.
    Urban: households ≤ households_max, or residents_min ≤ residents ≤ residents_max.
    """
    slacks = []
    all_villages = len(free) + sum(fixed_villages.values())
    all_households = sum(int(v.households) for v in free.values()) + sum(h for h, _ in fixed_size.values())
    all_residents = sum(int(v.residents) for v in free.values()) + sum(r for _, r in fixed_size.values())
    for k, b in beats.items():
        if not by_beat.get(k) or _rule_always_holds(k, b.kind, by_beat, free, fixed_villages, fixed_size, settings):
            continue  # nothing the solver does can break it: no binary, no slack (the county's usual case)
        hh, res = fixed_size.get(k, (0, 0))
        villages = pulp.lpSum(x[v, k] for v, _ in by_beat[k]) + fixed_villages.get(k, 0)
        households = pulp.lpSum(int(free[v].households) * x[v, k] for v, _ in by_beat[k]) + hh
        residents = pulp.lpSum(int(free[v].residents) * x[v, k] for v, _ in by_beat[k]) + res
        first = problem.add_variable(f"rule_first_{k}", cat="Binary")  # 1: the first alternative holds

        def bound(expr, limit, big, when_first, upper, name, k=k, first=first):
            slacks.append(_rule_bound(problem, expr, limit, big * ((1 - first) if when_first else first), upper,
                                      f"rule_{name}_{k}"))

        if b.kind == "rural":
            bound(villages, settings.rural_beat_villages_min, all_villages + 1, True, False, "vmin")
            bound(villages, settings.rural_beat_villages_max, all_villages + 1, True, True, "vmax")
            bound(residents, settings.rural_beat_residents_max, all_residents + 1, False, True, "rmax")
        else:
            bound(households, settings.urban_beat_households_max, all_households + 1, True, True, "hmax")
            bound(residents, settings.urban_beat_residents_min, all_residents + 1, False, False, "rmin")
            bound(residents, settings.urban_beat_residents_max, all_residents + 1, False, True, "rmax")
    return slacks


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
            ok = (settings.rural_beat_villages_min <= b["villages"] <= settings.rural_beat_villages_max
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


def _report(*, beats, free, chosen, home, fixed_load, load_of, villages, fixed_people, balance_on, target_ratio,
            optimal, seconds, settings: Settings) -> dict[str, Any]:
    per_beat = {
        k: {"villages": 0, "households": fixed_people.get(k, (0, 0))[0], "residents": fixed_people.get(k, (0, 0))[1],
            "load": fixed_load.get(k, 0.0)}
        for k in beats
    }
    for v in villages:
        if v.id in chosen:
            k = chosen[v.id]
        elif len(v.beats) == 1:
            k = v.beats[0]
        else:
            for b in v.beats:
                per_beat[b]["villages"] += 1
            continue
        per_beat[k]["villages"] += 1
        per_beat[k]["households"] += int(v.households)
        per_beat[k]["residents"] += int(v.residents)
        if v.id in chosen:
            per_beat[k]["load"] += load_of[v.id]
    by_kind = defaultdict(list)
    for k, b in beats.items():
        by_kind[b.kind].append(per_beat[k]["load"])
    moved = [v for v, k in chosen.items() if k != home[v]]
    ratios = {kind: _ratio(values) for kind, values in by_kind.items()}
    proposed = [{"code": b.code, "kind": b.kind, **per_beat[k]}
                for k, b in sorted(beats.items(), key=lambda kv: kv[1].code)]
    unmet = rules_unmet(proposed, settings)
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
        "households_moved": sum(int(free[v].households) for v in moved),
        "villages_moved": len(moved),
        "optimal": optimal,
        "seconds": round(seconds, 2),
    }
