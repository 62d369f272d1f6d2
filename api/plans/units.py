"""Plan units: the atoms beats are made of, so that no edit can create an overlap or a gap.

A plan's units are its villages cut by the beats of the plan it was copied from (for the seed: one
unit per village, as the seed's beats are unions of villages). Units of one plan never overlap and
together cover what the beats covered; each belongs to at most one beat, and **a beat's geometry is
derived**: the union of its units. Every edit is therefore a change of owner of units:

- painting a village moves all units of that village (whole villages stay whole);
- painting a building, or a free-hand boundary edit, first splits the units it cuts along the drawn
  shape (pieces under ``MIN_PIECE_M2`` are not split off), then moves the pieces;
- area a free-hand edit takes away from a beat goes to the neighbour sharing the longest border with it;
  a piece that borders no other beat would become a gap and the edit is refused (422
  ``plan.edit_leaves_gap`` with its location), as is a shape reaching outside the jurisdiction
  (``plan.edit_outside``), one taking area from a locked beat (409 ``plan.edit_locked_beats``), and one
  leaving a beat with no area (409 ``plan.beats_emptied``). A refused edit stores nothing.

A shared boundary is thus one line by construction: moving it changes both beats. Each accepted edit is
a step of the draft's history (``plan_step``): the units and beats it touched, before and after, so undo
and redo replay them on the server (see history.py).
"""

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely import from_wkb
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.errors import Conflict, InvalidInput
from geo.geometry import geodesic_area_m2

MIN_PIECE_M2 = 1.0  # a cut leaving less than this on one side does not split the unit
GAP_M2 = 1.0  # removed area above this that borders no beat would be a gap
OUTSIDE_M2 = 1.0  # drawn area above this outside the jurisdiction is refused

