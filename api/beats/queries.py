"""SQL of the beats domain (current beats as GeoJSON)."""

# Beats of the published plan of a station (or of every station when :station_id is NULL), with their
# "1+1+N" members; `in_scope` marks the requesting user's beats so the map can outline them.
CURRENT_BEATS_GEOJSON = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
  'type', 'Feature', 'id', b.id,
  'geometry', ST_AsGeoJSON(b.geom, 7)::json,
  'properties', json_build_object(
    'id', b.id, 'code', b.code, 'name', b.name, 'kind', b.kind, 'version', b.version,
    'plan_id', p.id, 'station_id', p.station_id,
    'in_scope', b.id = ANY(CAST(:beats AS integer[])),
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
