"""Compressed answers (issue 22): gzip for clients that accept it, nothing for those that don't."""
import gzip

import httpx
from fastapi.testclient import TestClient

from api.main import FRONTEND


def _raw_get(client: TestClient, url: str, encoding: str) -> httpx.Response:
    """The answer as sent (TestClient would decode it): stream it and read the raw bytes."""
    with client.stream("GET", url, headers={"Accept-Encoding": encoding}) as r:
        r.raw_bytes = b"".join(r.iter_raw())
        return r


def test_scripts_and_styles_are_gzipped_for_clients_that_accept_it(app):
    client = TestClient(app)
    for url, path in (("/js/main.js", FRONTEND / "js" / "main.js"),
                      ("/js/i18n/zh-CN/base.js", FRONTEND / "js" / "i18n" / "zh-CN" / "base.js"),
                      ("/vendor/leaflet/dist/leaflet.js", FRONTEND / "node_modules/leaflet/dist/leaflet.js")):
        r = _raw_get(client, url, "gzip")
        assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip", url
        assert gzip.decompress(r.raw_bytes) == path.read_bytes(), url
        if path.stat().st_size > 20_000:
            assert len(r.raw_bytes) < path.stat().st_size / 2, url  # text compresses well over half
        plain = _raw_get(client, url, "identity")
        assert "content-encoding" not in plain.headers and plain.raw_bytes == path.read_bytes(), url


def test_small_and_json_answers(app, client, login):
    r = _raw_get(TestClient(app), "/api/health", "gzip")
    assert "content-encoding" not in r.headers  # under 1 KB: not worth a gzip header
    big = client.get("/api/beats", headers={**login("chief"), "Accept-Encoding": "gzip"})
    assert big.status_code == 200 and big.headers.get("content-encoding") == "gzip"
    assert big.json()["type"] == "FeatureCollection"  # decoded by the client as a browser would
