"""Getis-Ord Gi* hot spot statistics for counts in square or hexagon cells (see ``geo.binning``).

For each cell i, with binary weights w_ij = 1 for i itself and its immediate neighbours (8 for
squares, 6 for hexagons) among the cells studied, and n, X̄, S the count, mean and population
standard deviation of all studied values (Getis & Ord 1995; ArcGIS "Hot Spot Analysis")::

    z_i = (Σ_j w_ij x_j − X̄ Σ_j w_ij) / (S · sqrt((n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1)))

Cells studied: the cells passed in, plus — when ``include_zero_neighbours`` (default) — every
immediate neighbour of those cells that is not in the list, with a count of 0. Aggregate queries
usually return only non-empty cells; without the zero ring a busy cell surrounded by empty ones
would be compared only with other busy cells. Best practice is still to pass every cell of the
study area (e.g. ``binning.cells_in_bounds`` clipped to the jurisdiction), zeros included.
Results are returned for the cells passed in, in their order.

p-values are two-sided from the standard normal. Classes follow ArcGIS Gi_Bin: ``hot99``/``cold99``
(p < 0.01), ``hot95``/``cold95`` (p < 0.05), ``hot90``/``cold90`` (p < 0.10), else ``ns``; with
``fdr=True`` each confidence level uses a Benjamini-Hochberg false discovery rate threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geo.binning import _HEX_NEIGHBOURS_EVEN, _HEX_NEIGHBOURS_ODD, _SQUARE_NEIGHBOURS, Cell, neighbours, normalize_kind

CONFIDENCE_LEVELS = ((0.01, "99"), (0.05, "95"), (0.10, "90"))


@dataclass(frozen=True)
class GiResult:
    """Gi* outcome for one cell."""

    cell: Cell
    count: float
    z: float
    p: float
    hotspot_class: str
    neighbours: int  # cells in the neighbourhood, the cell itself included

    def to_dict(self) -> dict:
        """JSON-friendly form with the class under the key ``class``."""
        return {
            "i": self.cell[0], "j": self.cell[1], "count": self.count, "z": self.z, "p": self.p,
            "class": self.hotspot_class, "neighbours": self.neighbours,
        }


def study_cells(cells: Sequence[Cell], kind: str, *, include_zero_neighbours: bool = True) -> list[Cell]:
    """Cells entering the statistic: the given ones first, then their missing neighbours if asked."""
    studied = [(int(i), int(j)) for i, j in cells]
    if len(set(studied)) != len(studied):
        raise ValueError("each cell may appear only once; sum the counts per cell first")
    if include_zero_neighbours:
        known = set(studied)
        for i, j in list(studied):
            for neighbour in neighbours(kind, i, j):
                if neighbour not in known:
                    known.add(neighbour)
                    studied.append(neighbour)
    return studied


def neighbour_positions(cells: Sequence[Cell] | np.ndarray, kind: str) -> np.ndarray:
    """For each cell, the index in ``cells`` of each of its neighbours in the order of ``binning.neighbours``,
    -1 for a neighbour not in ``cells``: an (n, 6 or 8) array. Vectorised: one sorted search per neighbour
    offset (a county's 5,000 study cells took ~50 ms cell by cell)."""
    n = len(cells)
    k = 8 if normalize_kind(kind) == "square" else 6
    if n == 0:
        return np.empty((0, k), dtype=np.int64)
    ij = np.asarray(cells, dtype=np.int64).reshape(n, 2)
    i, j = ij[:, 0], ij[:, 1]
    j0, width = int(j.min()) - 1, int(j.max() - j.min()) + 3  # a neighbour's j is within one of a cell's
    keys = (i - int(i.min()) + 1) * width + (j - j0)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    if k == 8:
        offsets = np.array(_SQUARE_NEIGHBOURS, dtype=np.int64)[None, :, :].repeat(n, axis=0)
    else:
        odd = (np.abs(i) % 2).astype(bool)
        offsets = np.where(odd[:, None, None], np.array(_HEX_NEIGHBOURS_ODD, dtype=np.int64)[None],
                           np.array(_HEX_NEIGHBOURS_EVEN, dtype=np.int64)[None])
    wanted = keys[:, None] + offsets[:, :, 0] * width + offsets[:, :, 1]  # (n, k) neighbour keys
    at = np.minimum(np.searchsorted(ordered, wanted), n - 1)
    return np.where(ordered[at] == wanted, order[at], -1)


def neighbour_lists(cells: Sequence[Cell], kind: str) -> list[list[int]]:
    """For each cell, indices of its neighbours present in ``cells`` (the cell itself excluded), in the order
    of ``binning.neighbours`` (``neighbour_positions`` without the missing ones)."""
    if len(cells) == 0:
        return []
    return [[m for m in row if m >= 0] for row in neighbour_positions(cells, kind).tolist()]


def gi_z_scores_of_counts(counts: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``gi_z_scores`` for whole-number values (counts) with the neighbours as ``neighbour_positions``: the same
    z-scores, bit for bit (sums of whole numbers are exact in any order), without Python lists."""
    x = np.asarray(counts, dtype=float)
    if len(positions) and not np.array_equal(x, np.round(x)):
        raise ValueError("counts must be whole numbers")
    found = positions >= 0
    lag = x + np.where(found, x[np.maximum(positions, 0)], 0.0).sum(axis=1)
    return _z(x, lag, 1.0 + found.sum(axis=1))


def class_levels(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``classify`` for arrays, as levels: 3/2/1 for hot99/95/90, -3/-2/-1 for cold, 0 for ns (int8)."""
    level = np.zeros(len(z), dtype=np.int8)
    sign = np.where(z > 0, 1, -1).astype(np.int8)
    open_ = z != 0.0
    for alpha, rank in ((0.10, 1), (0.05, 2), (0.01, 3)):  # the strictest last: it wins
        level = np.where(open_ & (p < alpha), sign * rank, level)
    return level


def gi_z_scores(values: np.ndarray, neighbour_index: Sequence[Sequence[int]]) -> np.ndarray:
    """Gi* z-scores with binary weights, self included; 0 where the statistic is undefined."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    rows = np.repeat(np.arange(n), [len(nbrs) for nbrs in neighbour_index])
    cols = np.fromiter((m for nbrs in neighbour_index for m in nbrs), dtype=np.int64, count=len(rows))
    lag = x + np.bincount(rows, weights=x[cols], minlength=n)
    return _z(x, lag, 1.0 + np.bincount(rows, minlength=n))


def _z(x: np.ndarray, lag: np.ndarray, w_sum: np.ndarray) -> np.ndarray:
    """z-scores from the values, their neighbourhood sums (self included) and the neighbourhood sizes."""
    n = len(x)
    z = np.zeros(n)
    if n < 2 or np.ptp(x) == 0.0:  # one cell or all values equal: nothing stands out
        return z
    mean = x.mean()
    std = math.sqrt(float(((x - mean) ** 2).mean()))
    spread = np.sqrt(np.maximum(n * w_sum - w_sum**2, 0.0) / (n - 1))
    defined = spread > 0.0  # a neighbourhood covering every cell has no contrast
    z[defined] = (lag[defined] - mean * w_sum[defined]) / (std * spread[defined])
    return z


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """Two-sided normal p-values for z-scores."""
    return np.array([math.erfc(abs(value) / math.sqrt(2.0)) for value in np.atleast_1d(z)])


def classify(z: float, p: float, thresholds: Sequence[tuple[float, str]] = CONFIDENCE_LEVELS) -> str:
    """'hot99' … 'cold90' or 'ns' from a z-score and its p-value."""
    for alpha, label in thresholds:
        if p < alpha and z != 0.0:
            return ("hot" if z > 0 else "cold") + label
    return "ns"


def gi_star(
    cells: Sequence[Cell],
    counts: Sequence[float],
    kind: str,
    *,
    include_zero_neighbours: bool = True,
    fdr: bool = False,
) -> list[GiResult]:
    """Getis-Ord Gi* z, p and class for each given cell (see the module docstring)."""
    kind = normalize_kind(kind)
    if len(cells) != len(counts):
        raise ValueError(f"{len(cells)} cells but {len(counts)} counts")
    given = np.asarray(counts, dtype=float).reshape(-1)
    if not np.all(np.isfinite(given)) or np.any(given < 0):
        raise ValueError("counts must be finite and not negative")
    studied = study_cells(cells, kind, include_zero_neighbours=include_zero_neighbours)
    values = np.concatenate([given, np.zeros(len(studied) - len(cells))])
    neighbour_index = neighbour_lists(studied, kind)
    z = gi_z_scores(values, neighbour_index)
    p = two_sided_p(z) if len(z) else np.zeros(0)
    thresholds = _fdr_thresholds(p) if fdr else CONFIDENCE_LEVELS
    return [
        GiResult(
            cell=studied[k],
            count=float(values[k]),
            z=float(z[k]),
            p=float(p[k]),
            hotspot_class=classify(float(z[k]), float(p[k]), thresholds),
            neighbours=1 + len(neighbour_index[k]),
        )
        for k in range(len(cells))
    ]


def _fdr_thresholds(p: np.ndarray) -> list[tuple[float, str]]:
    """Benjamini-Hochberg p cut-offs per confidence level (a cut-off of 0 rejects nothing)."""
    ordered = np.sort(p)
    ranks = np.arange(1, len(ordered) + 1)
    thresholds = []
    for alpha, label in CONFIDENCE_LEVELS:
        passing = ordered[ordered <= ranks / len(ordered) * alpha]
        # classify() tests p < cut-off, so nudge the largest passing p-value just above itself
        cutoff = float(np.nextafter(passing.max(), 1.0)) if len(passing) else 0.0
        thresholds.append((cutoff, label))
    return thresholds
