"""geo.cellgeojson: the vectorised GeoJSON text equals one dict per cell from geo.binning, json-dumped."""
import json

import numpy as np
import pytest

from geo import binning, cellgeojson


def _one_by_one(kind, size, i, j, counts) -> list[dict]:
    out = []
    for a, b, n in zip(i.tolist(), j.tolist(), counts.tolist(), strict=True):
        ring = [[round(x, 6), round(y, 6)] for x, y in binning.cell_polygon(kind, a, b, size).exterior.coords]
        out.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": {"cell": f"{a},{b}", "count": n}})
    return out


@pytest.mark.parametrize("kind", ["hex", "square"])
@pytest.mark.parametrize("size, centre", [(500.0, (13_135_000, 4_494_000)), (123.4, (0, 0)),
                                          (5000.0, (-8_000_000, -4_000_000))])
def test_same_features_as_one_cell_at_a_time(kind, size, centre):
    rng = np.random.default_rng(3)
    x = rng.normal(centre[0], 40 * size, 3000)
    y = rng.normal(centre[1], 40 * size, 3000)
    binner = binning.square_cells if kind == "square" else binning.hex_cells
    lon, lat = binning.mercator_to_lonlat(x, y)
    cells, counts = np.unique(np.column_stack(binner(lon, lat, size)), axis=0, return_counts=True)
    text = cellgeojson.features(kind, size, cells[:, 0], cells[:, 1], counts)
    got = json.loads(text)
    want = _one_by_one(kind, size, cells[:, 0], cells[:, 1], counts)
    assert len(got) == len(want) == len(cells)
    exact = 0
    for g, w in zip(got, want, strict=True):
        assert g["properties"] == w["properties"] and g["type"] == w["type"]
        gr, wr = g["geometry"]["coordinates"][0], w["geometry"]["coordinates"][0]
        assert np.allclose(gr, wr, rtol=0, atol=1.01e-6)  # the 6th decimal at most (libm vs SIMD ulps)
        exact += gr == wr
    assert exact >= 0.99 * len(got)


def test_sparse_cells_far_apart_and_empty():
    i, j = np.array([-900_000, 0, 900_000]), np.array([5, -7, 123_456])
    for kind in ("hex", "square"):
        got = json.loads(cellgeojson.features(kind, 100.0, i, j, np.array([1, 2, 3])))
        assert [f["properties"]["cell"] for f in got] == ["-900000,5", "0,-7", "900000,123456"]
        assert all(len(f["geometry"]["coordinates"][0]) == (7 if kind == "hex" else 5) for f in got)
        assert json.loads(cellgeojson.features(kind, 100.0, i[:0], j[:0], i[:0])) == []


def test_extra_properties_are_json_values():
    i, j = np.array([1, 2]), np.array([3, 4])
    extra = [("z", cellgeojson.json_values([1.23456, float("nan")], 3)),
             ("class", cellgeojson.json_values(["hot99", "冷\"点"])), ("level", cellgeojson.json_values([3, -1]))]
    text = cellgeojson.features("square", 100.0, i, j, np.array([5, 0]), extra=extra)
    got = json.loads(text)
    assert got[0]["properties"] == {"cell": "1,3", "count": 5, "z": 1.235, "class": "hot99", "level": 3}
    assert got[1]["properties"]["class"] == "冷\"点" and got[1]["properties"]["z"] != got[1]["properties"]["z"]
