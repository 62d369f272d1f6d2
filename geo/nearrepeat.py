"""Near-repeat analysis: the Knox test over distance × time bands with Monte-Carlo significance.

As in Ratcliffe's Near Repeat Calculator (Ratcliffe 2009; Johnson et al. 2007): every unordered pair of
events is put in one distance band and one time band; the observed table counts the pairs per
(distance band, time band); the expected table is the mean of the same table over Monte-Carlo
simulations in which the event times are randomly permuted among the events (locations fixed); the
Knox ratio is observed / expected and the p-value of a cell is (1 + number of simulations with a count
≥ the observed) / (1 + simulations), one-sided, as the Calculator's significance.

Bands, with w = ``distance_band_m``, k = ``distance_bands``, v = ``time_band_days``, m = ``time_bands``:
- distance rows: 0 = same location (≤ ``same_location_m``), 1 = (same, w], 2 = (w, 2w], …,
  k = ((k−1)w, kw], k + 1 = more than kw;
- time columns (whole local days between the two events): 0 = 0…v, 1 = v+1…2v, …, m − 1, and m = more
  than m·v days.

Only pairs closer than k·w are enumerated (a k-d tree); the permutations change only their time bands.
The "more than k·w" row is every pair's time band histogram (from the day histogram, invariant under
permutation) minus the close rows, per simulation. So a year of a county's thefts (~150k events) costs one
pass over the close pairs per simulation, not n².

The 2 × 2 Knox statistic of ``pointpats.spacetime.Knox`` (pairs with distance ≤ δ and |Δt| ≤ τ) is the sum
of the cells up to δ and τ when δ and τ fall on band edges (tests/geo/test_nearrepeat.py checks it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

SIGNIFICANCE = 0.05
MIN_RATIO = 1.2  # the Calculator highlights cells at least 20 % above expectation with p ≤ 0.05
MAX_CLOSE_PAIRS = 40_000_000


class TooManyPairs(ValueError):
    """The close pairs would not fit the memory allowed (narrow the area, period or bands)."""

    def __init__(self, pairs: int) -> None:
        super().__init__(f"{pairs} pairs closer than the largest distance band")
        self.pairs = pairs


@dataclass(frozen=True)
class Bands:
    distance_band_m: float = 100.0
    distance_bands: int = 5
    time_band_days: int = 7
    time_bands: int = 4
    same_location_m: float = 1.0

    @property
    def max_distance_m(self) -> float:
        return self.distance_band_m * self.distance_bands

    def distance_labels(self) -> list[tuple[float | None, float | None]]:
        """(from, to] in metres of each row: same location, the bands, beyond (to = None)."""
        w, k = self.distance_band_m, self.distance_bands
        rows: list[tuple[float | None, float | None]] = [(0.0, self.same_location_m)]
        rows += [(self.same_location_m if b == 0 else b * w, (b + 1) * w) for b in range(k)]
        return rows + [(k * w, None)]

    def time_labels(self) -> list[tuple[int, int | None]]:
        """[from, to] whole days of each column, the last one open (to = None)."""
        v, m = self.time_band_days, self.time_bands
        return [(0 if b == 0 else b * v + 1, (b + 1) * v) for b in range(m)] + [(m * v + 1, None)]


@dataclass(frozen=True)
class KnoxTable:
    bands: Bands
    events: int
    pairs: int  # all unordered pairs, n(n − 1)/2
    close_pairs: int  # pairs within the largest distance band
    permutations: int
    observed: np.ndarray  # int64 (k + 2) × (m + 1)
    expected: np.ndarray  # float64, mean over the simulations
    p: np.ndarray  # float64, one-sided Monte-Carlo p-values (observed ≥ simulated)

    @property
    def ratio(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.expected > 0, self.observed / np.where(self.expected > 0, self.expected, 1), np.nan)

    @property
    def significant(self) -> np.ndarray:
        """Cells with p ≤ 0.05 and a Knox ratio ≥ 1.2 (the Calculator's highlighted cells)."""
        return (self.p <= SIGNIFICANCE) & (np.nan_to_num(self.ratio) >= MIN_RATIO)

    def zone(self) -> tuple[int, int] | None:
        """The near-repeat zone: (row, column) extent of the significant cells connected to the first
        distance bands of the first time band (rows 0–1, column 0), 4-connected, excluding the "more
        than" row and column. None when no such cell is significant."""
        sig = self.significant[:-1, :-1]
        seeds = [(r, 0) for r in (0, 1) if r < sig.shape[0] and sig[r, 0]]
        if not seeds:
            return None
        seen, stack = set(seeds), list(seeds)
        while stack:
            r, c = stack.pop()
            for rr, cc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if 0 <= rr < sig.shape[0] and 0 <= cc < sig.shape[1] and sig[rr, cc] and (rr, cc) not in seen:
                    seen.add((rr, cc))
                    stack.append((rr, cc))
        return max(r for r, _ in seen), max(c for _, c in seen)


def ground_xy(x_3857: np.ndarray, y_3857: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator to local ground metres (equirectangular about the data's middle latitude): distances
    within a county are then true to well under 0.1 %."""
    r = 6378137.0
    lat = np.arctan(np.sinh(np.asarray(y_3857, dtype=float) / r))
    if len(lat) == 0:
        return np.empty(0), np.empty(0)
    scale = math.cos(float(np.median(lat)))
    return np.asarray(x_3857, dtype=float) * scale, lat * r


def _time_band(delta_days: np.ndarray, bands: Bands) -> np.ndarray:
    return np.minimum(np.maximum(delta_days - 1, 0) // bands.time_band_days, bands.time_bands)


def _all_pairs_by_time(days: np.ndarray, bands: Bands) -> np.ndarray:
    """Unordered pairs per time band over all events (the day histogram's autocorrelation)."""
    h = np.bincount(days - days.min()).astype(np.int64)
    lags = np.zeros(len(h), dtype=np.int64)
    lags[0] = int((h * (h - 1) // 2).sum())
    if len(h) > 1:
        full = np.round(np.correlate(h.astype(float), h.astype(float), mode="full")).astype(np.int64)
        lags[1:] = full[len(h):]  # lag d ≥ 1: Σ h[t] h[t + d]
    out = np.zeros(bands.time_bands + 1, dtype=np.int64)
    np.add.at(out, _time_band(np.arange(len(h)), bands), lags)
    return out


def knox(x: np.ndarray, y: np.ndarray, days: np.ndarray, bands: Bands = Bands(), *, permutations: int = 99,
         seed: int = 0, max_close_pairs: int = MAX_CLOSE_PAIRS, progress=None) -> KnoxTable:
    """The Knox table of events at ground metres (x, y) on integer local days.

    `progress(done, total)` is called after each simulation when given."""
    n = len(days)
    rows, cols = bands.distance_bands + 2, bands.time_bands + 1
    days = np.asarray(days, dtype=np.int64)
    if n < 2:
        zero = np.zeros((rows, cols))
        return KnoxTable(bands, n, 0, 0, permutations, zero.astype(np.int64), zero, np.ones((rows, cols)))
    # points in spatial order, so that the two events of a close pair sit near each other in memory
    order = np.lexsort((x, np.floor(y / bands.max_distance_m)))
    x, y, days = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order], days[order]
    tree = cKDTree(np.column_stack([x, y]))
    # the guard: close pairs estimated from up to 2,000 events' neighbours before any pair is listed
    sample = np.random.default_rng(seed).choice(n, min(n, 2_000), replace=False)
    found = cKDTree(np.column_stack([x[sample], y[sample]])).count_neighbors(tree, bands.max_distance_m)
    estimate = int((found - len(sample)) * n / len(sample) / 2)
    if estimate > max_close_pairs:
        raise TooManyPairs(estimate)
    pairs = tree.query_pairs(bands.max_distance_m, output_type="ndarray")
    d = np.hypot(x[pairs[:, 0]] - x[pairs[:, 1]], y[pairs[:, 0]] - y[pairs[:, 1]])
    # distance row of each pair (a pair at exactly k·w rounds into band k); pairs grouped by row
    row = np.where(d <= bands.same_location_m, 0,
                   np.minimum(np.ceil(d / bands.distance_band_m), bands.distance_bands)).astype(np.uint8)
    del d
    order = np.argsort(row, kind="stable")  # a radix sort for one-byte keys
    i, j, row = pairs[order, 0].astype(np.int32), pairs[order, 1].astype(np.int32), row[order]
    del pairs, order
    close_rows = bands.distance_bands + 1
    bounds = np.searchsorted(row, np.arange(close_rows + 1, dtype=np.uint8))
    del row
    total_by_time = _all_pairs_by_time(days, bands)
    small = (days - days.min()).astype(np.int16 if days.max() - days.min() < 32_000 else np.int32)
    edges = [bands.time_band_days * (b + 1) for b in range(bands.time_bands)]  # lag ≤ edge: bands 0 … b
    block = 1 << 20

    def table(t: np.ndarray) -> np.ndarray:
        """Pairs per row and time band: cumulative counts of lag ≤ each edge (SIMD compares, no bincount)."""
        close = np.zeros((close_rows, cols), dtype=np.int64)
        for r in range(close_rows):
            below = np.zeros(len(edges), dtype=np.int64)
            for a in range(bounds[r], bounds[r + 1], block):
                b = min(a + block, bounds[r + 1])
                lag = np.abs(t[i[a:b]] - t[j[a:b]])
                for e, edge in enumerate(edges):
                    below[e] += np.count_nonzero(lag <= edge)
            close[r, :-1] = np.diff(below, prepend=0)
            close[r, -1] = bounds[r + 1] - bounds[r] - below[-1]
        return np.vstack([close, total_by_time - close.sum(axis=0)])

    observed = table(small)
    rng = np.random.default_rng(seed)
    total = np.zeros((rows, cols), dtype=np.float64)
    exceed = np.zeros((rows, cols), dtype=np.int64)
    for s in range(permutations):
        sim = table(small[rng.permutation(n)])
        total += sim
        exceed += sim >= observed
        if progress is not None:
            progress(s + 1, permutations)
    expected = total / permutations if permutations else np.full((rows, cols), np.nan)
    p = (exceed + 1) / (permutations + 1)
    return KnoxTable(bands, n, n * (n - 1) // 2, int(bounds[-1]), permutations, observed, expected, p)
