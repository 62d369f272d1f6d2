"""Caches kept per layer version (api/tiles/sql/layer_version.sql): the current beats of analytics/beats
(staffing.current_beats) and the hotspot study area (service.extent_cells) follow every change of a beat, a
plan or a station on the next answer, in the changing transaction too."""
from sqlalchemy import text

from tests.analytics.conftest import STATION

YEAR = {"start": "2025-01-01", "end": "2025-12-31", "station": STATION}


def _beats(client, headers, **extra) -> dict:
    r = client.get("/api/analytics/beats", params={**YEAR, **extra}, headers=headers)
    assert r.status_code == 200, r.text
    return {f["properties"]["code"]: f for f in r.json()["features"]}


def test_renamed_redrawn_or_unpublished_beats_show_on_the_next_answer(client, as_user, district, app_conn):
    leader = as_user("ana_leader")
    first = _beats(client, leader)
    assert set(first) == {"T-ANA-01", "T-ANA-02"}
    assert _beats(client, leader) == first  # kept: the same answer
    beat = district.beat_ids["T-ANA-02"]
    app_conn.execute(text("UPDATE beat SET name = '改名警务区', geom = ST_Multi(ST_MakeEnvelope(117.03, 36.0, "
                          "117.05, 36.05, 4326)) WHERE id = :b"), {"b": beat})
    renamed = _beats(client, leader)
    assert renamed["T-ANA-02"]["properties"]["beat_name"] == "改名警务区"
    assert max(x for x, _ in renamed["T-ANA-02"]["geometry"]["coordinates"][0][0]) == 117.05
    compact = client.get("/api/analytics/beats", params={**YEAR, "format": "compact"}, headers=leader).json()
    assert "改名警务区" in [row[1] for row in compact["rows"]]
    app_conn.execute(text("UPDATE station SET code = 'T-ANA-X' WHERE id = :s"), {"s": district.station_id})
    moved = _beats(client, leader, station="T-ANA-X")
    assert {f["properties"]["station"] for f in moved.values()} == {"T-ANA-X"}
    app_conn.execute(text("UPDATE beat_plan SET status = 'archived' WHERE station_id = :s"),
                     {"s": district.station_id})
    assert _beats(client, leader, station="T-ANA-X") == {}


def test_a_redrawn_jurisdiction_changes_the_hotspot_study_area_on_the_next_answer(client, as_user, district,
                                                                                 app_conn):
    """The study area (cells inside the stations' jurisdiction) is kept per stations layer version."""
    leader = as_user("ana_leader")

    def extent() -> int:
        r = client.get("/api/analytics/hotspots", params={**YEAR, "format": "compact", "size_m": 300}, headers=leader)
        assert r.status_code == 200, r.text
        return r.json()["cells_in_extent"]

    first = extent()
    assert extent() == first
    app_conn.execute(text("UPDATE station SET jurisdiction = ST_Multi(ST_MakeEnvelope(117.0, 36.0, 117.12, 36.05, "
                          "4326)) WHERE id = :s"), {"s": district.station_id})
    assert extent() > first
