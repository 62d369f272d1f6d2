"""Rule checks of a plan: partition (invalid, overlaps, gaps, outside), coverage, sizing, shape, balance.

Errors block publishing: invalid geometry, overlaps, gaps, parts outside the jurisdiction, empty beats
and buildings in no beat. Warnings inform: non-contiguous beats, split villages, sizing rules of the
seed documents (configurable in Settings), low compactness (Polsby–Popper) and workload imbalance.
Every problem carries a `location` [lon, lat] the map can fly to.
"""

import math
from typing import Any

from shapely import from_wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.config import Settings
from api.plans import queries
from api.plans.beat_stats import plan_beat_stats
from api.plans.shapes import plan_shapes
from api.plans.stats import ensure_area_stats
from geo.partition import balance_ratio, check_partition

MIN_POLSBY_POPPER = 0.15
MAX_BALANCE_RATIO = 2.0


def _problem(kind: str, severity: str, message: str, location, params: dict | None = None,
             **extra) -> dict[str, Any]:
    """One finding; `params` are the values of its sentence, which the web app words in Chinese by `kind`
    (plan.problem_text in frontend/js/i18n/zh-CN/plan.js); `message` says the same for API readers."""
    where = [round(location[0], 7), round(location[1], 7)] if location else None
    return {"kind": kind, "severity": severity, "message": message, "location": where, "params": params or {},
            **extra}