HAS_UNITS = "SELECT EXISTS (SELECT 1 FROM plan_unit WHERE plan_id = :plan_id)"
# villages cut by the plan's beats; village parts in no beat become units of no beat (the plan's gaps)
BUILD_UNITS = """
INSERT INTO plan_unit (plan_id, village_id, beat_id, geom)
SELECT :plan_id, v.id, b.id,
       CASE WHEN ST_CoveredBy(v.geom, b.geom) THEN v.geom
            ELSE ST_Multi(ST_CollectionExtract(ST_Intersection(v.geom, b.geom), 3)) END
FROM village v JOIN beat b ON b.plan_id = :plan_id AND ST_Intersects(v.geom, b.geom)
WHERE v.station_id = :station_id
  AND (ST_CoveredBy(v.geom, b.geom)
       OR ST_Area(ST_CollectionExtract(ST_Intersection(v.geom, b.geom), 3)::geography) > :min_m2)
"""
BUILD_GAP_UNITS = """
INSERT INTO plan_unit (plan_id, village_id, beat_id, geom)
SELECT :plan_id, v.id, NULL, ST_Multi(d.g)
FROM village v
CROSS JOIN LATERAL (
  SELECT ST_CollectionExtract(ST_Difference(v.geom, coalesce(
    (SELECT ST_Union(b.geom) FROM beat b WHERE b.plan_id = :plan_id AND ST_Intersects(b.geom, v.geom)),
    ST_GeomFromText('POLYGON EMPTY', 4326))), 3) AS g
) d
WHERE v.station_id = :station_id AND NOT ST_IsEmpty(d.g) AND ST_Area(d.g::geography) > :min_m2
"""
COPY_UNITS = """
INSERT INTO plan_unit (plan_id, village_id, beat_id, geom)
SELECT :plan_id, u.village_id, nb.id, u.geom
FROM plan_unit u
LEFT JOIN beat ob ON ob.id = u.beat_id
LEFT JOIN beat nb ON nb.plan_id = :plan_id AND nb.code = ob.code
WHERE u.plan_id = :source_id
"""
PLAN_UNITS = """
SELECT u.id, u.village_id, u.beat_id, ST_AsBinary(u.geom) AS wkb
FROM plan_unit u WHERE u.plan_id = :plan_id
"""
BEATS = "SELECT id, code, name, kind, locked, version FROM beat WHERE plan_id = :plan_id ORDER BY id"
JURISDICTION = "SELECT ST_AsBinary(jurisdiction) FROM station WHERE id = :station_id"
# a beat's geometry is the union of its units (the one place beat.geom is written while editing)
REDERIVE = """
UPDATE beat b SET
  geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(u.g), 3)), version = b.version + 1, updated_at = now()
FROM (SELECT beat_id, ST_Union(geom) AS g FROM plan_unit
      WHERE plan_id = :plan_id AND beat_id = ANY(:beat_ids) GROUP BY beat_id) u
WHERE b.id = u.beat_id AND b.plan_id = :plan_id
"""
BEATS_WITHOUT_UNITS = """
SELECT b.code FROM beat b WHERE b.plan_id = :plan_id AND b.id = ANY(:beat_ids)
  AND NOT EXISTS (SELECT 1 FROM plan_unit u WHERE u.beat_id = b.id)
"""
DELETE_UNITS = "DELETE FROM plan_unit WHERE plan_id = :plan_id AND id = ANY(:ids)"
INSERT_UNIT = """
INSERT INTO plan_unit (id, plan_id, village_id, beat_id, geom)
VALUES (coalesce(CAST(:id AS bigint), nextval('plan_unit_id_seq')), :plan_id, :village_id, :beat_id,
        ST_Multi(ST_GeomFromWKB(:wkb, 4326)))
RETURNING id
"""
MOVE_UNITS = "UPDATE plan_unit SET beat_id = :beat_id WHERE plan_id = :plan_id AND id = ANY(:ids)"
# units `ids` to beats `beat_ids` (pairwise)
MOVE_UNITS_TO = """
UPDATE plan_unit u SET beat_id = t.beat_id
FROM unnest(CAST(:ids AS bigint[]), CAST(:beat_ids AS integer[])) AS t(id, beat_id)
WHERE u.plan_id = :plan_id AND u.id = t.id
"""
# A painting edit that only changes the owner of whole units, in one statement: the units move, the touched
# beats are re-derived from their units as they are after the move (a data-modifying CTE's rows are not
# visible to the rest of the statement, so the new owners are joined in), and the touched beats left with no
# unit are returned (the caller refuses the edit: 409 plan.beats_emptied, rolled back). Same geometry as
# MOVE_UNITS + REDERIVE (tests/plans/test_partition.py).
MOVE_AND_REDERIVE = """
WITH t AS (
  SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:targets AS integer[])) AS t(id, beat_id)
), moved AS (  -- runs although nothing reads it
  UPDATE plan_unit u SET beat_id = t.beat_id FROM t WHERE u.plan_id = :plan_id AND u.id = t.id
), owned AS (
  SELECT CASE WHEN t.id IS NULL THEN u.beat_id ELSE t.beat_id END AS beat_id, u.geom
  FROM plan_unit u LEFT JOIN t ON t.id = u.id
  WHERE u.plan_id = :plan_id AND (u.beat_id = ANY(:beat_ids) OR t.id IS NOT NULL)
), derived AS (
  UPDATE beat b SET
    geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(o.g), 3)), version = b.version + 1, updated_at = now()
  FROM (SELECT beat_id, ST_Union(geom) AS g FROM owned WHERE beat_id = ANY(:beat_ids) GROUP BY beat_id) o
  WHERE b.id = o.beat_id AND b.plan_id = :plan_id
  RETURNING b.id
)
SELECT b.code FROM beat b
WHERE b.plan_id = :plan_id AND b.id = ANY(:beat_ids) AND b.id NOT IN (SELECT id FROM derived)
ORDER BY b.code
"""
# the painted villages of the station with their units in the plan (a village with no unit: NULL columns)
VILLAGES_WITH_UNITS = """
SELECT v.id AS village, v.name, u.id, u.beat_id
FROM village v LEFT JOIN plan_unit u ON u.plan_id = :plan_id AND u.village_id = v.id
WHERE v.station_id = :station_id AND v.id = ANY(:ids)
"""


def ensure_units(session: Session, *, plan_id: int, station_id: int) -> None:
    """Build the plan's units from its beats and the station's villages, once."""
    if session.execute(text(HAS_UNITS), {"plan_id": plan_id}).scalar():
        return
    params = {"plan_id": plan_id, "station_id": station_id, "min_m2": MIN_PIECE_M2}
    session.execute(text(BUILD_UNITS), params)
    session.execute(text(BUILD_GAP_UNITS), params)


def copy_units(session: Session, *, plan_id: int, source_id: int, station_id: int) -> None:
    """A new draft's units: those of the plan it copies (built first if that plan has none)."""
    ensure_units(session, plan_id=source_id, station_id=station_id)
    session.execute(text(COPY_UNITS), {"plan_id": plan_id, "source_id": source_id})


def area_m2(geom: BaseGeometry) -> float:
    return 0.0 if geom.is_empty else geodesic_area_m2(geom)


