"""The error contract (docs/ERRORS.md): every error body is {detail, code, params}; request validation
adds errors: [{field, code, params, message}]; unknown routes, wrong methods and NUL characters answer
in the same shape; the OpenAPI document declares these bodies."""


def _shape(body: dict) -> None:
    assert isinstance(body["detail"], str) and isinstance(body["code"], str) and isinstance(body["params"], dict)


def test_validation_errors_are_objects_with_pydantic_codes(client, login):
    r = client.post("/api/persons/1/reveal", headers=login("officer1"), json={"reason": "x"})
    assert r.status_code == 422, r.text
    body = r.json()
    _shape(body)
    assert body["code"] == "request.validation" and "reason" in body["detail"]
    [problem] = body["errors"]
    assert problem["field"] == "reason" and problem["code"] == "string_too_short"
    assert problem["params"]["min_length"] == 2 and problem["message"]


def test_missing_field_and_query_type(client, login):
    r = client.get("/api/analytics/heat", headers=login("chief"), params={"size_m": "lots"})
    assert r.status_code == 422
    codes = {(e["field"], e["code"]) for e in r.json()["errors"]}
    assert ("query.size_m", "float_parsing") in codes or ("query.size_m", "int_parsing") in codes, codes


def test_unknown_route_and_method_answer_in_our_shape(client, login):
    r = client.get("/api/no-such-thing", headers=login("officer1"))
    assert r.status_code == 404 and r.json()["code"] == "route.not_found"
    _shape(r.json())
    r = client.delete("/api/me", headers=login("officer1"))
    assert r.status_code == 405 and r.json()["code"] == "route.method_not_allowed"
    _shape(r.json())


def test_missing_token_is_auth_required(client):
    r = client.get("/api/me")
    assert r.status_code == 401 and r.json()["code"] == "auth.required"
    assert r.headers["www-authenticate"] == "Bearer"


def test_nul_character_is_a_422_not_a_500(client, login):
    """psycopg refuses NUL in text parameters; that used to escape as a 500 on some paths. In the address
    (query string) the guard refuses it before any route runs (400); in a body value it is a 422."""
    r = client.get("/api/search", headers=login("officer1"), params={"q": "张\x00三"})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "request.nul_byte"
    # in a body value: tests/edge/test_nul_bytes.py (422 request.nul_byte)


def test_domain_error_carries_code_and_params(client, login):
    r = client.get("/api/visits/999999999", headers=login("officer1"))
    assert r.status_code == 404
    assert r.json()["code"] == "visit.not_in_scope" and r.json()["params"] == {"visit_id": 999999999}


def test_openapi_declares_the_error_bodies(client):
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and {"ErrorOut", "ValidationErrorOut"} <= set(schemas)
    assert schemas["ErrorOut"]["required"] == ["detail", "code", "params"]
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"422", "4XX", "5XX"} <= set(responses), (method, path)
            assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("ValidationErrorOut")
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), (method, path)


def test_non_finite_params_do_not_break_the_body():
    """JSON has no inf/NaN: such a value from a request is sent as text instead of failing the answer."""
    import json

    from api.errors import _json

    body = json.loads(_json(422, "bad", code="x.y", params={"size": float("inf"), "v": [float("nan"), 1]}).body)
    assert body["params"] == {"size": "inf", "v": ["nan", 1]}


def test_value_errors_about_nul_are_422_and_others_stay_500():
    """A NUL refused outside the database path (e.g. an os path: 'embedded null byte') is the user's
    input; any other ValueError is a bug and must not be dressed up as a 4xx."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from api.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/nul")
    def nul():
        raise ValueError("embedded null byte")

    @app.get("/bug")
    def bug():
        raise ValueError("something else")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/nul")
        assert r.status_code == 422 and r.json()["code"] == "request.nul_byte"
        assert c.get("/bug").status_code == 500
