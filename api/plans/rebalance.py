"""自动均衡 with the smallest change: an integer program (PuLP + its bundled CBC) over whole villages or parts.

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
breaks), priced above the band; `rules_unmet` names the rules the proposal still breaks.

**Parts of villages.** When whole villages cannot meet a kind's rule or band (at county: the urban beats,
whole communities of 750–1,630 residents and 8 beats for 10 of them), the villages of that kind are cut
into parts (api/plans/village_parts.py: about one building each, ≤ 12 per village) and the model is solved
again with parts as its entities, the other kinds kept as the village model chose (kinds are independent).
Splitting a village is priced between the band and the households (keep villages whole unless it must be);
a village counts towards a minimum number of villages only where all its parts are. Every beat stays in one
piece: a part moves only next to a part that stays in its new beat, and what stays in a beat chains to a root
(an entity that cannot move, or the beat's heaviest part). Parts are used only when they do better than
whole villages without worsening the balance.

**Optimal, honestly.** One-hop moves are solved first, then the whole model (one- and two-hop moves) from
that solution. `optimal` is true only when CBC proved the whole model the report names (`search`: villages
or parts, entities, candidate moves) optimal — a proof for one-hop moves alone, or of a village model whose
kinds the parts model then re-solved unproven, does not count. A rule generated lazily leaves the proof valid
only if the final solution breaks no rule outside the model.

CBC runs with a time limit (all phases together, HOLOMAP_REBALANCE_SECONDS); the best solution found is used.
Whole villages that move have their units re-assigned; parts are given to their beat by cutting the village's
unit (units.Edit.give); the touched beats are re-derived from their units, as a painting edit does.
"""

import os
import time
from collections import defaultdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from api.config import Settings, get_settings
from api.errors import Conflict
from api.plans import queries
from api.plans.rebalance_model import Entity, Fixed, Outcome, _load, _optimise
from api.plans.stats import ensure_area_stats
from api.plans.units import Edit, ensure_units, rederive
from api.plans.village_parts import village_parts

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


def rebalance(
    session: Session, *, plan: dict[str, Any], balance_on: str, target_ratio: float, settings: Settings | None = None
) -> dict[str, Any]:
    """Move the fewest households (whole villages; parts of villages when whole ones cannot) so each beat meets
    the sizing rules and each kind's beats `target_ratio`; report it, with the rules no arrangement met."""
    started = time.perf_counter()
    deadline = started + SOLVER_SECONDS
    settings = settings or get_settings()
    plan_id, station_id = plan["id"], plan["station_id"]
    ensure_area_stats(session, station_id=station_id)
    ensure_units(session, plan_id=plan_id, station_id=station_id)
    params = {"plan_id": plan_id, "station_id": station_id}
    beats = {b.id: b for b in session.execute(text(BEATS), params)}
    villages = [Entity(v.id, v.id, v.name, list(v.beats), bool(v.locked), int(v.households), int(v.residents),
                       int(v.key_persons)) for v in session.execute(text(VILLAGE_STATE), params)]
    if not any(len(v.beats) == 1 and not v.locked for v in villages):
        raise Conflict("every village lies in a locked beat; unlock a beat to let the proposal change it",
                       code="plan.propose_all_locked")
    fixed = _fixed(session, params, villages, balance_on)
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b in session.execute(text(queries.VILLAGE_ADJACENCY), {"station_id": station_id}):
        neighbours[a].add(b)
        neighbours[b].add(a)
    model = dict(beats=beats, fixed=fixed, balance_on=balance_on, target_ratio=target_ratio, settings=settings)
    whole = _optimise(entities=villages, neighbours=neighbours, deadline=deadline, started=started,
                      prove=True, **model)
    best = whole
    # kinds whose rule or band whole villages cannot meet: their free villages are cut into parts and solved again
    failing = _failing_kinds(whole.report) if whole else {b.kind for b in beats.values()}
    if failing and deadline - time.perf_counter() > 0.5:
        parted = [v for v in villages if len(v.beats) == 1 and not v.locked and beats[v.beats[0]].kind in failing]
        parts, part_neighbours = village_parts(session, station_id=station_id, villages=parted,
                                               neighbours=neighbours)
        cut = {p.village_id for p in parts}
        entities = [v for v in villages if v.id not in cut] + parts
        # the kinds the village model met keep its answer (kinds are solved independently: rules and bands
        # are per kind, and no village moves to a beat of another kind)
        frozen = {v: k for v, k in (whole.chosen if whole else {}).items() if beats[k].kind not in failing}
        split = _optimise(entities=entities, neighbours=part_neighbours, deadline=deadline, started=started,
                          prove=False, start=_start_for_parts(whole, parts), frozen=frozen, **model)
        # parts are kept when they do better, and never at the cost of balance (a beat shrunk to a few parts
        # to meet "≤ N residents" while its neighbour doubles is no proposal)
        if split is not None and (whole is None or split.rank() < whole.rank() and split.rank()[1] <= whole.rank()[1]):
            # the kinds kept from the village model are proven only if that model was
            split.proven = split.proven and (not frozen or whole.proven)
            split.search["proven"] = split.proven
            split.search["villages_model_proven"] = bool(whole and whole.proven)
            best = split
    if best is None:
        raise Conflict("no balanced proposal was found in time; lock fewer beats or try again",
                       code="plan.propose_no_solution")
    _write_moves(session, plan_id=plan_id, station_id=station_id, outcome=best)
    report = best.report
    report["optimal"] = best.proven
    report["search"] = best.search
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