def check_plan(session: Session, *, plan: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Every rule check of the plan: {ok, errors, warnings, problems, beats, balance}."""
    plan_id, station_id = plan["id"], plan["station_id"]
    ensure_area_stats(session, station_id=station_id)
    shapes = session.execute(text(queries.PLAN_BEAT_SHAPES), {"plan_id": plan_id}).all()
    jurisdiction = from_wkb(
        bytes(session.execute(text(queries.JURISDICTION), {"station_id": station_id}).scalar())
    )
    problems, measures = _partition_problems(shapes, jurisdiction)
    kept = plan_shapes(session, plan_id=plan_id, station_id=station_id)
    problems += _coverage_problems(kept.uncovered(session))
    stats = plan_beat_stats(session, plan_id=plan_id)
    problems += _sizing_problems(stats, settings, shapes)
    from api.plans.units import has_units

    if has_units(session, plan_id):  # split villages from the plan's units (fast), else from its buildings
        split = session.execute(text(queries.SPLIT_VILLAGES_BY_UNITS),
                                {"plan_id": plan_id, "station_id": station_id}).all()
    else:  # by the buildings: kept per version of beats, buildings and villages
        split = kept.split_villages(session)
    problems += [
        _problem(
            "split_village",
            "warning",
            f"村/社区 {s.name} 被分到多个警务区 {', '.join(s.beats)} (village split between beats)",
            (s.lon, s.lat),
            {"village": s.name, "beats": list(s.beats)},
            village_id=s.id,
            beats=list(s.beats),
        )
        for s in split
    ]
    balance = balance_report(stats)
    for kind, figures in balance.items():
        ratio = figures["residents_ratio"]
        if figures["beats"] > 1 and ratio is not None and ratio > MAX_BALANCE_RATIO:
            problems.append(
                _problem(
                    "imbalance",
                    "warning",
                    f"{kind} beats are unbalanced: residents max/min = {ratio:.2f} "
                    f"(aim for ≤ {MAX_BALANCE_RATIO})",
                    None,
                    {"beat_kind": kind, "ratio": round(ratio, 2), "max_ratio": MAX_BALANCE_RATIO},
                    beat_kind=kind,
                )
            )
    errors = [p for p in problems if p["severity"] == "error"]
    beats = [
        {
            "id": s.id,
            "code": s.code,
            "kind": s.kind,
            "households": int(s.households),
            "residents": int(s.residents),
            "villages": int(s.villages),
            "area_km2": round(float(s.area_km2 or 0), 4),
            **measures.get(s.code, {}),
        }
        for s in stats
    ]
    return {
        "plan_id": plan_id,
        "ok": not errors,
        "errors": len(errors),
        "warnings": len(problems) - len(errors),
        "problems": problems,
        "beats": beats,
        "balance": balance,
        "targets": {
            "urban": {"households_max": settings.urban_beat_households_max,
                      "residents_min": settings.urban_beat_residents_min,
                      "residents_max": settings.urban_beat_residents_max},
            "rural": {"villages_min": settings.rural_beat_villages_min,
                      "villages_max": settings.rural_beat_villages_max,
                      "residents_max": settings.rural_beat_residents_max},
        },
    }


def _partition_problems(shapes, jurisdiction) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    beats = {s.code: from_wkb(bytes(s.wkb)) for s in shapes if not s.empty}
    problems = [
        _problem("empty_beat", "error", f"警务区 {s.code} 没有范围 (beat has no area)", None, {"beat": s.code},
                 beats=[s.code])
        for s in shapes
        if s.empty
    ]
    report = check_partition(beats, jurisdiction)
    problems += [
        _problem(
            "invalid",
            "error",
            f"几何无效 invalid geometry of {i.beat or 'jurisdiction'}: {i.reason}",
            i.location,
            {"beat": i.beat, "reason": i.reason},
            beats=[i.beat] if i.beat else [],
        )
        for i in report.invalid
    ]
    problems += [
        _problem(
            "overlap",
            "error",
            f"警务区重叠 beats {o.beats[0]} and {o.beats[1]} overlap by {o.area_m2:,.0f} m²",
            o.location,
            {"beats": list(o.beats), "area_m2": round(o.area_m2)},
            beats=list(o.beats),
            area_m2=round(o.area_m2, 1),
        )
        for o in report.overlaps
    ]
    problems += [
        _problem(
            "gap",
            "error",
            f"辖区空白 {g.area_m2:,.0f} m² of the jurisdiction is in no beat",
            g.location,
            {"area_m2": round(g.area_m2)},
            area_m2=round(g.area_m2, 1),
        )
        for g in report.gaps
    ]
    problems += [
        _problem(
            "outside",
            "error",
            f"超出辖区 beat {o.beat} reaches {o.area_m2:,.0f} m² outside the jurisdiction",
            o.location,
            {"beat": o.beat, "area_m2": round(o.area_m2)},
            beats=[o.beat],
            area_m2=round(o.area_m2, 1),
        )
        for o in report.outside
    ]
    problems += [
        _problem(
            "non_contiguous",
            "warning",
            f"警务区不连续 beat {n.beat} is in {n.parts} separate pieces",
            n.location,
            {"beat": n.beat, "parts": n.parts},
            beats=[n.beat],
            parts=n.parts,
        )
        for n in report.non_contiguous
    ]
    for m in report.beats:
        if 0 < m.polsby_popper < MIN_POLSBY_POPPER:
            problems.append(
                _problem(
                    "compactness",
                    "warning",
                    f"形状狭长 beat {m.beat} is not compact (Polsby–Popper {m.polsby_popper:.2f})",
                    None,
                    {"beat": m.beat, "polsby_popper": round(m.polsby_popper, 2)},
                    beats=[m.beat],
                    polsby_popper=round(m.polsby_popper, 3),
                )
            )
    measures = {m.beat: {"polsby_popper": round(m.polsby_popper, 3), "parts": m.parts} for m in report.beats}
    return problems, measures


def _coverage_problems(row) -> list[dict[str, Any]]:
    """The buildings in no beat (a queries.UNCOVERED_BUILDINGS row) as one error."""
    if not row.n:
        return []
    return [
        _problem(
            "uncovered_buildings",
            "error",
            f"{row.n} 栋房屋不在任何警务区 buildings lie in no beat",
            (row.lon, row.lat),
            {"count": int(row.n)},
            count=int(row.n),
            building_ids=list(row.ids or []),
        )
    ]


def _sizing_problems(stats, settings: Settings, shapes) -> list[dict[str, Any]]:
    where = {s.code: from_wkb(bytes(s.wkb)).representative_point() for s in shapes if not s.empty}
    problems = []
    for s in stats:
        point = where.get(s.code)
        location = (point.x, point.y) if point is not None else None
        if s.kind == "rural":
            villages_ok = settings.rural_beat_villages_min <= s.villages <= settings.rural_beat_villages_max
            if not villages_ok and s.residents > settings.rural_beat_residents_max:
                problems.append(
                    _problem(
                        "sizing",
                        "warning",
                        f"农村警务区 {s.code}: {s.villages} 个村、{s.residents} 人 — rule: "
                        f"{settings.rural_beat_villages_min}–{settings.rural_beat_villages_max} villages or "
                        f"≤{settings.rural_beat_residents_max} residents",
                        location,
                        {"rule": "rural", "beat": s.code, "villages": int(s.villages), "residents": int(s.residents),
                         "villages_min": settings.rural_beat_villages_min,
                         "villages_max": settings.rural_beat_villages_max,
                         "residents_max": settings.rural_beat_residents_max},
                        beats=[s.code],
                    )
                )
        else:
            households_ok = s.households <= settings.urban_beat_households_max
            residents_ok = (
                settings.urban_beat_residents_min <= s.residents <= settings.urban_beat_residents_max
            )
            if not (households_ok or residents_ok):
                problems.append(
                    _problem(
                        "sizing",
                        "warning",
                        f"城区警务区 {s.code}: {s.households} 户、{s.residents} 人 — rule: "
                        f"≤{settings.urban_beat_households_max} households or "
                        f"{settings.urban_beat_residents_min}–{settings.urban_beat_residents_max} residents",
                        location,
                        {"rule": "urban", "beat": s.code, "households": int(s.households),
                         "residents": int(s.residents), "households_max": settings.urban_beat_households_max,
                         "residents_min": settings.urban_beat_residents_min,
                         "residents_max": settings.urban_beat_residents_max},
                        beats=[s.code],
                    )
                )
    return problems


def balance_report(stats) -> dict[str, dict[str, Any]]:
    """max/min ratios of households and residents per beat kind and over all beats (None if infinite)."""
    groups: dict[str, list] = {"all": list(stats)}
    for s in stats:
        groups.setdefault(s.kind, []).append(s)

    def ratio(values) -> float | None:
        r = balance_ratio(values)
        return None if math.isinf(r) else round(r, 3)

    return {
        kind: {
            "beats": len(rows),
            "households_ratio": ratio([int(r.households) for r in rows]),
            "residents_ratio": ratio([int(r.residents) for r in rows]),
        }
        for kind, rows in groups.items()
    }
