"""A small synthetic station inside the test's rolled-back transaction, with known incidents.

The demo seed is not needed: station T-ANA (lon 117.00–117.06, lat 36.00–36.05) with two current
beats, a few households and residents, 1,200 incidents with a hotspot, disputes, an officer with
visits, and accounts `ana_leader`, `ana_chief`, `ana_officer`, `ana_grid` (demo password).
"""
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import text

import api.models  # noqa: F401  (the login flush resolves app_user → station)
from api.analytics.filters import LOCAL_TZ
from api.auth.passwords import hash_password
from geo.idnumber import make as make_id_number
from tests.conftest import DEMO_PASSWORD

STATION = "T-ANA"
WEST = "POLYGON((117.00 36.00, 117.03 36.00, 117.03 36.05, 117.00 36.05, 117.00 36.00))"
EAST = "POLYGON((117.03 36.00, 117.06 36.00, 117.06 36.05, 117.03 36.05, 117.03 36.00))"
CATEGORIES = ("theft", "fraud", "fight", "traffic")
HOT = (117.015, 36.02)  # a burglary cluster in the west beat


@dataclass
class District:
    station_id: int
    beat_ids: dict[str, int]
    incidents: list[dict] = field(default_factory=list)
    person_names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    id_numbers: list[str] = field(default_factory=list)
    dispute_titles: list[str] = field(default_factory=list)


def _one(conn, sql: str, **params):
    return conn.execute(text(sql), params).scalar_one()


def _incidents(rng: np.random.Generator) -> list[dict]:
    """1,200 incidents over 2025-01-01 … 2025-12-31 local: 300 clustered at HOT, the rest uniform."""
    n, hot = 1200, 300
    lon = np.concatenate([rng.normal(HOT[0], 0.0015, hot), rng.uniform(117.001, 117.059, n - hot)])
    lat = np.concatenate([rng.normal(HOT[1], 0.0015, hot), rng.uniform(36.001, 36.049, n - hot)])
    start = datetime(2025, 1, 1, tzinfo=LOCAL_TZ)
    minutes = rng.integers(0, 365 * 24 * 60, n)
    cats = rng.choice(CATEGORIES, n, p=[0.4, 0.3, 0.2, 0.1])
    cats[:hot] = "theft"
    return [
        {"lon": float(x), "lat": float(y), "category": str(c),
         "occurred_at": (start + timedelta(minutes=int(m))).astimezone(UTC)}
        for x, y, c, m in zip(lon, lat, cats, minutes, strict=True)
    ]


def _user(conn, username: str, role: str, station_id: int | None, password_hash: str) -> int:
    return _one(conn, "INSERT INTO app_user (username, display_name, role, station_id, password_hash) "
                      "VALUES (:u, :d, :r, :s, :h) RETURNING id",
                u=username, d=f"测试{username}", r=role, s=station_id, h=password_hash)


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(DEMO_PASSWORD)


