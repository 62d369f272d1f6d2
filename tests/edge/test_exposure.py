"""Only what the frontend loads is served from node_modules, and the API description is not public in
production (issue 14.12)."""
import re

import pytest
from fastapi.testclient import TestClient

from api.main import FRONTEND, create_app

CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


def _frontend_vendor_urls() -> set[str]:
    """Every /vendor/ address in index.html and the frontend's JS/CSS, plus the files the referenced
    stylesheets load with url(…) (read here independently of api/vendor.py)."""
    sources = [FRONTEND / "index.html", *FRONTEND.joinpath("js").rglob("*.js"),
               *FRONTEND.joinpath("css").rglob("*.css")]
    urls = {m for s in sources
            for m in re.findall(r"/vendor/[A-Za-z0-9@._/+-]+", s.read_text(encoding="utf-8"))}
    for css in [u for u in urls if u.endswith(".css")]:
        text = (FRONTEND / "node_modules" / css.removeprefix("/vendor/")).read_text(encoding="utf-8")
        folder = css.rsplit("/", 1)[0]
        urls |= {f"{folder}/{t}" for t in CSS_URL.findall(text)
                 if ":" not in t and not t.startswith(("#", "%23"))}
    return urls


@pytest.fixture(scope="module")
def anonymous(settings):
    if not (FRONTEND / "node_modules").is_dir():
        pytest.skip("frontend/node_modules is not installed (make setup)")
    with TestClient(create_app(settings)) as c:
        yield c


def test_every_vendor_file_the_frontend_references_is_served(anonymous):
    urls = _frontend_vendor_urls()
    assert len(urls) >= 8  # leaflet js/css and its images, three plugins
    for url in sorted(urls):
        assert anonymous.get(url).status_code == 200, url
    # Leaflet builds its marker image addresses from its stylesheet's folder
    for image in ("marker-icon-2x.png", "marker-shadow.png"):
        assert anonymous.get(f"/vendor/leaflet/dist/images/{image}").status_code == 200


@pytest.mark.parametrize("url", [
    "/vendor/leaflet/package.json",
    "/vendor/leaflet/dist/leaflet.js.map",
    "/vendor/leaflet/dist/leaflet-src.js",
    "/vendor/leaflet/README.md",
    "/vendor/leaflet.vectorgrid/dist/vectorgrid-api-docs.html",
    "/vendor/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.d.ts",
    "/vendor/lodash/package.json",
    "/vendor/.package-lock.json",
    "/vendor/leaflet/dist/../package.json",
    "/vendor/leaflet/dist/%2e%2e/package.json",
])
def test_the_rest_of_node_modules_is_404(anonymous, url):
    assert anonymous.get(url).status_code == 404


def test_api_description_is_open_in_development(anonymous):
    assert anonymous.get("/openapi.json").status_code == 200
    assert anonymous.get("/docs").status_code == 200
    assert anonymous.get("/redoc").status_code == 200


def test_api_description_is_not_served_in_production(settings):
    app = create_app(settings.model_copy(update={"env": "production", "secret": "s" * 48}))
    c = TestClient(app)  # no lifespan: production refuses to start with the seeded demo passwords
    for url in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        assert c.get(url).status_code == 404, url
    assert app.openapi()["paths"]  # the description still exists for the access-matrix tests
    assert c.get("/api/health").status_code == 200
