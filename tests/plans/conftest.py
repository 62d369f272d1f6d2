"""A small synthetic station for plan tests, built inside the test's rolled-back transaction.

Station 测试所 covers lon 100.00–100.03, lat 30.00–30.02 (far from the demo district): six villages in a
3 × 2 grid (the first a community), four buildings per village with households and residents, and a
published plan of three beats, one per column: B1 (urban), B2, B3 (rural). Users t_planner, t_chief and
t_officer (member of B1) belong to it.
"""

import functools
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Connection

import api.models  # noqa: F401  (complete metadata: flushes sort tables by foreign keys)
from api.auth.passwords import hash_password
from geo.idnumber import make

PASSWORD = "plan-test-password"
LON0, LAT0, STEP = 100.0, 30.0, 0.01


def square(lon: float, lat: float, size: float) -> str:
    """WKT polygon of a square with its south-west corner at (lon, lat)."""
    return (
        f"POLYGON(({lon} {lat},{lon + size} {lat},{lon + size} {lat + size},{lon} {lat + size},{lon} {lat}))"
    )


def column_wkt(col: int) -> str:
    x = LON0 + col * STEP
    top = LAT0 + 2 * STEP
    return f"MULTIPOLYGON((({x} {LAT0},{x + STEP} {LAT0},{x + STEP} {top},{x} {top},{x} {LAT0})))"


def polygon_geojson(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }


def column_geojson(col: int, *, extra_east: float = 0.0) -> dict:
    x = LON0 + col * STEP
    return polygon_geojson(x, LAT0, x + STEP + extra_east, LAT0 + 2 * STEP)


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def _one(conn: Connection, sql: str, **params):
    return conn.execute(text(sql), params).scalar_one()


