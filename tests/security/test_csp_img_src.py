"""The app's CSP allows images only from itself, data:/blob: and the configured basemap (issue 14, item 6).

`img-src *` let injected markup fetch any address; with the tooltips fixed it is the second line of defence.
"""
from fastapi.testclient import TestClient

from api.main import create_app
from api.middleware import basemap_origin


def img_src(policy: str) -> list[str]:
    return next(p for p in policy.split(";") if p.strip().startswith("img-src")).split()[1:]


def test_img_src_is_self_data_blob_without_a_basemap(settings):
    app = create_app(settings.model_copy(update={"basemap_url": ""}))
    r = TestClient(app).get("/")
    assert img_src(r.headers["content-security-policy"]) == ["'self'", "data:", "blob:"]


def test_img_src_adds_only_the_basemap_origin(settings):
    app = create_app(settings.model_copy(update={"basemap_url": "https://pgis.example:8443/wmts/{z}/{x}/{y}.png"}))
    r = TestClient(app).get("/")
    assert img_src(r.headers["content-security-policy"]) == ["'self'", "data:", "blob:", "https://pgis.example:8443"]


def test_basemap_origin_forms():
    assert basemap_origin("http://{s}.tile.example/{z}/{x}/{y}.png") == " http://*.tile.example"
    assert basemap_origin("/tiles/{z}/{x}/{y}.png") == ""  # served by the app: 'self'
    assert basemap_origin("https://x.example;script-src *") == " https:"  # never text that adds a directive
    assert basemap_origin("javascript:alert(1)") == ""
