"""Tests for geo.hotspots (Getis-Ord Gi*), cross-checked against esda when it is installed."""

import json
import math
import warnings

import numpy as np
import pytest

from geo import binning
from geo.hotspots import classify, gi_star, neighbour_lists, study_cells, two_sided_p


def block(kind, width=12, height=10, origin=(17500, 5180)):
    """A rectangular block of cell indices."""
    return [(origin[0] + a, origin[1] + b) for a in range(width) for b in range(height)]


def reference_z(cells, counts, kind):
    """Gi* straight from the textbook formula, with loops (self + neighbours in ``cells``)."""
    values = dict(zip(cells, counts, strict=True))
    n = len(cells)
    mean = sum(counts) / n
    std = math.sqrt(sum(c * c for c in counts) / n - mean * mean)
    result = []
    for cell in cells:
        hood = [cell] + [c for c in binning.neighbours(kind, *cell) if c in values]
        w_sum = len(hood)
        numerator = sum(values[c] for c in hood) - mean * w_sum
        result.append(numerator / (std * math.sqrt((n * w_sum - w_sum**2) / (n - 1))))
    return result


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_matches_textbook_formula(kind):
    rng = np.random.default_rng(3)
    cells = block(kind)
    counts = rng.poisson(3.0, len(cells)).astype(float).tolist()
    results = gi_star(cells, counts, kind, include_zero_neighbours=False)
    assert [r.z for r in results] == pytest.approx(reference_z(cells, counts, kind), abs=1e-9)
    assert [r.cell for r in results] == cells


