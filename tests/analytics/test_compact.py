"""The compact forms of heat, hotspots and per-beat figures (format=compact, issue 22) carry the GeoJSON
form's values: decoded by the server's reference decoder and by the web app's (node), they are equal."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from geo import cellgeojson, compact
from tests.analytics.conftest import STATION
from tests.contracts.conftest import contract

ROOT = Path(__file__).resolve().parents[2]
YEAR = {"start": "2025-01-01", "end": "2025-12-31", "station": STATION}
NODE = """
import { decodeCells, decodeFeatures } from './frontend/js/dashboard/compact.js';
import { readFileSync } from 'node:fs';
const input = JSON.parse(readFileSync(process.argv[1], 'utf8'));
console.log(JSON.stringify(input.map(([kind, body]) => (kind === 'beats' ? decodeFeatures : decodeCells)(body))));
"""


def _both(client, headers, path: str, params: dict) -> tuple[dict, dict]:
    full = client.get(path, params=params, headers=headers)
    small = client.get(path, params={**params, "format": "compact"}, headers=headers)
    assert full.status_code == small.status_code == 200, (full.text[:300], small.text[:300])
    contract(client.app, full)
    contract(client.app, small)
    return full.json(), small.json()


def _close(a, b, tol: float) -> bool:
    """Equal JSON values, numbers of geometries within `tol` (last-digit rounding of the 6 decimals)."""
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return abs(a - b) <= tol
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol) for k in a)
    return a == b


@pytest.mark.parametrize("cell, size", [("hex", 300.0), ("square", 400.0)])
def test_compact_heat_and_hotspots_are_the_same_cells(client, as_user, district, cell, size, tmp_path):
    headers = as_user("ana_leader")
    bodies = []
    for path, extra in (("/api/analytics/heat", ()), ("/api/analytics/hotspots", ("z", "p", "class", "level"))):
        full, small = _both(client, headers, path, {**YEAR, "cell": cell, "size_m": size})
        assert full["features"] and small["format"] == "compact"
        cells = small.pop("cells")
        # the server's own GeoJSON writer on the compact columns is the full form, byte for byte
        rebuilt = cellgeojson.features(
            cell, size, np.array(cells["i"], dtype=np.int64), np.array(cells["j"], dtype=np.int64),
            np.array(cells["count"], dtype=np.int64),
            extra=[(name, cellgeojson.json_values(cells[name])) for name in extra])
        assert json.loads(rebuilt) == full["features"]
        assert {k: v for k, v in full.items() if k not in ("type", "features")} == \
            {k: v for k, v in small.items() if k != "format"}
        small["cells"] = cells
        bodies.append((path, full, small))
    decoded = _node_decode(tmp_path, [("cells", small) for _, _, small in bodies])
    for (path, full, small), web in zip(bodies, decoded, strict=True):
        assert len(json.dumps(small)) < len(json.dumps(full)) / 2, path
        for f, w in zip(full["features"], web["features"], strict=True):
            assert f["properties"] == w["properties"], path
            assert _close(f["geometry"], w["geometry"], 1.01e-6), path  # the 6th decimal's rounding at most
        assert {k: v for k, v in full.items() if k != "features"} == {k: v for k, v in web.items() if k != "features"}


def test_compact_beats_are_the_same_features(client, as_user, district, tmp_path):
    headers = as_user("ana_leader")
    full, small = _both(client, headers, "/api/analytics/beats", YEAR)
    assert full["features"] and all(f["geometry"] for f in full["features"])
    assert compact.features_decoded(small) == full["features"]  # exactly: the same doubles
    [web] = _node_decode(tmp_path, [("beats", small)])
    assert web == full
    filtered_full, filtered_small = _both(client, headers, "/api/analytics/beats",
                                          {**YEAR, "category": "theft", "hours": "0-6,22-23"})
    assert compact.features_decoded(filtered_small) == filtered_full["features"]


def test_geometry_coding_round_trips():
    multi = {"type": "MultiPolygon", "coordinates": [
        [[[118.123456, 37.654321], [118.2, 37.654321], [118.2, 37.7], [118.123456, 37.654321]]],
        [[[-0.000001, -1.5], [0.000001, -1.5], [0.0, -1.499999], [-0.000001, -1.5]]]]}
    assert compact.decode_geometry(compact.encode_geometry(multi)) == multi
    polygon = {"type": "Polygon", "coordinates": multi["coordinates"][0]}
    assert compact.decode_geometry(compact.encode_geometry(polygon)) == polygon
    assert compact.encode_geometry(None) is None


def test_an_unknown_format_is_refused(client, as_user, district):
    r = client.get("/api/analytics/heat", params={**YEAR, "format": "topojson"}, headers=as_user("ana_leader"))
    assert r.status_code == 422 and r.json()["code"]


def _node_decode(tmp_path: Path, bodies: list) -> list:
    data = tmp_path / "bodies.json"
    data.write_text(json.dumps(bodies), encoding="utf-8")
    done = subprocess.run(["node", "--input-type=module", "-e", NODE, str(data)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_beats_compact_text_is_the_dumped_compact_body(app_session, district):
    """beats_compact_json splices each geometry's kept JSON text: byte for byte what compact.dumps writes for the
    whole body (features_compact with freshly encoded geometries), on the first answer and the kept one."""
    from datetime import date

    from api.analytics import staffing
    from api.analytics.dependencies import AnalyticsScope
    from api.analytics.filters import build_filter

    flt = build_filter(start=date(2025, 1, 1), end=date(2025, 12, 31), category=None, hours=None, weekdays=None)
    body = staffing.beats(app_session, flt=flt, scope=AnalyticsScope(station_ids=(district.station_id,)))
    want = compact.dumps({"format": "compact", **compact.features_compact(
        [{**f, "geometry": json.loads(f["geometry"])} for f in body["features"]], staffing.BEAT_COLUMNS,
        objects={"disputes": (*staffing.GRADES, "total")}),
        **{k: v for k, v in body.items() if k not in ("features", "type")}}).encode()
    staffing._GEOMETRY_JSON.clear()
    assert staffing.beats_compact_json(body) == want
    assert staffing.beats_compact_json(body) == want and len(body["features"]) == 2


@pytest.mark.parametrize("hours, category, whole", [(None, None, True), ("0-1,22-23", None, True),
                                                   (None, ["theft"], False)])
def test_beats_compact_is_the_compact_form_of_beats(app_session, district, monkeypatch, hours, category, whole):
    """beats_compact (written from the kept beat rows, without GeoJSON features) is beats_compact_json(beats(…))
    byte for byte: for the bureau and one station, filtered or not, with the incidents counted on the chunks or
    (no incident_chunk) by SQL, on the first answer and the kept one."""
    from datetime import date

    from api.analytics import cells, staffing
    from api.analytics.dependencies import AnalyticsScope
    from api.analytics.filters import build_filter

    flt = build_filter(start=date(2025, 1, 1), end=date(2025, 12, 31), category=category, hours=hours, weekdays=None)
    scope = AnalyticsScope(station_ids=None if whole else (district.station_id,))
    want = staffing.beats_compact_json(staffing.beats(app_session, flt=flt, scope=scope))
    assert json.loads(want)["rows"]
    staffing.BEAT_LAYERS.clear()
    assert staffing.beats_compact(app_session, flt=flt, scope=scope) == want
    assert staffing.beats_compact(app_session, flt=flt, scope=scope) == want
    monkeypatch.setattr(cells, "beat_counts", lambda *a, **k: None)
    assert staffing.beats_compact(app_session, flt=flt, scope=scope) == want
