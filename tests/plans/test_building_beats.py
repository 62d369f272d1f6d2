"""The plan check's split villages and the diff's building moves and areas (issue 22) give the answers of the
statements they replaced: a probe of the plan's beats per building (the lowest covering beat id), residents
counted for every building of the station (not only the moving ones), and the intersection of every pair of
intersecting beats (touching ones too). On the demo station's published plan and on a draft whose beats were
reshaped (land moved between beats, and an overlap whose buildings go to the lowest id).
"""

from sqlalchemy import text

from api.plans import queries, shapes

# the statements before issue 22, word for word but for the residents of every building (the function that
# counted them was split into holomap_station_building_households and holomap_building_residents)
OLD_SPLIT_VILLAGES = """
WITH bb AS (
  SELECT b.village_id,
         (SELECT bt.code FROM beat bt WHERE bt.plan_id = :plan_id AND ST_Covers(bt.geom, b.centroid)
           ORDER BY bt.id LIMIT 1) AS code
  FROM building b WHERE b.station_id = :station_id
)
SELECT v.id, v.code, v.name, array_agg(DISTINCT bb.code ORDER BY bb.code) AS beats,
       ST_X(ST_PointOnSurface(v.geom)) AS lon, ST_Y(ST_PointOnSurface(v.geom)) AS lat
FROM bb JOIN village v ON v.id = bb.village_id
WHERE bb.code IS NOT NULL
GROUP BY v.id
HAVING count(DISTINCT bb.code) > 1
ORDER BY v.code
"""
OLD_BUILDING_MOVES = """
WITH nb AS (
  SELECT b.id, b.village_id, b.address, b.centroid,
         (SELECT bt.code FROM beat bt WHERE bt.plan_id = :plan_id AND ST_Covers(bt.geom, b.centroid)
           ORDER BY bt.id LIMIT 1) AS to_code
  FROM building b WHERE b.station_id = :station_id
), hh AS (
  SELECT c.building_id, ob.code AS from_code, sum(c.households)::int AS households, sum(r.residents) AS residents
  FROM holomap_station_building_households(:station_id) c
  JOIN holomap_building_residents(:station_id, ARRAY(SELECT id FROM building WHERE station_id = :station_id)) r
    ON r.building_id = c.building_id AND r.beat_id IS NOT DISTINCT FROM c.beat_id
  LEFT JOIN beat ob ON ob.id = c.beat_id
  GROUP BY c.building_id, ob.code
)
SELECT nb.id AS building_id, nb.address, nb.village_id, v.name AS village, hh.from_code, nb.to_code,
       hh.households, hh.residents, ST_X(nb.centroid) AS lon, ST_Y(nb.centroid) AS lat
FROM nb JOIN hh ON hh.building_id = nb.id
JOIN village v ON v.id = nb.village_id
WHERE hh.from_code IS DISTINCT FROM nb.to_code
ORDER BY v.code, nb.id, hh.from_code
"""
OLD_DIFF_AREAS = """
SELECT c.code AS from_code, d.code AS to_code, ST_Area(x.g::geography) AS area_m2,
       ST_AsGeoJSON(ST_SimplifyPreserveTopology(x.g, 0.00001), 6) AS geometry
FROM beat c
JOIN beat_plan cp ON cp.id = c.plan_id AND cp.status = 'published'
JOIN beat d ON d.plan_id = :plan_id AND d.code <> c.code AND ST_Intersects(c.geom, d.geom)
CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(c.geom, d.geom), 3) AS g) x
WHERE cp.station_id = :station_id AND NOT ST_IsEmpty(x.g) AND ST_Area(x.g::geography) > 1
ORDER BY c.code, d.code
"""


