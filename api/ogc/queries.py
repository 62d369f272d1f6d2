"""SQL of OGC API – Features: per collection, the rows as GeoJSON features built by PostGIS.

Each collection is a named SELECT (`id`, `geom`, `props`) over a non-personal table; the builders wrap
it with a bbox filter, paging and the FeatureCollection aggregate. Only these constants are composed —
values are always bound parameters.
"""

COLLECTION_SOURCES = {
    "stations": """
SELECT s.id, s.jurisdiction AS geom,
       jsonb_build_object('id', s.id, 'code', s.code, 'name', s.name, 'address', s.address) AS props
FROM station s
""",
    "beats": """
SELECT b.id, b.geom,
       jsonb_build_object('id', b.id, 'code', b.code, 'name', b.name, 'kind', b.kind,
                          'station_id', p.station_id, 'plan_id', p.id, 'version', b.version) AS props
FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
""",
    "villages": """
SELECT v.id, v.geom,
       jsonb_build_object('id', v.id, 'code', v.code, 'name', v.name, 'kind', v.kind,
                          'station_id', v.station_id) AS props
FROM village v
""",
    "buildings": """
SELECT b.id, b.footprint AS geom,
       jsonb_build_object('id', b.id, 'address', b.address, 'std_address_code', b.std_address_code,
                          'kind', b.kind, 'floors', b.floors, 'units', b.units, 'built_year', b.built_year,
                          'village_id', b.village_id, 'station_id', b.station_id) AS props
FROM building b
""",
}

_FEATURE = ("jsonb_build_object('type', 'Feature', 'id', c.id, 'geometry', ST_AsGeoJSON(c.geom, 7)::jsonb,"
            " 'properties', c.props)")
_BBOX = " WHERE ST_Intersects(c.geom, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))"

EXTENT = """
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(c.geom) AS e FROM ({source}) c) x
"""


def items_sql(collection: str, *, bbox: bool) -> str:
    """numberMatched and one page of features (ordered by id) of a collection, optionally in a bbox."""
    # the source twice, not one CTE: a CTE read twice is materialised, i.e. every row's properties built
    # (200k buildings: 3-4 s); inlined, the count reads no property and the page builds only its own rows
    source = COLLECTION_SOURCES[collection]
    where = _BBOX if bbox else ""
    return (
        f"SELECT (SELECT count(*) FROM ({source}) c{where}) AS matched,\n"
        f"       (SELECT coalesce(jsonb_agg({_FEATURE} ORDER BY c.id), '[]')::text\n"
        f"        FROM (SELECT c.* FROM ({source}) c{where} ORDER BY c.id LIMIT :limit OFFSET :offset) c)"
        " AS features"
    )


def item_sql(collection: str) -> str:
    """One feature of a collection by id: its id, geometry and properties as JSON texts."""
    return ("SELECT c.id, coalesce(ST_AsGeoJSON(c.geom, 7)::jsonb::text, 'null') AS geometry,"
            " c.props::text AS properties"
            f" FROM ({COLLECTION_SOURCES[collection]}) c WHERE c.id = :id")


def extent_sql(collection: str) -> str:
    """The lon/lat bounding box of a collection."""
    return EXTENT.format(source=COLLECTION_SOURCES[collection])
