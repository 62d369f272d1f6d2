"""Planar helpers: irregular outlines, evenly spread points, Voronoi tilings, contiguous groups."""

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon

GRID_M = 1e-5  # vertices snapped to 10 µm: neighbours share bit-identical edges, slivers stay negligible


def star_polygon(
    rng: np.random.Generator, centre: tuple[float, float], radii: tuple[float, float], vertices: int = 96
) -> Polygon:
    """An irregular, star-shaped (hence simple and valid) outline with the given semi-axes."""
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    wobble = np.ones(vertices)
    for harmonic in range(2, 7):
        wobble += rng.uniform(0.02, 0.07) / (harmonic - 1) ** 0.5 * np.cos(harmonic * theta + rng.uniform(0, 6.3))
    wobble += rng.normal(0, 0.008, vertices)
    x = centre[0] + radii[0] * wobble * np.cos(theta)
    y = centre[1] + radii[1] * wobble * np.sin(theta)
    return shapely.set_precision(Polygon(np.column_stack([x, y])), GRID_M)


def farthest_points(rng: np.random.Generator, region, n: int, existing: np.ndarray | None = None) -> np.ndarray:
    """`n` points spread evenly over `region` (greedy farthest-point sampling of random candidates)."""
    xmin, ymin, xmax, ymax = region.bounds
    candidates = np.empty((0, 2))
    while len(candidates) < 40 * n:
        batch = rng.uniform((xmin, ymin), (xmax, ymax), size=(20 * n, 2))
        candidates = np.vstack([candidates, batch[shapely.contains_xy(region, batch[:, 0], batch[:, 1])]])
    if existing is not None and len(existing):
        nearest = np.min(np.linalg.norm(candidates[:, None, :] - existing[None, :, :], axis=2), axis=1)
        chosen: list[int] = []
    else:
        chosen = [0]
        nearest = np.linalg.norm(candidates - candidates[0], axis=1)
    while len(chosen) < n:
        k = int(np.argmax(nearest))
        chosen.append(k)
        nearest = np.minimum(nearest, np.linalg.norm(candidates - candidates[k], axis=1))
    return candidates[chosen]


def voronoi_cells(region: Polygon, points: np.ndarray) -> np.ndarray:
    """The Voronoi cell of each point (in input order), clipped to `region`."""
    diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=region.buffer(1_000), ordered=True)
    return shapely.intersection(shapely.get_parts(diagram), region)


def lloyd(points: np.ndarray, region: Polygon, fixed: np.ndarray, iterations: int) -> np.ndarray:
    """Relax the non-fixed points towards the centroids of their cells (more regular villages)."""
    points = points.copy()
    for _ in range(iterations):
        centroids = shapely.get_coordinates(shapely.centroid(voronoi_cells(region, points)))
        inside = shapely.contains_xy(region, centroids[:, 0], centroids[:, 1])
        move = ~fixed & inside
        points[move] = centroids[move]
    return points


def _polygons(geom) -> list[Polygon]:
    return [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and g.area > 0]


def shared_length(a, b) -> np.ndarray:
    """Length of the common boundary of geometries `a` and `b` (element-wise)."""
    return shapely.length(shapely.intersection(shapely.boundary(a), shapely.boundary(b)))


def tile(region: Polygon, points: np.ndarray) -> list[Polygon]:
    """One Polygon per point, together covering `region` without overlaps (Voronoi, clipped).

    Pieces cut off by a concave outline join the neighbour with which they share the longest border,
    so every cell stays a single polygon; vertices are snapped to a 1 cm grid.
    """
    cells: list[Polygon] = []
    orphans: list[Polygon] = []
    for k, cell in enumerate(voronoi_cells(region, points)):
        parts = _polygons(cell)
        own = max(parts, key=lambda p: (p.contains(shapely.points(points[k])), p.area))
        cells.append(own)
        orphans.extend(p for p in parts if p is not own)
    for orphan in sorted(orphans, key=lambda p: -p.area):
        lengths = shared_length(np.array(cells, dtype=object), orphan)
        k = int(np.argmax(lengths))
        cells[k] = shapely.union(cells[k], orphan)
    snapped = shapely.set_precision(np.array(cells, dtype=object), GRID_M)
    result = []
    for cell in snapped:
        parts = _polygons(cell)
        if len(parts) != 1:
            raise ValueError("a tile is not a single polygon; choose another seed")
        result.append(parts[0])
    return result


def adjacency(polygons: list[Polygon], min_shared_m: float = 1.0) -> list[list[int]]:
    """Neighbours sharing a border of at least `min_shared_m` (rook adjacency), as index lists."""
    geoms = np.array(polygons, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    lengths = shared_length(geoms[left], geoms[right])
    neighbours: list[list[int]] = [[] for _ in polygons]
    for a, b, length in zip(left.tolist(), right.tolist(), lengths.tolist(), strict=True):
        if length >= min_shared_m:
            neighbours[a].append(b)
            neighbours[b].append(a)
    return neighbours


def contiguous_groups(polygons: list[Polygon], n_groups: int) -> tuple[np.ndarray, list[int]]:
    """Split adjacent polygons into about `n_groups` contiguous groups of similar size.

    Seeds are spread by farthest-point sampling; the smallest group repeatedly takes its nearest
    unassigned neighbour. Returns the group label of every polygon and each group's seed polygon.
    """
    n = len(polygons)
    if n_groups >= n:
        return np.arange(n), list(range(n))
    centres = shapely.get_coordinates(shapely.centroid(np.array(polygons, dtype=object)))
    neighbours = adjacency(polygons)
    mean = centres.mean(axis=0)
    seeds = [int(np.argmax(np.linalg.norm(centres - mean, axis=1)))]
    nearest = np.linalg.norm(centres - centres[seeds[0]], axis=1)
    while len(seeds) < n_groups:
        seeds.append(int(np.argmax(nearest)))
        nearest = np.minimum(nearest, np.linalg.norm(centres - centres[seeds[-1]], axis=1))
    labels = np.full(n, -1)
    sizes = np.zeros(len(seeds))
    for g, s in enumerate(seeds):
        labels[s], sizes[g] = g, 1
    while (labels < 0).any():
        grown = False
        for g in np.argsort(sizes, kind="stable"):
            frontier = sorted({b for a in np.flatnonzero(labels == g) for b in neighbours[a] if labels[b] < 0})
            if frontier:
                best = min(frontier, key=lambda b: (np.linalg.norm(centres[b] - centres[seeds[g]]), b))
                labels[best], sizes[g] = g, sizes[g] + 1
                grown = True
                break
        if not grown:  # a part not reachable from any seed becomes a group of its own
            orphan = int(np.flatnonzero(labels < 0)[0])
            seeds.append(orphan)
            labels[orphan] = len(seeds) - 1
            sizes = np.append(sizes, 1)
    return labels, seeds
