"""GET /tiles/{layer}/{z}/{x}/{y}.mvt: decoded with mapbox_vector_tile; ETag/304; 204 for empty tiles."""
import math

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from api.tiles.routes import cache

DENSEST = """
SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (
  SELECT ST_Centroid(ST_Collect(centroid)) AS c, count(*) AS n
  FROM building GROUP BY ST_SnapToGrid(centroid, 0.005) ORDER BY n DESC LIMIT 1) d
"""


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture()
def dense(app_conn):
    row = app_conn.execute(text(DENSEST)).mappings().first()
    assert row is not None, "no buildings seeded: reseed the test database (holomap seed)"
    return row


def _get(client, headers, layer, z, x, y, **kw):
    return client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", headers=headers, **kw)


def test_building_tile_at_z16_decodes_with_footprints_and_properties(client, login, app_conn, dense):
    x, y = tile_of(dense["lon"], dense["lat"], 16)
    r = _get(client, login("officer1"), "buildings", 16, x, y)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layer = mapbox_vector_tile.decode(r.content)["buildings"]
    assert layer["extent"] == 4096
    features = layer["features"]
    assert features
    ids = {f["id"] for f in features}
    truth = set(app_conn.execute(text(
        "SELECT id FROM building"
        " WHERE ST_Intersects(footprint, ST_Transform(ST_TileEnvelope(16, :x, :y), 4326))"
    ), {"x": x, "y": y}).scalars())
    assert truth <= ids
    for feature in features:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert {"kind", "floors", "units"} <= feature["properties"].keys()
        assert "address" not in feature["properties"]


def test_low_zoom_building_tiles_are_lighter_or_aggregated(client, login, dense):
    headers = login("officer1")
    x, y = tile_of(dense["lon"], dense["lat"], 14)
    z14 = mapbox_vector_tile.decode(_get(client, headers, "buildings", 14, x, y).content)["buildings"]
    assert z14["extent"] == 1024
    assert set(z14["features"][0]["properties"]) == {"kind"}
    x, y = tile_of(dense["lon"], dense["lat"], 12)
    z12 = mapbox_vector_tile.decode(_get(client, headers, "buildings", 12, x, y).content)["buildings"]
    assert all(f["geometry"]["type"] == "Point" for f in z12["features"])
    assert sum(f["properties"]["buildings"] for f in z12["features"]) >= len(z14["features"])


def test_beats_and_villages_tiles(client, login, app_conn, dense):
    headers = login("planner")  # non-personal: every signed-in role
    x, y = tile_of(dense["lon"], dense["lat"], 12)
    beats = mapbox_vector_tile.decode(_get(client, headers, "beats", 12, x, y).content)["beats"]["features"]
    codes = set(app_conn.execute(text(
        "SELECT b.code FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'"
    )).scalars())
    assert beats and {f["properties"]["code"] for f in beats} <= codes
    villages = mapbox_vector_tile.decode(_get(client, headers, "villages", 12, x, y).content)["villages"]
    assert {"code", "name", "kind"} <= villages["features"][0]["properties"].keys()


def test_etag_304_and_an_edit_shows_in_the_next_request(client, login, app_conn, dense):
    headers = login("officer1")
    x, y = tile_of(dense["lon"], dense["lat"], 16)
    first = _get(client, headers, "buildings", 16, x, y)
    etag = first.headers["etag"]
    assert "no-cache" in first.headers["cache-control"]
    again = _get(client, {**headers, "If-None-Match": etag}, "buildings", 16, x, y)
    assert again.status_code == 304 and again.headers["etag"] == etag
    building_id = mapbox_vector_tile.decode(first.content)["buildings"]["features"][0]["id"]
    app_conn.execute(text("UPDATE building SET floors = 77 WHERE id = :id"), {"id": building_id})
    edited = _get(client, {**headers, "If-None-Match": etag}, "buildings", 16, x, y)
    assert edited.status_code == 200 and edited.headers["etag"] != etag
    features = mapbox_vector_tile.decode(edited.content)["buildings"]["features"]
    assert next(f for f in features if f["id"] == building_id)["properties"]["floors"] == 77


def test_empty_tile_is_204(client, login):
    cache.clear()
    x, y = tile_of(-30.0, 0.0, 16)  # mid-Atlantic
    assert _get(client, login("officer1"), "buildings", 16, x, y).status_code == 204


def test_tiles_need_a_token_header_or_parameter(client, login):
    x, y = tile_of(118.02, 37.45, 12)
    assert client.get(f"/tiles/beats/12/{x}/{y}.mvt").status_code == 401
    token = login("officer1")["Authorization"].split()[1]
    with_token = client.get(f"/tiles/beats/12/{x}/{y}.mvt", params={"access_token": token})
    assert with_token.status_code in (200, 204)
    assert client.get(f"/tiles/beats/12/{x}/{y}.mvt", params={"access_token": "forged"}).status_code == 401


def test_unknown_layers_and_tiles_are_404(client, login):
    headers = login("officer1")
    assert client.get("/tiles/persons/12/1/1.mvt", headers=headers).status_code == 404
    assert client.get("/tiles/beats/3/8/1.mvt", headers=headers).status_code == 404
    assert client.get("/tiles/beats/30/1/1.mvt", headers=headers).status_code == 404


def test_a_revoked_token_or_disabled_account_gets_401_even_for_a_cached_tile(client, app_conn, dense):
    from tests.conftest import DEMO_PASSWORD

    def token(username):
        r = client.post("/api/auth/token", data={"username": username, "password": DEMO_PASSWORD})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    x, y = tile_of(dense["lon"], dense["lat"], 16)
    headers = token("aux1")
    assert _get(client, headers, "buildings", 16, x, y).status_code == 200  # now in the tile cache
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert _get(client, headers, "buildings", 16, x, y).status_code == 401
    headers = token("aux1")
    assert _get(client, headers, "buildings", 16, x, y).status_code == 200
    app_conn.execute(text("UPDATE app_user SET active = false WHERE username = 'aux1'"))
    assert _get(client, headers, "buildings", 16, x, y).status_code == 401
