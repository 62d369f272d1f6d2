"""The buildings layer version (api/tiles/sql/layer_version.sql) follows exactly the columns that tiles, the OGC
API and the repeat-locations cache read: an owner or use correction keeps every building tile and its ETag, a
change of anything drawn or published invalidates them."""
import re

from sqlalchemy import text

from api.analytics import repeats
from api.ogc.queries import COLLECTION_SOURCES
from api.plans import queries as plan_queries
from api.tiles import queries as tile_queries
from tests.tiles.test_tiles import _get, tile_of
from tests.visits.places import beat_of, household_in

VERSION = "SELECT version FROM layer_version WHERE layer = 'buildings'"

# the columns the building trigger fires on (UPDATE OF …)
TRIGGER_COLUMNS = """
SELECT a.attname FROM pg_trigger t JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = ANY(t.tgattr)
WHERE t.tgname = 'building_bump_layer_buildings'
"""


def _read_columns(sql: str) -> set[str]:
    return set(re.findall(r"\bb\.([a-z_]+)", sql))


def test_every_building_column_a_versioned_reader_reads_bumps_the_version(app_conn):
    """A reader keyed by the buildings version reading a column the trigger ignores would serve stale data."""
    readers = [tile_queries.BUILDINGS_DETAIL, tile_queries.BUILDINGS_LIGHT, tile_queries.BUILDINGS_AGGREGATE,
               COLLECTION_SOURCES["buildings"], repeats.BUILDINGS,
               # kept per version by api/plans/shapes.py (BUILDING_BEATS names buildings `bu`)
               plan_queries.UNCOVERED_BUILDINGS, plan_queries.BUILDING_BEATS.replace("bu.", "b.")]
    read = set().union(*(_read_columns(sql) for sql in readers))
    assert {"footprint", "centroid", "kind", "address", "station_id"} <= read  # the parsing finds them
    fired = set(app_conn.execute(text(TRIGGER_COLUMNS)).scalars())
    assert read <= fired, f"add {sorted(read - fired)} to the building trigger's UPDATE OF list"
    assert not {"use", "owner_name", "owner_phone", "owner_person_id"} & fired


def test_an_owner_or_use_correction_keeps_the_building_tiles(client, login, app_conn):
    headers = login("officer1")
    home = household_in(app_conn, beat_of(app_conn, "officer1"))
    lon, lat = app_conn.execute(text("SELECT ST_X(centroid), ST_Y(centroid) FROM building WHERE id = :b"),
                                {"b": home.building_id}).one()
    x, y = tile_of(lon, lat, 16)
    first = _get(client, headers, "buildings", 16, x, y)
    assert first.status_code == 200
    etag, version = first.headers["etag"], app_conn.execute(text(VERSION)).scalar_one()
    r = client.patch(f"/api/buildings/{home.building_id}", headers=headers,
                     json={"use": "rental", "owner_name": "李业主", "owner_phone": "13700001234"})
    assert r.status_code == 200, r.text
    assert app_conn.execute(text(VERSION)).scalar_one() == version
    again = _get(client, {**headers, "If-None-Match": etag}, "buildings", 16, x, y)
    assert again.status_code == 304
    # an address correction is published by the OGC API: it does change the version and the ETag
    app_conn.execute(text("UPDATE building SET address = address || '甲' WHERE id = :b"), {"b": home.building_id})
    assert app_conn.execute(text(VERSION)).scalar_one() > version
    assert _get(client, {**headers, "If-None-Match": etag}, "buildings", 16, x, y).status_code == 200
