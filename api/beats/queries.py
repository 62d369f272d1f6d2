"""SQL of the beats domain (current beats as GeoJSON)."""

# Beats of the published plan of a station (or of every station when :station_id is NULL), with their
# "1+1+N" members; `in_scope` marks the requesting user's beats so the map can outline them; `label` is a point
# inside the beat's largest part where the map writes its code (the bounding box's centre of an L-shaped beat
# can lie in a neighbour). A point on the surface, not the pole of inaccessibility of the plan screen: that
# cost 0.3 ms per beat, 0.6 s for the county's 2,000 beats; this 11 ms.
CURRENT_BEATS_GEOJSON = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
  'type', 'Feature', 'id', b.id,
  'geometry', ST_AsGeoJSON(b.geom, 7)::json,
  'properties', json_build_object(
    'id', b.id, 'code', b.code, 'name', b.name, 'kind', b.kind, 'version', b.version,
    'plan_id', p.id, 'station_id', p.station_id,
    'in_scope', b.id = ANY(CAST(:beats AS integer[])),
    'label', (SELECT json_build_array(round(ST_X(pt)::numeric, 7), round(ST_Y(pt)::numeric, 7))
              FROM (SELECT ST_PointOnSurface(d.geom) AS pt FROM ST_Dump(b.geom) d
                    ORDER BY ST_Area(d.geom) DESC LIMIT 1) l),
    'members', (SELECT coalesce(json_agg(json_build_object(
                  'user_id', u.id, 'username', u.username, 'display_name', u.display_name,
                  'duty', m.duty, 'phone', u.phone)
                ORDER BY array_position(ARRAY['officer', 'auxiliary', 'grid_member', 'mediator'],
                                        m.duty::text), u.username), '[]')
                FROM beat_member m JOIN app_user u ON u.id = m.user_id
                WHERE m.beat_id = b.id AND u.active))
) ORDER BY p.station_id, b.code), '[]'))::text
FROM beat b
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE CAST(:station_id AS integer) IS NULL OR p.station_id = :station_id
"""

# the beat with its plan, locked: two membership changes of one beat run one after the other
LOCK_BEAT = """
SELECT b.id, b.code, p.station_id, p.status
FROM beat b JOIN beat_plan p ON p.id = b.plan_id
WHERE b.id = :id
FOR UPDATE OF b
"""

MEMBER_USERS = """
SELECT id, username, display_name, role, station_id, active FROM app_user WHERE id = ANY(CAST(:ids AS integer[]))
"""

BEAT_MEMBERS = """
SELECT m.duty, u.id AS user_id, u.username, u.display_name
FROM beat_member m JOIN app_user u ON u.id = m.user_id
WHERE m.beat_id = :beat_id
ORDER BY m.duty, u.username
"""

DELETE_MEMBERS = "DELETE FROM beat_member WHERE beat_id = :beat_id"

# one statement for the whole set; the statement trigger of migration 0009 bumps the auth generation, so
# the members' scope changes on their next request
INSERT_MEMBERS = """
INSERT INTO beat_member (beat_id, user_id, duty)
SELECT :beat_id, m.user_id, m.duty
FROM unnest(CAST(:user_ids AS integer[]), CAST(:duties AS text[])) AS m(user_id, duty)
"""

BEAT_CODE = "SELECT code FROM beat WHERE id = :id"