@pytest.fixture()
def district(app_conn, password_hash) -> District:
    """The synthetic station, loaded through the app role's connection of this test."""
    c = app_conn
    sid = _one(c, "INSERT INTO station (code, name, jurisdiction) VALUES (:code, '测试派出所', "
                  "ST_Multi(ST_Union(ST_GeomFromText(:w, 4326), ST_GeomFromText(:e, 4326)))) RETURNING id",
               code=STATION, w=WEST, e=EAST)
    leader = _user(c, "ana_leader", "leader", None, password_hash)
    _user(c, "ana_chief", "station_chief", sid, password_hash)
    officer = _user(c, "ana_officer", "officer", sid, password_hash)
    _user(c, "ana_grid", "grid_member", sid, password_hash)
    _user(c, "ana_planner", "planner", sid, password_hash)
    plan = _one(c, "INSERT INTO beat_plan (station_id, name, status, created_by, published_at) "
                   "VALUES (:s, '现行', 'published', :u, now()) RETURNING id", s=sid, u=leader)
    beats = {}
    for code, wkt, kind in (("T-ANA-01", WEST, "urban"), ("T-ANA-02", EAST, "rural")):
        beats[code] = _one(c, "INSERT INTO beat (plan_id, code, name, kind, geom) VALUES "
                              "(:p, :c, :n, :k, ST_Multi(ST_GeomFromText(:w, 4326))) RETURNING id",
                           p=plan, c=code, n=f"测试{code}", k=kind, w=wkt)
    c.execute(text("INSERT INTO beat_member (beat_id, user_id, duty) VALUES (:b, :u, 'officer')"),
              {"b": beats["T-ANA-01"], "u": officer})
    village = _one(c, "INSERT INTO village (station_id, code, name, kind, geom) VALUES "
                      "(:s, 'T-ANA-V1', '测试村', 'village', ST_Multi(ST_GeomFromText(:w, 4326))) "
                      "RETURNING id",
                   s=sid, w=WEST)
    building = _one(c, "INSERT INTO building (station_id, village_id, address, footprint, floors, units, "
                       "kind) VALUES (:s, :v, '测试路1号', "
                       "ST_Buffer(ST_SetSRID(ST_MakePoint(117.01, 36.01), 4326), 0.0002), 3, 1, "
                       "'residential') RETURNING id", s=sid, v=village)
    d = District(station_id=sid, beat_ids=beats)
    households = []
    for k in range(10):
        households.append(_one(c, "INSERT INTO household (building_id, unit, floor, room, kind, phone, "
                                  "beat_id) VALUES (:b, 1, :f, :r, 'owner', :ph, :beat) RETURNING id",
                               b=building, f=1 + k // 4, r=f"{k:03d}", ph=f"1391234{k:04d}",
                               beat=beats["T-ANA-01"]))
        d.phones.append(f"1391234{k:04d}")
    for k, hh in enumerate(households * 2):
        id_number = make_id_number("371602", date(1960 + k, 3, 4), 100 + k, "M" if k % 2 else "F")
        name = f"测试居民{k:02d}"
        tags = "{key_person}" if k == 0 else "{}"
        c.execute(text("INSERT INTO person (household_id, name, id_number, gender, birth_date, residency, "
                       "tags) VALUES (:h, :n, :i, :g, :b, :r, CAST(:t AS text[]))"),
                  {"h": hh, "n": name, "i": id_number, "g": "M" if k % 2 else "F",
                   "b": date(1960 + k, 3, 4), "r": "floating" if k % 5 == 0 else "registered", "t": tags})
        d.person_names.append(name)
        d.id_numbers.append(id_number)
    visit_day = datetime(2025, 11, 10, 10, tzinfo=LOCAL_TZ)
    for k, hh in enumerate(households[:6]):
        c.execute(text("INSERT INTO visit (household_id, user_id, visited_at) VALUES (:h, :u, :t)"),
                  {"h": hh, "u": officer, "t": visit_day + timedelta(days=k)})
    for k, (grade, status) in enumerate((("green", "resolved"), ("green", "open"), ("red", "closed"),
                                         ("yellow", "mediating"))):
        title = f"测试纠纷{k}号-张三与李四"
        dispute = _one(c, "INSERT INTO dispute (station_id, title, category, grade, status, level, beat_id, "
                          "household_id, reported_at) VALUES (:s, :t, 'neighbour', :g, :st, 'village', :b, "
                          ":h, :at) RETURNING id", s=sid, t=title, g=grade, st=status, b=beats["T-ANA-01"],
                       h=households[0], at=datetime(2025, 6, 1 + k, tzinfo=LOCAL_TZ))
        c.execute(text("INSERT INTO dispute_event (dispute_id, at, user_id, kind, text) "
                       "VALUES (:d, :at, :u, 'mediation', '调解')"),
                  {"d": dispute, "at": datetime(2025, 6, 10, tzinfo=LOCAL_TZ), "u": officer})
        d.dispute_titles.append(title)
    d.incidents = _incidents(np.random.default_rng(7))
    c.execute(text(
        "INSERT INTO incident (station_id, occurred_at, reported_at, category, source, location, beat_id,"
        " status, summary) VALUES (:s, :t, :t, :c, '110', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),"
        " :b, 'closed', '测试警情')"),
        [{"s": sid, "t": i["occurred_at"], "c": i["category"], "lon": i["lon"], "lat": i["lat"],
          "b": beats["T-ANA-01" if i["lon"] < 117.03 else "T-ANA-02"]} for i in d.incidents])
    return d


@pytest.fixture()
def as_user(client, district):
    """as_user("ana_leader") → bearer headers (fresh login: the accounts live only in this test)."""
    tokens: dict[str, str] = {}

    def _login(username: str) -> dict[str, str]:
        if username not in tokens:
            r = client.post("/api/auth/token", data={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            tokens[username] = r.json()["access_token"]
        return {"Authorization": f"Bearer {tokens[username]}"}

    return _login
