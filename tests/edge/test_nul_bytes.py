"""A NUL byte never reaches SQL as text: %00 in the path or query is a 400 at the edge, and a NUL (or
an out-of-range number) that does reach the driver on a one-statement path is a 422 (issue 14.10)."""
import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from api.db import one_row
from api.main import create_app

NUL = {"code": "request.nul_byte", "params": {}}


@pytest.mark.parametrize("url", [
    "/tiles/%00/1/2/3.mvt",            # a path parameter that reached SQL as text (was a 500)
    "/tiles/beats%00/1/2/3.mvt",
    "/api/visits/%00",
    "/api/search?q=%00",               # a query value
    "/api/search?q=Zhang%00San",
    "/ogc/collections/beats/items?bbox=1,2,3,4&access_token=%00",
    "/api/lookup?lon=118.5&lat=37.4%00",
])
def test_a_nul_byte_in_the_address_is_400_with_a_code(client, login, url):
    r = client.get(url, headers=login("officer1"))
    assert r.status_code == 400, r.text
    assert {k: r.json()[k] for k in ("code", "params")} == NUL
    assert "NUL" in r.json()["detail"]


def test_a_nul_byte_is_refused_before_authentication(client):
    r = client.get("/tiles/%00/1/2/3.mvt")
    assert r.status_code == 400 and r.json()["code"] == "request.nul_byte"


def test_a_nul_byte_in_a_form_value_is_422_not_500(client):
    r = client.post("/api/auth/token", data={"username": "officer\x001", "password": "x"})
    assert r.status_code == 422
    assert r.json()["code"] == "request.nul_byte"


def test_a_nul_byte_reaching_psycopg_on_a_one_statement_path_is_422(settings):
    """lookup and tiles run one statement each (api.db.one_row): the driver's DataError is translated too."""
    app = create_app(settings)

    @app.get("/api/test-driver-nul")
    async def driver_nul(request: Request) -> dict:
        return await one_row(request, "SELECT CAST(:v AS text) AS v", {"v": "a\x00b"})

    @app.get("/api/test-driver-range")
    async def driver_range(request: Request) -> dict:
        return await one_row(request, "SELECT CAST(:v AS int) AS v", {"v": 2**40})

    with TestClient(app) as c:
        for url, code in (("/api/test-driver-nul", "request.nul_byte"), ("/api/test-driver-range", "db.value")):
            r = c.get(url)
            assert r.status_code == 422, r.text
            assert r.json()["code"] == code
