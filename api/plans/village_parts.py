"""Parts of villages for 自动均衡 when whole villages cannot meet a sizing rule or the balance band.

A village's buildings are grouped by k-means on their points (at most `MAX_PARTS` groups, about
`BUILDINGS_PER_PART` buildings each); the village is cut by the Voronoi cells of the groups' centres, so
every part is one piece of the village with straight borders, and holds the buildings whose point lies in
it (the rule that puts a building, and so its households, in a beat). The proposal moves parts like
villages; a part that moves is given to its new beat by splitting the village's plan unit along the part
(units.Edit.give), so the partition still holds and every household lands in exactly one beat.
"""

from collections import defaultdict
from typing import Any

import shapely
from shapely import from_wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.plans.rebalance_model import Entity

MAX_PARTS = 12
BUILDINGS_PER_PART = 1
PART_ID_BASE = 1_000_000_000  # entity ids of parts (village ids stay below)
MIN_SHARED_DEG = 1e-7  # a shared border shorter than this (~1 cm) is a touching corner, not adjacency

VILLAGE_PARTS = """
WITH counted AS (
  SELECT a.village_id, a.pt, count(*) OVER (PARTITION BY a.village_id) AS n
  FROM area_stats a
  WHERE a.station_id = :station_id AND a.building_id IS NOT NULL AND a.village_id = ANY(:village_ids)
), pts AS (  -- k is the same on every row of a village (PostGIS wants k ≤ its rows)
  SELECT village_id, pt, n,
         ST_ClusterKMeans(pt, CAST(LEAST(CAST(:max_parts AS integer), n) AS integer))
           OVER (PARTITION BY village_id) AS c
  FROM counted
), centres AS (
  SELECT village_id, ST_Collect(ST_Centroid(g)) AS g, count(*) AS k
  FROM (SELECT village_id, c, ST_Collect(pt) AS g FROM pts
        -- fewer centres in a small village (about :per_part buildings each): the others' buildings go to the
        -- nearest centre kept
        WHERE c < GREATEST(1, LEAST(:max_parts, n / :per_part))
        GROUP BY village_id, c) grouped
  GROUP BY village_id
), cells AS (
  SELECT v.id AS village_id, v.geom AS village_geom, d.geom AS cell
  FROM village v JOIN centres c ON c.village_id = v.id
  CROSS JOIN LATERAL ST_Dump(ST_VoronoiPolygons(c.g, 0, v.geom)) d
  WHERE c.k > 1
), parts AS (
  SELECT village_id, ST_CollectionExtract(ST_Intersection(cell, village_geom), 3) AS geom FROM cells
)
SELECT p.village_id, ST_AsBinary(p.geom) AS wkb,
       coalesce(sum(a.buildings), 0) AS buildings, coalesce(sum(a.households), 0) AS households,
       coalesce(sum(a.residents), 0) AS residents, coalesce(sum(a.key_persons), 0) AS key_persons
FROM parts p
LEFT JOIN area_stats a ON a.station_id = :station_id AND a.village_id = p.village_id AND a.building_id IS NOT NULL
  AND ST_Covers(p.geom, a.pt)
WHERE NOT ST_IsEmpty(p.geom) AND ST_Area(p.geom::geography) > 1
GROUP BY p.village_id, p.geom
ORDER BY p.village_id, ST_X(ST_PointOnSurface(p.geom)), ST_Y(ST_PointOnSurface(p.geom))
"""
VILLAGE_SHAPES = "SELECT id, ST_AsBinary(geom) AS wkb FROM village WHERE id = ANY(:ids)"


def village_parts(
    session: Session, *, station_id: int, villages: list, neighbours: dict[int, set[int]],
) -> tuple[list, dict[int, set[int]]]:
    """The parts of `villages` (entities of api.plans.rebalance) and the adjacency of every entity after the
    cut: parts with parts and with the villages around them; villages with villages as before.
    A village with a single group of buildings stays whole."""
    by_id = {v.id: v for v in villages}
    rows = session.execute(text(VILLAGE_PARTS), {"station_id": station_id, "village_ids": sorted(by_id),
                                                 "max_parts": MAX_PARTS, "per_part": BUILDINGS_PER_PART}).all()
    parts: list[Entity] = []
    for r in rows:
        v = by_id[r.village_id]
        parts.append(Entity(PART_ID_BASE + len(parts), v.id, v.name, list(v.beats), v.locked, int(r.households),
                            int(r.residents), int(r.key_persons), int(r.buildings), from_wkb(bytes(r.wkb))))
    cut = {p.village_id for p in parts}
    adjacency: dict[int, set[int]] = defaultdict(set)
    for a, ns in neighbours.items():  # villages not cut keep their village adjacency
        if a not in cut:
            adjacency[a] |= {b for b in ns if b not in cut}
    # the villages around the cut ones, by geometry, to find which part borders which
    around = sorted({b for a in cut for b in neighbours.get(a, ()) if b not in cut})
    shapes: dict[int, Any] = {r.id: from_wkb(bytes(r.wkb)) for r in session.execute(
        text(VILLAGE_SHAPES), {"ids": around})} if around else {}
    pieces = [(p.id, p.geom) for p in parts] + list(shapes.items())
    tree = shapely.STRtree([g for _, g in pieces])
    for i, (a, ga) in enumerate(pieces):
        for j in tree.query(ga, predicate="intersects"):
            b, gb = pieces[j]
            if j <= i or (a in shapes and b in shapes):
                continue
            if ga.intersection(gb).length > MIN_SHARED_DEG:
                adjacency[a].add(b)
                adjacency[b].add(a)
    return parts, adjacency