def _polygonal(geom: BaseGeometry) -> MultiPolygon:
    parts = [g for g in shapely.get_parts(shapely.make_valid(geom)) if isinstance(g, Polygon) and not g.is_empty]
    if not parts:
        extracted = [
            p for g in shapely.get_parts(geom) if hasattr(g, "geoms") for p in g.geoms if isinstance(p, Polygon)
        ]
        parts = extracted
    return MultiPolygon(parts)


def _where(geom: BaseGeometry) -> list[float] | None:
    if geom.is_empty:
        return None
    p = geom.representative_point()
    return [round(p.x, 7), round(p.y, 7)]


@dataclass
class Unit:
    id: int | None
    village_id: int | None
    beat_id: int | None
    geom: BaseGeometry | None  # None when loaded for a change of owner only (Edit.load_villages)


@dataclass
class Edit:
    """An edit in progress: units removed, units added, units moved; beats whose geometry changes."""

    plan_id: int
    station_id: int
    units: dict[int, Unit]
    beats: dict[int, Any]
    removed_ids: set[int] = field(default_factory=set)  # stored units split (deleted)
    added: list[Unit] = field(default_factory=list)  # pieces replacing them
    moved: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)  # unit id → (from, to)
    touched_beats: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, session: Session, *, plan_id: int, station_id: int, village_ids: list[int] | None = None) -> "Edit":
        """The plan's units (only those of `village_ids` for an edit that moves whole villages)."""
        ensure_units(session, plan_id=plan_id, station_id=station_id)
        sql, params = (PLAN_UNITS, {"plan_id": plan_id}) if village_ids is None else (
            VILLAGE_UNITS, {"plan_id": plan_id, "ids": village_ids})
        units = {
            r.id: Unit(r.id, r.village_id, r.beat_id, from_wkb(bytes(r.wkb)))
            for r in session.execute(text(sql), params)
        }
        beats = {r.id: r for r in session.execute(text(BEATS), {"plan_id": plan_id})}
        return cls(plan_id, station_id, units, beats)

    @classmethod
    def load_villages(
        cls, session: Session, *, plan_id: int, station_id: int, village_ids: list[int]
    ) -> tuple["Edit", dict[int, str]]:
        """For painting whole villages: their units (no geometry: whole units only change owner), the plan's
        beats, and the names of the villages of the station among `village_ids` (two statements)."""
        params = {"plan_id": plan_id, "station_id": station_id, "ids": list(village_ids)}
        rows = session.execute(text(VILLAGES_WITH_UNITS), params).all()
        if any(r.id is None for r in rows) and not has_units(session, plan_id):
            ensure_units(session, plan_id=plan_id, station_id=station_id)
            rows = session.execute(text(VILLAGES_WITH_UNITS), params).all()
        names = {r.village: r.name for r in rows}
        units = {r.id: Unit(r.id, r.village, r.beat_id, None) for r in rows if r.id is not None}
        beats = {r.id: r for r in session.execute(text(BEATS), {"plan_id": plan_id})}
        return cls(plan_id, station_id, units, beats), names

    # --- snapshots for the history ------------------------------------------------------------
    def before_units(self) -> list[Unit]:
        """The stored units the edit touched, as they were."""
        return [self.units[i] for i in sorted(self.removed_ids | set(self.moved))]

    def after_units(self) -> list[Unit]:
        """What replaced them (call after write(): pieces have ids then)."""
        kept = [
            Unit(i, self.units[i].village_id, to, self.units[i].geom)
            for i, (_, to) in sorted(self.moved.items()) if i not in self.removed_ids
        ]
        return kept + [u for u in self.added if not u.geom.is_empty]

    # --- primitives ---------------------------------------------------------------------------
    def beat_units(self, beat_id: int) -> list[Unit]:
        return [u for u in self.current() if u.beat_id == beat_id]

    def current(self) -> list[Unit]:
        gone = self.removed_ids
        kept = [u for u in self.units.values() if u.id not in gone]
        out = []
        for u in kept:
            if u.id in self.moved:
                out.append(Unit(u.id, u.village_id, self.moved[u.id][1], u.geom))
            else:
                out.append(u)
        return out + self.added

    def move(self, unit: Unit, beat_id: int | None) -> None:
        if unit.beat_id == beat_id:
            return
        self.touched_beats.update(b for b in (unit.beat_id, beat_id) if b is not None)
        if unit.id is None or unit.id not in self.units:  # a new piece: just retarget it
            unit.beat_id = beat_id
            return
        if self.units[unit.id].beat_id == beat_id:
            self.moved.pop(unit.id, None)
        else:
            self.moved[unit.id] = (self.units[unit.id].beat_id, beat_id)

    def split(self, unit: Unit, inside: BaseGeometry, outside: BaseGeometry) -> tuple[Unit, Unit]:
        """Replace a unit by two pieces (kept with the unit's owner)."""
        if unit.id is not None and unit.id in self.units:
            self.removed_ids.add(unit.id)
            self.moved.pop(unit.id, None)
            if self.units[unit.id].beat_id is not None:
                self.touched_beats.add(self.units[unit.id].beat_id)
        else:
            self.added.remove(unit)
        a = Unit(None, unit.village_id, unit.beat_id, _polygonal(inside))
        b = Unit(None, unit.village_id, unit.beat_id, _polygonal(outside))
        self.added += [a, b]
        if unit.beat_id is not None:
            self.touched_beats.add(unit.beat_id)
        return a, b

    def give(self, beat_id: int, area: BaseGeometry, *, allow_locked: bool = False) -> float:
        """Give `area` to the beat: units it covers move whole, units it cuts are split. m² moved."""
        if area.is_empty:
            return 0.0
        prepared = shapely.prepared.prep(area) if hasattr(shapely, "prepared") else None
        moved_m2 = 0.0
        locked_hit: set[str] = set()
        for unit in list(self.current()):
            if unit.beat_id == beat_id:
                continue
            if prepared is not None and not prepared.intersects(unit.geom):
                continue
            if not unit.geom.intersects(area):
                continue
            inside = unit.geom.intersection(area)
            inside_m2 = area_m2(_polygonal(inside))
            if inside_m2 <= MIN_PIECE_M2:
                continue
            if unit.beat_id is not None and self.beats[unit.beat_id].locked and not allow_locked:
                locked_hit.add(self.beats[unit.beat_id].code)
                continue
            outside = unit.geom.difference(area)
            if area_m2(_polygonal(outside)) <= MIN_PIECE_M2:
                self.move(unit, beat_id)
            else:
                piece, _rest = self.split(unit, inside, outside)
                self.move(piece, beat_id)
            moved_m2 += inside_m2
        if locked_hit:
            raise Conflict(
                f"the edit would take area from locked beats {', '.join(sorted(locked_hit))}; unlock them first",
                code="plan.edit_locked_beats", params={"beats": sorted(locked_hit)},
            )
        self.touched_beats.add(beat_id)
        return moved_m2

    def take(self, beat_id: int, area: BaseGeometry) -> dict[str, float]:
        """Take `area` from the beat: each piece goes to the neighbour with the longest shared border.

        A piece bordering no other beat would be a gap: refused with its location.
        """
        given: dict[str, float] = {}
        cut: list[BaseGeometry] = []
        for unit in list(self.beat_units(beat_id)):
            if not unit.geom.intersects(area):
                continue
            inside = _polygonal(unit.geom.intersection(area))
            if area_m2(inside) > MIN_PIECE_M2:
                cut.append(inside)
        # connected pieces of the removed area (across unit borders) go to one neighbour each
        merged = _polygonal(shapely.union_all(cut)) if cut else MultiPolygon()
        pieces = [p for p in merged.geoms if area_m2(p) > MIN_PIECE_M2]
        others = self._beat_shapes(exclude=beat_id)
        for piece in pieces:
            target = self._best_neighbour(piece, others)
            if target is None:
                if area_m2(piece) <= GAP_M2:
                    continue
                raise InvalidInput(
                    f"the edit would leave {area_m2(piece):,.0f} m² in no beat (it borders no other beat); "
                    "move a boundary shared with another beat instead",
                    code="plan.edit_leaves_gap",
                    params={"area_m2": round(area_m2(piece), 1)},
                    extra={"location": _where(piece)},
                )
            m2 = self.give(target, piece)
            code = self.beats[target].code
            given[code] = given.get(code, 0.0) + m2
        return given

    def _beat_shapes(self, *, exclude: int) -> dict[int, BaseGeometry]:
        shapes: dict[int, list[BaseGeometry]] = {}
        for u in self.current():
            if u.beat_id is not None and u.beat_id != exclude and not self.beats[u.beat_id].locked:
                shapes.setdefault(u.beat_id, []).append(u.geom)
        return {b: shapely.union_all(g) for b, g in shapes.items()}

    @staticmethod
    def _best_neighbour(piece: BaseGeometry, others: dict[int, BaseGeometry]) -> int | None:
        border = piece.boundary
        best, best_len = None, 1e-9
        for beat_id, shape in others.items():
            if not shape.intersects(piece.buffer(1e-7)):
                continue
            shared = border.intersection(shape.buffer(1e-7)).length
            if shared > best_len:
                best, best_len = beat_id, shared
        return best

    # --- write --------------------------------------------------------------------------------
    def write(self, session: Session) -> None:
        """Store the edit: delete split units, insert pieces, move units, re-derive touched beats."""
        params = {"plan_id": self.plan_id}
        if not self.removed_ids and not self.added:  # whole units change owner: one statement
            moves = sorted((i, to) for i, (_, to) in self.moved.items())
            empty = session.execute(text(MOVE_AND_REDERIVE), {
                **params, "ids": [i for i, _ in moves], "targets": [to for _, to in moves],
                "beat_ids": sorted(self.touched_beats)}).scalars().all()
            if empty:
                raise _emptied(empty)
            return
        if self.removed_ids:
            session.execute(text(DELETE_UNITS), {**params, "ids": sorted(self.removed_ids)})
        for unit in self.added:
            if unit.geom.is_empty:
                continue
            unit.id = session.execute(
                text(INSERT_UNIT),
                {**params, "id": None, "village_id": unit.village_id, "beat_id": unit.beat_id,
                 "wkb": shapely.to_wkb(unit.geom)},
            ).scalar_one()
        by_target: dict[int | None, list[int]] = {}
        for unit_id, (_, to) in self.moved.items():
            if unit_id in self.removed_ids:
                continue
            by_target.setdefault(to, []).append(unit_id)
        for to, ids in by_target.items():
            session.execute(text(MOVE_UNITS), {**params, "beat_id": to, "ids": ids})
        rederive(session, plan_id=self.plan_id, beat_ids=sorted(self.touched_beats))
        self.added = [u for u in self.added if not u.geom.is_empty]