@pytest.fixture()
def mini(app_conn: Connection) -> dict:
    """Ids of the synthetic station, its villages, buildings, beats and plan."""
    c = app_conn
    jurisdiction = (
        f"MULTIPOLYGON((({LON0} {LAT0},{LON0 + 3 * STEP} {LAT0},{LON0 + 3 * STEP} {LAT0 + 2 * STEP},"
        f"{LON0} {LAT0 + 2 * STEP},{LON0} {LAT0})))"
    )
    station = _one(
        c,
        "INSERT INTO station (code, name, jurisdiction) VALUES ('T-PLAN', '测试所', "
        "ST_GeomFromText(:g, 4326)) RETURNING id",
        g=jurisdiction,
    )
    pw = _password_hash()
    users = {}
    for username, role in (("t_planner", "planner"), ("t_chief", "station_chief"), ("t_officer", "officer")):
        users[username] = _one(
            c,
            "INSERT INTO app_user (username, display_name, role, station_id, password_hash)"
            " VALUES (:u, :d, :r, :s, :p) RETURNING id",
            u=username,
            d=username,
            r=role,
            s=station,
            p=pw,
        )
    plan = _one(
        c,
        "INSERT INTO beat_plan (station_id, name, status, published_at) "
        "VALUES (:s, '现行方案', 'published', now() - interval '30 days') RETURNING id",
        s=station,
    )
    beats = {}
    for col in range(3):
        code = f"B{col + 1}"
        beats[code] = _one(
            c,
            "INSERT INTO beat (plan_id, code, name, kind, geom) VALUES "
            "(:p, :code, :name, :kind, ST_GeomFromText(:g, 4326)) RETURNING id",
            p=plan,
            code=code,
            name=f"警务区{col + 1}",
            kind="urban" if col == 0 else "rural",
            g=column_wkt(col),
        )
    c.execute(
        text("INSERT INTO beat_member (beat_id, user_id, duty) VALUES (:b, :u, 'officer')"),
        {"b": beats["B1"], "u": users["t_officer"]},
    )
    villages, buildings = {}, {}
    person_seq = 0
    for row in range(2):
        for col in range(3):
            key = f"V{col}{row}"
            lon, lat = LON0 + col * STEP, LAT0 + row * STEP
            villages[key] = _one(
                c,
                "INSERT INTO village (station_id, code, name, kind, geom) VALUES "
                "(:s, :code, :name, :kind, ST_Multi(ST_GeomFromText(:g, 4326))) RETURNING id",
                s=station,
                code=f"T-{key}",
                name=f"测试村{key}",
                kind="community" if key == "V00" else "village",
                g=square(lon, lat, STEP),
            )
            for i in range(4):
                bx, by = lon + 0.002 + (i % 2) * 0.004, lat + 0.002 + (i // 2) * 0.004
                b = _one(
                    c,
                    "INSERT INTO building (station_id, village_id, address, footprint, floors, units, kind)"
                    " VALUES (:s, :v, :a, ST_GeomFromText(:g, 4326), 3, 1, 'residential') RETURNING id",
                    s=station,
                    v=villages[key],
                    a=f"测试村{key}{i + 1}号",
                    g=square(bx, by, 0.0004),
                )
                buildings[f"{key}-{i}"] = b
                for h in range(col + 1):  # eastern villages have more households
                    hh = _one(
                        c,
                        "INSERT INTO household (building_id, unit, floor, room, kind, beat_id) VALUES "
                        "(:b, 1, 1, :room, 'owner', :beat) RETURNING id",
                        b=b,
                        room=f"10{h}",
                        beat=beats[f"B{col + 1}"],
                    )
                    for p in range(2):
                        birth = date(1930, 1, 1) + timedelta(days=person_seq)
                        gender = "M" if p == 0 else "F"
                        id_number = make("659001", birth, person_seq % 400, gender)
                        person_seq += 1
                        c.execute(
                            text(
                                "INSERT INTO person (household_id, name, id_number, gender, birth_date,"
                                " residency, tags)"
                                " VALUES (:h, :n, :id, :g, :bd, :r, :tags)"
                            ),
                            {
                                "h": hh,
                                "n": f"测试{person_seq}",
                                "id": id_number,
                                "g": gender,
                                "bd": birth,
                                "r": "floating" if p == 1 and h == 0 else "registered",
                                "tags": ["key_person"] if (h, p, i) == (0, 0, 0) else [],
                            },
                        )
            c.execute(
                text(
                    "INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location,"
                    " status) VALUES (:s, now() - interval '10 days', now() - interval '10 days', 'theft',"
                    " '110', ST_SetSRID(ST_MakePoint(:x, :y), 4326), 'closed')"
                ),
                {"s": station, "x": lon + 0.005, "y": lat + 0.005},
            )
    c.execute(
        text(
            "INSERT INTO dispute (station_id, title, category, grade, status, level, location, reported_at)"
            " VALUES (:s, '测试纠纷', 'land', 'red', 'open', 'village',"
            " ST_SetSRID(ST_MakePoint(:x, :y), 4326),"
            " now())"
        ),
        {"s": station, "x": LON0 + 2.5 * STEP, "y": LAT0 + 0.5 * STEP},
    )
    return {
        "station": station,
        "plan": plan,
        "beats": beats,
        "villages": villages,
        "buildings": buildings,
        "users": users,
    }


@pytest.fixture()
def as_user(client: TestClient, mini: dict) -> Callable[[str], dict[str, str]]:
    """as_user("t_planner") → auth headers (no cache: these users live only in this test)."""
    tokens: dict[str, str] = {}

    def _login(username: str) -> dict[str, str]:
        if username not in tokens:
            r = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            tokens[username] = r.json()["access_token"]
        return {"Authorization": f"Bearer {tokens[username]}"}

    return _login


@pytest.fixture()
def draft(client: TestClient, as_user) -> dict:
    """A draft made by the planner from the current plan."""
    r = client.post("/api/plans", json={"name": "测试草案"}, headers=as_user("t_planner"))
    assert r.status_code == 201, r.text
    return r.json()


def beat_feature(plan: dict, code: str) -> dict:
    """The feature of beat `code` in a plan response."""
    return next(f for f in plan["beats"]["features"] if f["properties"]["code"] == code)


def touch(client: TestClient, headers: dict[str, str], plan: dict, code: str = "B3", name: str = "改名") -> None:
    """Rename a beat of the draft: publishing needs a change (409 plan.no_changes otherwise)."""
    f = beat_feature(plan, code)
    r = client.put(f"/api/plans/{plan['id']}/beats/{f['id']}", json={"name": name},
                   headers={**headers, "If-Match": str(f["properties"]["version"])})
    assert r.status_code == 200, r.text
