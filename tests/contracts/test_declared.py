"""Every API route declares the model of its success body, in the code and in the OpenAPI description."""
import pytest

from tests.contracts.conftest import api_routes, declared_model

# files rather than JSON documents: declared by media type, not by a model
FILES = {
    ("GET", "/api/export/residents.csv"): "a CSV download",
    ("GET", "/api/export/{layer}.csv"): "a CSV download",
    ("GET", "/api/audit.csv"): "a CSV download",
    ("GET", "/api/analytics/report.xlsx"): "an XLSX download",
    ("GET", "/api/reports/weekly.xlsx"): "an XLSX download",
    ("GET", "/api/export/beat/{beat_id}/map.html"): "a standalone HTML document",
    ("GET", "/tiles/{layer}/{z}/{x}/{y}.mvt"): "a binary Mapbox vector tile",
    ("GET", "/api/photos/{photo_id}"): "an image (JPEG, PNG or WebP)",
}
NO_CONTENT = 204


def _operations(app):
    for path, methods, _, route in api_routes(app):
        if not route.include_in_schema or not path.startswith(("/api", "/ogc", "/tiles")):
            continue
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            yield method, path, route


def test_every_route_declares_its_success_body(app):
    missing = []
    for method, path, route in _operations(app):
        if route.status_code == NO_CONTENT or (method, path) in FILES:
            continue
        if declared_model(route) is None:
            missing.append(f"{method} {path}")
    assert not missing, ("routes without a declared response model (response_model=… or "
                         "responses={200: {'model': …}}, see docs/CONVENTIONS.md):\n" + "\n".join(missing))


def test_the_openapi_description_has_a_schema_for_every_success_body(app):
    document = app.openapi()
    missing = []
    for path, item in document["paths"].items():
        if not path.startswith(("/api", "/ogc", "/tiles")):
            continue
        for method, operation in item.items():
            success = {code: r for code, r in operation["responses"].items() if code in ("200", "201")}
            if not success:
                assert "204" in operation["responses"], f"{method.upper()} {path}: no success response"
                continue
            for code, response in success.items():
                for media, content in response.get("content", {}).items():
                    schema = content.get("schema") or {}
                    if (method.upper(), path) in FILES:
                        assert not media.endswith("json"), f"{method.upper()} {path} lists {media}"
                    elif not ("$ref" in schema or schema.get("type") == "array" and "$ref" in schema["items"]
                              or schema.get("properties")
                              # one of several declared models (e.g. heat's GeoJSON or compact form)
                              or schema.get("anyOf") and all("$ref" in s for s in schema["anyOf"])):
                        missing.append(f"{method.upper()} {path} {code} {media}: {schema}")
    assert not missing, "success bodies without a schema in OpenAPI:\n" + "\n".join(missing)


@pytest.mark.parametrize(("method", "path"), sorted(FILES))
def test_the_file_allowlist_names_real_routes(app, method, path):
    assert any(m == method and p == path for m, p, _ in _operations(app)), f"{method} {path} is gone"
