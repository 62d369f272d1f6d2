"""Seeded buildings chosen by SQL for the map tests: in and out of officer1's beats, 1 vs many households."""
import pytest
from sqlalchemy import text

OFFICER_BEATS = """
SELECT b.id FROM beat_member m JOIN app_user u ON u.id = m.user_id
JOIN beat b ON b.id = m.beat_id JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE u.username = :username
"""

# a building by its number of households in (or out of) a set of beats, with a resident
BUILDING_BY_HOUSEHOLDS = """
SELECT b.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, b.address, count(DISTINCT h.id) AS households
FROM building b JOIN household h ON h.building_id = b.id
WHERE (h.beat_id = ANY(CAST(:beats AS integer[]))) = :inside
GROUP BY b.id
HAVING count(DISTINCT h.id) BETWEEN :min_households AND :max_households
   AND bool_or(EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL))
ORDER BY count(DISTINCT h.id) * :direction DESC, b.id
LIMIT 1
"""


def whole_households(client, headers: dict, lookup: dict, *, limit: int = 100) -> list[dict]:
    """The lookup's first page of households and the next pages (GET /api/buildings/{id}/households)."""
    households = list(lookup["households"])
    while len(households) < lookup["households_total"]:
        r = client.get(f"/api/buildings/{lookup['building']['id']}/households",
                       params={"offset": len(households), "limit": limit}, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["households"], "a page short of the total came back empty"
        households += r.json()["households"]
    return households


def rows(conn, sql: str, **params):
    return conn.execute(text(sql), params).mappings().all()


def one(conn, sql: str, **params):
    row = conn.execute(text(sql), params).mappings().first()
    # the seed is deterministic and has every case these fixtures look for: missing means a broken seed
    assert row is not None, "the seeded data has no such case: reseed the test database (holomap seed)"
    return row


@pytest.fixture()
def officer1_beats(app_conn) -> list[int]:
    beats = [r["id"] for r in rows(app_conn, OFFICER_BEATS, username="officer1")]
    assert beats, "officer1 has no beat in the seeded data"
    return beats


@pytest.fixture()
def big_building(app_conn, officer1_beats):
    """The building of officer1's beats with the most households."""
    return one(app_conn, BUILDING_BY_HOUSEHOLDS, beats=officer1_beats, inside=True,
               min_households=3, max_households=100_000, direction=1)


@pytest.fixture()
def small_building(app_conn, officer1_beats):
    """The building of officer1's beats with the fewest households."""
    return one(app_conn, BUILDING_BY_HOUSEHOLDS, beats=officer1_beats, inside=True,
               min_households=1, max_households=100_000, direction=-1)


@pytest.fixture()
def foreign_building(app_conn, officer1_beats):
    """A building with residents outside officer1's beats (but in the station)."""
    return one(app_conn, BUILDING_BY_HOUSEHOLDS, beats=officer1_beats, inside=False,
               min_households=1, max_households=100_000, direction=1)
