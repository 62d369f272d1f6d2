"""Emerging hot spots over a space-time cube: Gi* per time step, Mann-Kendall trends, the standard categories.

The cube is counts[cell, step] for the cells of a study area (the heat map's cells, zeros included) and
consecutive time steps (weeks or months). Per step, Getis-Ord Gi* with binary weights over each cell and
its immediate neighbours among the studied cells (as geo.hotspots; a space-time window of one step).
Per cell, the Mann-Kendall test (two-sided, with the tie correction of the variance) on the series of its
Gi* z-scores gives the trend of its intensity, and on the series of its counts the trend of the cube.

Categories (ArcGIS Pro "Emerging Hot Spot Analysis"; significant = p < 0.10, 90 % confidence; hot
categories below, cold ones mirror them with "cold"):
- new: hot in the final step only, never hot before;
- consecutive: one uninterrupted run of hot steps ending with the final one, never hot before the run,
  fewer than 90 % of the steps hot;
- intensifying / persistent / diminishing: hot in at least 90 % of the steps including the final one,
  the z-score trend significantly rising / not significant / falling;
- sporadic: hot in the final step, fewer than 90 % of steps hot, on and off, never cold;
- oscillating: hot in the final step, fewer than 90 % of steps hot, cold in some earlier step;
- historical: not hot in the final step, hot in at least 90 % of the steps;
- none: none of these.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

SIGNIFICANCE = 0.10
MOSTLY = 0.9
CATEGORIES = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating",
              "historical")


def _normal_sf(z: np.ndarray) -> np.ndarray:
    """Upper tail of the standard normal (vectorised: a county's cube is millions of values)."""
    from scipy.special import ndtr
    return ndtr(-np.asarray(z, dtype=float))


def gi_star_steps(counts: np.ndarray, neighbours: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided p-values, cells × steps; `neighbours[i]` lists i's neighbours (not i)."""
    counts = np.asarray(counts, dtype=float)
    n, steps = counts.shape
    rows = np.repeat(np.arange(n), [len(nb) + 1 for nb in neighbours])
    cols = np.concatenate([np.concatenate([[i], np.asarray(nb, dtype=np.int64)]) for i, nb in enumerate(neighbours)])
    w_sum = np.bincount(rows, minlength=n).astype(float)  # binary weights: Σw = Σw² = neighbours + 1
    local = np.zeros((n, steps))
    np.add.at(local, rows, counts[cols])
    mean = counts.mean(axis=0)
    sd = counts.std(axis=0)  # population standard deviation, as Getis & Ord
    denom = sd[None, :] * np.sqrt((n * w_sum[:, None] - w_sum[:, None] ** 2) / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(denom > 0, (local - mean[None, :] * w_sum[:, None]) / denom, 0.0)
    p = 2 * _normal_sf(np.abs(z))
    return z, p


def mann_kendall(series: np.ndarray) -> tuple[float, float, float]:
    """(S, z, two-sided p) of the Mann-Kendall trend test with the tie correction (pymannkendall's original_test)."""
    x = np.asarray(series, dtype=float)
    n = len(x)
    if n < 3:
        return 0.0, 0.0, 1.0
    diff = np.sign(x[None, :] - x[:, None])
    s = float(np.triu(diff, 1).sum())
    _, ties = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18.0
    if var <= 0 or s == 0:
        return s, 0.0, 1.0
    z = (s - 1) / math.sqrt(var) if s > 0 else (s + 1) / math.sqrt(var)
    p = 2 * (0.5 * math.erfc(abs(z) / math.sqrt(2.0)))
    return s, z, p


def classify(z: np.ndarray, p: np.ndarray) -> list[str]:
    """The emerging hot spot category of each cell ('new', …, 'cold_new', …, 'none') from its Gi* series."""
    out = []
    for zs, ps in zip(np.asarray(z), np.asarray(p), strict=True):
        sig = ps < SIGNIFICANCE
        hot, cold = sig & (zs > 0), sig & (zs < 0)
        label = _category(hot, cold, zs)
        if label is None:
            label = _category(cold, hot, -zs)
            label = "none" if label is None else f"cold_{label}"
        out.append(label)
    return out


def _category(hot: np.ndarray, other: np.ndarray, zs: np.ndarray) -> str | None:
    steps = len(hot)
    share = hot.sum() / steps
    if not hot[-1]:
        return "historical" if share >= MOSTLY else None
    if share >= MOSTLY:
        _, trend_z, trend_p = mann_kendall(zs)
        if trend_p < SIGNIFICANCE:
            return "intensifying" if trend_z > 0 else "diminishing"
        return "persistent"
    if hot.sum() == 1:
        return "new"
    run = 0
    while run < steps and hot[steps - 1 - run]:
        run += 1
    if run >= 2 and hot[: steps - run].sum() == 0:
        return "consecutive"
    return "oscillating" if other[:-1].any() else "sporadic"
