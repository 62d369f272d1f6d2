"""Knox near-repeat table: exact pair counts, equality with pointpats' Knox, and a planted pattern found."""
import numpy as np
import pytest
from pointpats.spacetime import Knox

from geo.nearrepeat import Bands, TooManyPairs, ground_xy, knox


def _events(rng, n=400, side=3000.0, days=365):
    return rng.uniform(0, side, n), rng.uniform(0, side, n), rng.integers(0, days, n)


def _planted(rng, seeds=60, follow=3):
    """Uniform background plus `follow` repeats within 60 m and 5 days of each of `seeds` incidents."""
    x, y, d = _events(rng, 300)
    px, py, pd = [x], [y], [d]
    for k in range(seeds):
        angle, r = rng.uniform(0, 2 * np.pi, follow), rng.uniform(2, 60, follow)
        px.append(x[k] + r * np.cos(angle))
        py.append(y[k] + r * np.sin(angle))
        pd.append(d[k] + rng.integers(0, 6, follow))
    return np.concatenate(px), np.concatenate(py), np.concatenate(pd)


def test_observed_table_counts_every_pair_once_in_its_bands():
    rng = np.random.default_rng(1)
    x, y, d = _events(rng, 300, side=1500.0, days=120)
    x[5], y[5] = x[4], y[4]  # one pair at the same location
    bands = Bands(distance_band_m=100, distance_bands=4, time_band_days=7, time_bands=3)
    table = knox(x, y, d, bands, permutations=0)
    expected = np.zeros((6, 4), dtype=np.int64)
    for a in range(len(d)):
        for b in range(a + 1, len(d)):
            dist = np.hypot(x[a] - x[b], y[a] - y[b])
            row = 0 if dist <= 1.0 else min(int(np.ceil(dist / 100)), 5)
            lag = abs(int(d[a]) - int(d[b]))
            col = min(max(lag - 1, 0) // 7, 3)
            expected[row, col] += 1
    assert table.observed.tolist() == expected.tolist()
    assert table.observed[0].sum() >= 1 and table.observed.sum() == table.pairs == 300 * 299 // 2


@pytest.mark.parametrize("planted", [False, True])
def test_knox_statistic_and_p_value_match_pointpats(planted):
    rng = np.random.default_rng(11)
    x, y, d = _planted(rng) if planted else _events(rng, 400)
    delta, tau = 100.0, 7
    # one distance band of δ and one time band of τ days: cell (1, 0) is pointpats' 2 × 2 statistic
    bands = Bands(distance_band_m=delta, distance_bands=1, time_band_days=tau, time_bands=1, same_location_m=0.0)
    ours = knox(x, y, d, bands, permutations=199, seed=3)
    np.random.seed(5)
    theirs = Knox(np.column_stack([x, y]), d.reshape(-1, 1).astype(float), delta=delta, tau=tau, permutations=199)
    assert ours.observed[0, 0] == 0  # no two events share a location
    assert ours.observed[1, 0] == theirs.statistic_
    # the mean of the permutations estimates the analytical expectation NS · NT / pairs
    assert ours.expected[1, 0] == pytest.approx(theirs.expected[0, 0], rel=0.1)
    # the same Monte-Carlo test, different random draws: p within the noise of 199 simulations
    assert abs(ours.p[1, 0] - theirs.p_sim) <= 0.1
    if planted:
        assert ours.p[1, 0] <= 0.01 and theirs.p_sim <= 0.01 and ours.significant[1, 0]


def test_cumulative_cells_equal_pointpats_for_wider_thresholds():
    rng = np.random.default_rng(2)
    x, y, d = _planted(rng)
    table = knox(x, y, d, Bands(distance_band_m=50, distance_bands=4, time_band_days=5, time_bands=3),
                 permutations=0)
    for rows, cols in ((2, 1), (3, 2), (5, 3)):
        theirs = Knox(np.column_stack([x, y]), d.reshape(-1, 1).astype(float), delta=50.0 * (rows - 1),
                      tau=5 * cols, permutations=0)
        assert table.observed[:rows, :cols].sum() == theirs.statistic_


def test_planted_pattern_gives_a_zone_and_random_data_none():
    rng = np.random.default_rng(4)
    bands = Bands(distance_band_m=100, distance_bands=5, time_band_days=7, time_bands=4)
    found = knox(*_planted(rng, seeds=80), bands, permutations=99, seed=1)
    assert found.zone() == (1, 0)  # within 100 m and 7 days
    assert found.ratio[1, 0] > 2 and found.p[1, 0] == pytest.approx(0.01)
    none = knox(*_events(np.random.default_rng(9), 500), bands, permutations=99, seed=1)
    assert none.zone() is None
    # the "more than" row and column hold what the close bands do not: every pair is counted once
    assert found.observed.sum() == found.pairs
    assert np.allclose(found.expected.sum(), found.pairs)


def test_same_seed_same_answer_and_guard_on_pairs():
    rng = np.random.default_rng(5)
    x, y, d = _events(rng, 300)
    a = knox(x, y, d, permutations=49, seed=7)
    b = knox(x, y, d, permutations=49, seed=7)
    assert np.array_equal(a.p, b.p) and np.array_equal(a.expected, b.expected)
    with pytest.raises(TooManyPairs):
        knox(x, y, d, permutations=1, max_close_pairs=10)
    assert knox(x[:1], y[:1], d[:1]).pairs == 0


def test_ground_metres_from_web_mercator():
    # two points 1 km apart east-west at 37.4°N: 1000 / cos(37.4°) Mercator units
    lat = np.radians(37.4)
    y = 6378137.0 * np.log(np.tan(np.pi / 4 + lat / 2))
    gx, gy = ground_xy(np.array([0.0, 1000 / np.cos(lat)]), np.array([y, y]))
    assert gx[1] - gx[0] == pytest.approx(1000, rel=1e-3) and gy[0] == pytest.approx(6378137.0 * lat)
