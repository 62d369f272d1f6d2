"""Emerging hot spots: Gi* per step equal to esda, Mann-Kendall equal to pymannkendall, planted categories."""
import numpy as np
import pymannkendall
import pytest
from esda.getisord import G_Local
from libpysal.weights import W

from geo.emerging import classify, gi_star_steps, mann_kendall

SIDE = 12  # a 12 × 12 grid of square cells, queen neighbours


def _grid():
    index = {(i, j): i * SIDE + j for i in range(SIDE) for j in range(SIDE)}
    neighbours = [[index[(i + di, j + dj)] for di in (-1, 0, 1) for dj in (-1, 0, 1)
                   if (di or dj) and (i + di, j + dj) in index] for (i, j) in index]
    return index, neighbours


def test_mann_kendall_equals_pymannkendall_with_ties():
    rng = np.random.default_rng(1)
    for k in range(40):
        series = rng.integers(0, 6, int(rng.integers(5, 40))).astype(float)
        if k % 4 == 0:
            series = series + np.arange(len(series)) * 0.3
        s, z, p = mann_kendall(series)
        ref = pymannkendall.original_test(series)
        assert s == ref.s and z == pytest.approx(ref.z, abs=1e-12) and p == pytest.approx(ref.p, abs=1e-12)


def test_gi_star_per_step_equals_esda():
    index, neighbours = _grid()
    rng = np.random.default_rng(2)
    counts = rng.poisson(2.0, (len(index), 6)).astype(float)
    counts[index[(3, 3)], :] += 12
    z, p = gi_star_steps(counts, neighbours)
    w = W({k: nb for k, nb in enumerate(neighbours)}, silence_warnings=True)
    for step in range(counts.shape[1]):
        ref = G_Local(counts[:, step], w, transform="B", star=True, permutations=0)
        assert np.allclose(z[:, step], ref.Zs, atol=1e-9)
        assert np.allclose(p[:, step], 2 * ref.p_norm, atol=1e-9)


def test_planted_patterns_get_their_categories():
    index, neighbours = _grid()
    steps = 20
    rng = np.random.default_rng(3)
    counts = rng.poisson(1.0, (len(index), steps)).astype(float)
    growing = [index[(2 + di, 2 + dj)] for di in (0, 1) for dj in (0, 1)]
    counts[growing, :] = 0
    counts[growing, -1] = 25  # hot only now: new
    lasting = [index[(8 + di, 8 + dj)] for di in (0, 1) for dj in (0, 1)]
    for c in lasting:
        counts[c] = 8 + np.arange(steps) * 1.5  # hot throughout, rising: intensifying
    recent = [index[(2 + di, 8 + dj)] for di in (0, 1) for dj in (0, 1)]
    counts[recent, :] = 0
    counts[np.ix_(recent, range(steps - 4, steps))] = 20  # hot for the last four steps only: consecutive
    past = [index[(8 + di, 2 + dj)] for di in (0, 1) for dj in (0, 1)]
    counts[past, :] = 15
    counts[past, -1] = 0  # hot but not any more: historical
    z, p = gi_star_steps(counts, neighbours)
    labels = classify(z, p)
    assert {labels[c] for c in growing} == {"new"}
    assert {labels[c] for c in lasting} == {"intensifying"}
    assert {labels[c] for c in recent} == {"consecutive"}
    assert {labels[c] for c in past} == {"historical"}
    # the trend test on the z-series is pymannkendall's
    ref = pymannkendall.original_test(z[lasting[0]])
    assert ref.trend == "increasing" and ref.p < 0.1