def _fixed(session: Session, params, villages: list[Entity], balance_on: str) -> Fixed:
    fixed = Fixed(defaultdict(float), {}, defaultdict(int), defaultdict(int), defaultdict(lambda: [0, 0]))
    split = [v.id for v in villages if len(v.beats) > 1]
    for v in villages:
        if v.locked and len(v.beats) == 1:  # a whole village of a locked beat
            k = v.beats[0]
            fixed.load[k] += _load(v.households, v.residents, v.key_persons, balance_on)
            fixed.units[k] += 1
            fixed.villages[k] += 1
            fixed.size[k][0] += v.households
            fixed.size[k][1] += v.residents
    if split:
        for r in session.execute(text(FIXED_LOADS), {**params, "village_ids": split}):
            fixed.load[r.beat_id] += _load(r.households, r.residents, r.key_persons, balance_on)
            fixed.people[r.beat_id] = (int(r.households), int(r.residents))
        for v in villages:
            if len(v.beats) > 1:
                for b in v.beats:
                    fixed.units[b] += 1
                    fixed.villages[b] += 1  # as the report counts them
    for k, (hh, res) in fixed.people.items():
        fixed.size[k][0] += hh
        fixed.size[k][1] += res
    for beat_id in session.execute(text(UNITS_WITHOUT_VILLAGE), params).scalars():
        fixed.units[beat_id] += 1
    return fixed


def _start_for_parts(whole: Outcome | None, parts: list[Entity]) -> dict[int, int] | None:
    """The village model's answer as a start for the model of parts (each part where its village went)."""
    if whole is None:
        return None
    start = dict(whole.chosen)
    start.update({p.id: whole.chosen.get(p.village_id, p.beats[0]) for p in parts})
    return start


def _write_moves(session: Session, *, plan_id: int, station_id: int, outcome: Outcome) -> None:
    """Store the proposal: whole villages change owner; a village whose parts go different ways is cut along
    the parts that leave (units.Edit.give); the touched beats are re-derived from their units."""
    home = {v.id: v.beats[0] for v in outcome.entities.values() if v.id in outcome.chosen}
    goes: dict[int, dict[int, int]] = defaultdict(dict)  # village → entity → beat
    for v, k in outcome.chosen.items():
        goes[outcome.entities[v].village_id][v] = k
    whole_moves: dict[int, list[int]] = defaultdict(list)
    part_moves: list[tuple[int, Any]] = []
    touched: set[int] = set()
    for village, targets in goes.items():
        if all(targets[v] == home[v] for v in targets):
            continue
        if len(set(targets.values())) == 1:  # every part (or the village) goes to one beat: it moves whole
            k = next(iter(targets.values()))
            whole_moves[k].append(village)
            touched |= {k} | {home[v] for v in targets}
            continue
        part_moves += [(k, outcome.entities[v].geom) for v, k in targets.items() if k != home[v]]
    for k, vs in whole_moves.items():
        session.execute(text(MOVE_VILLAGE_UNITS), {"plan_id": plan_id, "beat_id": k, "village_ids": vs})
    rederive(session, plan_id=plan_id, beat_ids=sorted(touched))
    if part_moves:
        edit = Edit.load(session, plan_id=plan_id, station_id=station_id)
        for k, shape in part_moves:
            edit.give(k, shape)
        edit.write(session)


def _failing_kinds(report: dict[str, Any]) -> set[str]:
    kinds = {u["code"].rsplit(".", 1)[-1] for u in report["rules_unmet"]}
    kinds |= {k for k, r in report["balance_ratio_by_kind"].items() if r is None or r > report["target_ratio"] + 1e-9}
    return kinds
