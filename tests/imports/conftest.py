"""Fixtures of the import tests: a synthetic area created inside the test's transaction."""
import pytest

from api.imports.fixtures import SampleArea, create_area


@pytest.fixture()
def area(db) -> SampleArea:
    """Station, village, 20 buildings and a published beat, on the owner connection `db`."""
    return create_area(db, prefix="TIMP", n_buildings=20)


@pytest.fixture()
def app_area(app_conn) -> SampleArea:
    """The same area on the app role's connection that the API's sessions join."""
    return create_area(app_conn, prefix="TAPI", n_buildings=20, lon=118.6, lat=37.9)


@pytest.fixture()
def user_headers(client, app_conn):
    """user_headers("admin") → bearer headers of a throw-away user with that role (no seed needed)."""
    from sqlalchemy import text

    from api.auth.passwords import hash_password

    password = "import-test-password"
    digest = hash_password(password)

    def _headers(role: str, station_id: int | None = None, beat_id: int | None = None) -> dict[str, str]:
        username = f"imptest_{role}"
        user_id = app_conn.execute(text(
            "INSERT INTO app_user (username, display_name, role, station_id, password_hash) "
            "VALUES (:u, :d, :r, :s, :h) ON CONFLICT (username) DO UPDATE SET station_id = :s RETURNING id"),
            {"u": username, "d": username, "r": role, "s": station_id, "h": digest}).scalar_one()
        if beat_id is not None:
            duty = role if role in ("officer", "grid_member") else "auxiliary"
            app_conn.execute(text("INSERT INTO beat_member (beat_id, user_id, duty) VALUES (:b, :u, :d) "
                                  "ON CONFLICT DO NOTHING"), {"b": beat_id, "u": user_id, "d": duty})
        r = client.post("/api/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return _headers