def _reshape(app_conn, plan_id):
    """Move the west half of the second beat to the first, and stretch the third over half of the fourth."""
    beats = app_conn.execute(text("SELECT id FROM beat WHERE plan_id = :p ORDER BY code"), {"p": plan_id}).scalars()
    a, b, c, d = list(beats)[:4]
    app_conn.execute(text("""
        WITH piece AS (
          SELECT ST_Intersection(geom, ST_MakeEnvelope(ST_XMin(geom), ST_YMin(geom),
                                                       (ST_XMin(geom) + ST_XMax(geom)) / 2, ST_YMax(geom), 4326)) AS g
          FROM beat WHERE id = :b
        )
        UPDATE beat SET geom = ST_Multi(ST_CollectionExtract(
          CASE WHEN id = :a THEN ST_Union(geom, piece.g) ELSE ST_Difference(geom, piece.g) END, 3))
        FROM piece WHERE id IN (:a, :b)"""), {"a": a, "b": b})
    app_conn.execute(text("""
        UPDATE beat SET geom = ST_Multi(ST_CollectionExtract(ST_Union(beat.geom, ST_Intersection(o.geom,
          ST_MakeEnvelope(ST_XMin(o.geom), ST_YMin(o.geom), ST_XMax(o.geom), (ST_YMin(o.geom) + ST_YMax(o.geom)) / 2,
                          4326))), 3))
        FROM beat o WHERE beat.id = :c AND o.id = :d"""), {"c": c, "d": d})


def _moves(app_conn, params):
    """queries.BUILDING_MOVES with the plan's BUILDING_BEATS as arrays (as shapes.PlanShapes keeps them)."""
    beats = app_conn.execute(text(queries.BUILDING_BEATS), params).all()
    arrays = {"building_ids": [b.building_id for b in beats], "beat_ids": [b.beat_id for b in beats]}
    return app_conn.execute(text(queries.BUILDING_MOVES), {**params, **arrays}).all()


def test_split_villages_and_moves_equal_the_per_building_probe(client, login, app_conn, monkeypatch):
    h = login("chief")
    published = next(p for p in client.get("/api/plans", headers=h).json() if p["status"] == "published")
    r = client.post("/api/plans", json={"name": "等价"}, headers=h)
    assert r.status_code == 201, r.text
    draft = r.json()["id"]
    _reshape(app_conn, draft)
    station = published["station_id"]
    moved = 0
    for plan_id in (published["id"], draft):
        params = {"plan_id": plan_id, "station_id": station}
        split = app_conn.execute(text(queries.SPLIT_VILLAGES), params).all()
        assert split == app_conn.execute(text(OLD_SPLIT_VILLAGES), params).all()
        moves = _moves(app_conn, params)
        assert moves == app_conn.execute(text(OLD_BUILDING_MOVES), params).all()
        moved += len(moves)
        areas = app_conn.execute(text(queries.DIFF_AREAS), params).all()
        assert areas == app_conn.execute(text(OLD_DIFF_AREAS), params).all()
        check = client.get(f"/api/plans/{plan_id}/check", headers=h).json()
        diff = client.get(f"/api/plans/{plan_id}/diff", headers=h).json()
        monkeypatch.setattr(queries, "SPLIT_VILLAGES", OLD_SPLIT_VILLAGES)
        monkeypatch.setattr(queries, "BUILDING_MOVES", OLD_BUILDING_MOVES)
        monkeypatch.setattr(queries, "DIFF_AREAS", OLD_DIFF_AREAS)
        shapes.SHAPES.clear()  # what the check and diff above kept: read again by the old statements
        assert client.get(f"/api/plans/{plan_id}/check", headers=h).json() == check
        assert client.get(f"/api/plans/{plan_id}/diff", headers=h).json() == diff
        monkeypatch.undo()
    # the draft really moves buildings (some with residents) and splits villages: the comparison is not empty
    assert moved > 0
    params = {"plan_id": draft, "station_id": station}
    assert app_conn.execute(text(queries.SPLIT_VILLAGES), params).all()
    assert any(m.residents for m in _moves(app_conn, params))
    assert app_conn.execute(text(queries.DIFF_AREAS), params).all()