@pytest.mark.parametrize("kind", ["square", "hex"])
@pytest.mark.parametrize("include_zero_neighbours", [True, False])
def test_agrees_with_esda_g_local_star(kind, include_zero_neighbours):
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    rng = np.random.default_rng(11)
    # sparse input: only non-empty cells, as an aggregate query returns them, plus a hot cluster
    cells = [cell for cell in block(kind, 20, 16) if rng.random() < 0.6]
    counts = rng.poisson(2.0, len(cells)).astype(float) + 1
    counts[: len(cells) // 10] += 15
    results = gi_star(cells, counts.tolist(), kind, include_zero_neighbours=include_zero_neighbours)

    studied = study_cells(cells, kind, include_zero_neighbours=include_zero_neighbours)
    values = np.concatenate([counts, np.zeros(len(studied) - len(cells))])
    lists = neighbour_lists(studied, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands / disconnected components
        weights = libpysal.weights.W({k: nbrs for k, nbrs in enumerate(lists)})
        expected = esda.getisord.G_Local(values, weights, transform="B", star=True, permutations=0)
    ours = np.array([r.z for r in results])
    np.testing.assert_allclose(ours, expected.Zs[: len(cells)], atol=1e-6)
    np.testing.assert_allclose([r.p for r in results], 2 * expected.p_norm[: len(cells)], atol=1e-9)
    assert len(studied) > len(cells) if include_zero_neighbours else len(studied) == len(cells)


def test_planted_cluster_is_hot_and_background_is_not():
    rng = np.random.default_rng(5)
    cells = block("hex", 20, 20)
    counts = rng.poisson(2.0, len(cells)).astype(float)
    centre = (17510, 5190)
    hot = {centre, *binning.neighbours("hex", *centre)}
    for index, cell in enumerate(cells):
        if cell in hot:
            counts[index] += 20
    results = {r.cell: r for r in gi_star(cells, counts.tolist(), "hex")}
    assert results[centre].hotspot_class == "hot99"
    assert results[centre].z > 5
    assert results[centre].neighbours == 7
    far = [r for cell, r in results.items() if max(abs(cell[0] - 17510), abs(cell[1] - 5190)) > 4]
    assert sum(r.hotspot_class.startswith("hot") for r in far) < 0.15 * len(far)


def test_empty_area_in_busy_field_is_cold():
    cells = block("square", 15, 15)
    hole = {(17507, 5187), *binning.neighbours("square", 17507, 5187)}
    counts = [0.0 if cell in hole else 10.0 + (sum(cell) % 3) for cell in cells]
    results = {r.cell: r for r in gi_star(cells, counts, "square", include_zero_neighbours=False)}
    assert results[(17507, 5187)].hotspot_class == "cold99"
    assert results[(17507, 5187)].z < 0


def test_equal_counts_give_no_hotspots():
    cells = block("hex", 5, 5)
    results = gi_star(cells, [4.0] * len(cells), "hex", include_zero_neighbours=False)
    assert all(r.z == 0.0 and r.p == 1.0 and r.hotspot_class == "ns" for r in results)
    assert gi_star([(0, 0)], [3.0], "hex", include_zero_neighbours=False)[0].hotspot_class == "ns"
    assert gi_star([], [], "square") == []


def test_zero_ring_is_added_only_when_asked():
    assert len(study_cells([(0, 0)], "hex")) == 7
    assert len(study_cells([(0, 0)], "square")) == 9
    assert len(study_cells([(0, 0), (0, 1)], "square")) == 12
    assert study_cells([(0, 0)], "hex", include_zero_neighbours=False) == [(0, 0)]


def test_zero_ring_changes_the_statistic():
    cells = [(0, 0), (1, 0), (0, 1), (6, 6), (7, 6)]
    counts = [9.0, 8.0, 7.0, 1.0, 1.0]
    without = gi_star(cells, counts, "square", include_zero_neighbours=False)
    with_zeros = gi_star(cells, counts, "square")
    assert with_zeros[0].z > without[0].z
    assert with_zeros[0].neighbours == 9 and without[0].neighbours == 3


def test_bad_input():
    with pytest.raises(ValueError, match="only once"):
        gi_star([(0, 0), (0, 0)], [1.0, 2.0], "hex")
    with pytest.raises(ValueError, match="counts"):
        gi_star([(0, 0)], [1.0, 2.0], "hex")
    with pytest.raises(ValueError, match="negative"):
        gi_star([(0, 0), (0, 1)], [1.0, -2.0], "hex")
    with pytest.raises(ValueError):
        gi_star([(0, 0)], [1.0], "triangle")


@pytest.mark.parametrize(
    ("z", "expected"),
    [(2.7, "hot99"), (-2.7, "cold99"), (2.0, "hot95"), (-2.0, "cold95"), (1.7, "hot90"), (1.6, "ns"),
     (0.0, "ns")],
)
def test_classify_uses_two_sided_normal_p(z, expected):
    assert classify(z, float(two_sided_p(np.array([z]))[0])) == expected


def test_two_sided_p_values():
    p = two_sided_p(np.array([0.0, 1.959963984540054, -2.5758293035489004]))
    assert p == pytest.approx([1.0, 0.05, 0.01])


def test_fdr_is_stricter_but_keeps_strong_clusters():
    rng = np.random.default_rng(8)
    cells = block("hex", 25, 25)
    counts = rng.poisson(3.0, len(cells)).astype(float)
    counts[:8] += 30
    plain = gi_star(cells, counts.tolist(), "hex")
    corrected = gi_star(cells, counts.tolist(), "hex", fdr=True)
    significant = sum(r.hotspot_class != "ns" for r in plain)
    assert sum(r.hotspot_class != "ns" for r in corrected) < significant
    assert corrected[0].hotspot_class.startswith("hot")
    assert [r.z for r in plain] == [r.z for r in corrected]


def test_result_to_dict_is_json():
    result = gi_star([(1, 2), (1, 3)], [5.0, 0.0], "square")[0]
    data = json.loads(json.dumps(result.to_dict()))
    assert data["i"] == 1 and data["j"] == 2 and data["class"] in {"ns", "hot90", "hot95", "hot99"}
    assert set(data) == {"i", "j", "count", "z", "p", "class", "neighbours"}


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_neighbour_lists_equal_the_cell_by_cell_definition(kind):
    """The vectorised lists hold, for each cell, the present neighbours in binning.neighbours' order."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(1, 400))
        i = rng.integers(-30, 30, n) + int(rng.integers(-20000, 20000))
        j = rng.integers(-30, 30, n) + int(rng.integers(-20000, 20000))
        cells = list(dict.fromkeys(zip(i.tolist(), j.tolist(), strict=True)))
        index = {cell: k for k, cell in enumerate(cells)}
        want = [[index[nb] for nb in binning.neighbours(kind, *cell) if nb in index] for cell in cells]
        assert neighbour_lists(cells, kind) == want
    assert neighbour_lists([], kind) == []


@pytest.mark.parametrize("kind", ["square", "hex"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_array_statistic_equals_gi_star_bit_for_bit(kind, seed):
    """gi_z_scores_of_counts over neighbour_positions, and class_levels, are gi_star's z and classes exactly
    (what the hotspots answer computes on arrays), on sparse cells with zeros, a hot and a cold cluster."""
    from geo.hotspots import class_levels, gi_z_scores_of_counts, neighbour_positions

    rng = np.random.default_rng(seed)
    cells = sorted(cell for cell in block(kind, 30, 24, origin=(-7, 3)) if rng.random() < 0.7)
    counts = rng.poisson(1.5, len(cells)).astype(float)
    counts[: len(cells) // 8] += 12
    counts[-len(cells) // 8:] = 0
    results = gi_star(cells, counts.tolist(), kind, include_zero_neighbours=False)
    z = gi_z_scores_of_counts(counts, neighbour_positions(np.array(cells), kind))
    assert z.tolist() == [r.z for r in results]
    p = two_sided_p(z)
    levels = class_levels(z, p).tolist()
    label = {3: "hot99", 2: "hot95", 1: "hot90", 0: "ns", -1: "cold90", -2: "cold95", -3: "cold99"}
    assert [label[v] for v in levels] == [r.hotspot_class for r in results]
    assert {r.hotspot_class for r in results} >= {"hot99", "ns"}
    assert neighbour_positions(np.array(cells), kind).shape == (len(cells), 8 if kind == "square" else 6)


def test_array_statistic_edge_cases():
    from geo.hotspots import gi_z_scores_of_counts, neighbour_positions

    assert gi_z_scores_of_counts(np.zeros(0), neighbour_positions(np.zeros((0, 2)), "hex")).tolist() == []
    same = [(0, 0), (0, 1), (1, 0)]
    assert gi_z_scores_of_counts(np.full(3, 4.0), neighbour_positions(same, "hex")).tolist() == [0.0] * 3
    with pytest.raises(ValueError):
        gi_z_scores_of_counts(np.array([1.5, 2.0]), neighbour_positions([(0, 0), (0, 1)], "hex"))
