"""GET /api/beats: current beats as GeoJSON with code, name, kind and members."""


def test_current_beats_as_geojson_with_members_and_scope(client, login):
    me = client.get("/api/me", headers=login("officer1")).json()
    r = client.get("/api/beats", headers=login("officer1"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert doc["type"] == "FeatureCollection"
    assert 4 <= len(doc["features"]) <= 8
    for feature in doc["features"]:
        props = feature["properties"]
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert {"code", "name", "kind", "members"} <= props.keys()
        assert props["in_scope"] == (props["code"] in me["beats"])
    members = [m for f in doc["features"] for m in f["properties"]["members"]]
    assert any(m["username"] == "officer1" and m["duty"] == "officer" for m in members)


def test_every_role_sees_the_beats_and_a_token_is_needed(client, login):
    for username in ("planner", "leader", "grid1"):
        assert client.get("/api/beats", headers=login(username)).json()["features"]
    assert client.get("/api/beats").status_code == 401
