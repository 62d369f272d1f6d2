"""OGC API – Features at /ogc: landing, conformance, collections, paging, bbox; and GDAL's own client."""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from types import SimpleNamespace

import httpx
import pytest
from shapely.geometry import box, shape
from sqlalchemy import text

from api.auth.service import create_token


@pytest.fixture()
def headers(login):
    return login("planner")  # non-personal layers: aggregate roles may read them


def test_landing_and_conformance(client, headers):
    landing = client.get("/ogc", headers=headers).json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert rels["data"].endswith("/ogc/collections") and rels["conformance"].endswith("/ogc/conformance")
    conf = client.get("/ogc/conformance", headers=headers).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf


def test_collections_are_the_non_personal_layers_with_extents(client, headers):
    doc = client.get("/ogc/collections", params={"f": "json"}, headers=headers).json()
    ids = {c["id"] for c in doc["collections"]}
    assert ids == {"stations", "beats", "villages", "buildings"}
    for c in doc["collections"]:
        minx, miny, maxx, maxy = c["extent"]["spatial"]["bbox"][0]
        assert minx < maxx and miny < maxy
        assert any(link["rel"] == "items" for link in c["links"])
    assert client.get("/ogc/collections/persons", headers=headers).status_code == 404


def test_items_paging_follows_next_links_to_the_end(client, headers, app_conn):
    total = app_conn.execute(text("SELECT count(*) FROM village")).scalar()
    seen: list[int] = []
    url = "/ogc/collections/villages/items?limit=25"
    pages = 0
    while url:
        r = client.get(url, headers=headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
        doc = r.json()
        assert doc["numberMatched"] == total and doc["numberReturned"] == len(doc["features"])
        seen += [f["id"] for f in doc["features"]]
        nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        url = nxt[0] if nxt else None
        pages += 1
        assert pages < 100
    assert len(seen) == total == len(set(seen))
    assert pages == -(-total // 25)


def test_items_in_a_bbox_intersect_it(client, headers, app_conn):
    b = app_conn.execute(text(
        "SELECT id, ST_X(centroid) AS x, ST_Y(centroid) AS y FROM building ORDER BY id LIMIT 1"
    )).mappings().one()
    bbox = (b["x"] - 0.002, b["y"] - 0.002, b["x"] + 0.002, b["y"] + 0.002)
    r = client.get("/ogc/collections/buildings/items",
                   params={"bbox": ",".join(map(str, bbox)), "limit": 1000}, headers=headers)
    doc = r.json()
    assert b["id"] in {f["id"] for f in doc["features"]}
    area = box(*bbox)
    assert all(shape(f["geometry"]).intersects(area) for f in doc["features"])
    assert doc["numberMatched"] < app_conn.execute(text("SELECT count(*) FROM building")).scalar()
    props = doc["features"][0]["properties"]
    assert {"address", "kind", "floors", "units"} <= props.keys()
    assert not {"phone", "name", "id_number", "residents"} & props.keys()


def test_single_feature_and_bad_input(client, headers, app_conn):
    beat_id = app_conn.execute(text(
        "SELECT b.id FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published' LIMIT 1"
    )).scalar()
    doc = client.get(f"/ogc/collections/beats/items/{beat_id}", headers=headers).json()
    assert doc["type"] == "Feature" and doc["id"] == beat_id and doc["properties"]["code"]
    assert client.get("/ogc/collections/beats/items/999999999", headers=headers).status_code == 404
    for params in ({"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"bbox": "10,10,5,5"}, {"limit": 0},
                   {"offset": -1}, {"f": "html"}):
        assert client.get("/ogc/collections/beats/items", params=params, headers=headers).status_code == 422


def test_ogc_needs_a_token(client):
    assert client.get("/ogc/collections").status_code == 401


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def live_server():
    """A real uvicorn serving the app (reads the committed seeded data)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("uvicorn did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_gdal_ogrinfo_reads_the_buildings_collection(live_server, settings, db):
    user = db.execute(text("SELECT id, username, role FROM app_user WHERE username = 'planner'")
                      ).mappings().one()
    token, _ = create_token(SimpleNamespace(**user), settings)
    expected = db.execute(text("SELECT count(*) FROM building")).scalar()
    out = subprocess.run(
        ["ogrinfo", "-ro", "-so", "--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}",
         f"OAPIF:{live_server}/ogc", "buildings"],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert re.search(rf"Feature Count: {expected}\b", out.stdout), out.stdout
    assert "floors" in out.stdout and "address" in out.stdout
    one = subprocess.run(
        ["ogrinfo", "-ro", "-q", "--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}",
         "-where", "1=1", "-fid", "1", f"OAPIF:{live_server}/ogc?access_token={token}", "villages"],
        capture_output=True, text=True, timeout=120)
    assert one.returncode == 0, one.stderr
    assert "MULTIPOLYGON" in one.stdout or "POLYGON" in one.stdout