def rederive(session: Session, *, plan_id: int, beat_ids: list[int]) -> None:
    """Beat geometries from their units; refuses (409) when a beat would be left with no area."""
    if not beat_ids:
        return
    empty = session.execute(text(BEATS_WITHOUT_UNITS), {"plan_id": plan_id, "beat_ids": beat_ids}).scalars().all()
    if empty:
        raise _emptied(empty)
    session.execute(text(REDERIVE), {"plan_id": plan_id, "beat_ids": beat_ids})


def _emptied(codes) -> Conflict:
    return Conflict(
        f"beats {', '.join(codes)} would be left with no area; delete them instead, or keep part of their area",
        code="plan.beats_emptied", params={"beats": list(codes)},
    )


def jurisdiction(session: Session, station_id: int) -> BaseGeometry:
    return from_wkb(bytes(session.execute(text(JURISDICTION), {"station_id": station_id}).scalar()))


def clip_to_jurisdiction(session: Session, *, station_id: int, shape: BaseGeometry) -> BaseGeometry:
    """The drawn shape inside the jurisdiction; 422 plan.edit_outside when more than a sliver is outside."""
    area = jurisdiction(session, station_id)
    outside = _polygonal(shape.difference(area))
    if area_m2(outside) > OUTSIDE_M2:
        raise InvalidInput(
            f"the shape reaches {area_m2(outside):,.0f} m² outside the station's jurisdiction; "
            "keep the boundary inside it",
            code="plan.edit_outside", params={"area_m2": round(area_m2(outside), 1)},
            extra={"location": _where(outside)},
        )
    return _polygonal(shape.intersection(area))


def reshape(edit: Edit, *, beat_id: int, shape: BaseGeometry) -> dict[str, Any]:
    """A free-hand boundary: the beat becomes `shape`, its neighbours give and take the difference."""
    own = [u.geom for u in edit.beat_units(beat_id)]
    old = shapely.union_all(own) if own else MultiPolygon()
    gained = _polygonal(shape.difference(old)) if not old.is_empty else shape
    lost = _polygonal(old.difference(shape)) if not old.is_empty else MultiPolygon()
    gained_m2 = edit.give(beat_id, gained)
    given = edit.take(beat_id, lost)
    return {"gained_m2": gained_m2, "given": given}


def has_units(session: Session, plan_id: int) -> bool:
    return bool(session.execute(text(HAS_UNITS), {"plan_id": plan_id}).scalar())


VILLAGE_UNITS = """
SELECT u.id, u.village_id, u.beat_id, ST_AsBinary(u.geom) AS wkb
FROM plan_unit u WHERE u.plan_id = :plan_id AND u.village_id = ANY(:ids)
"""
