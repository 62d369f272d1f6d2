"""offline field work (issue 16): the lookup's visits carry their distance to the building

The history badge of a far visit read "0 米（偏远）": the lookup document's visits had `flagged_far` but no
`distance_m`, so the web app showed its fallback 0. `holomap_lookup` is re-created from migration 0014's
text with `'distance_m', round(vi.distance_m)::int` added to each visit (null when the visit had no
position); the downgrade restores 0014's text. Same signature, so CREATE OR REPLACE keeps the grants.

Revision ID: 0025
Revises: 0020
Create Date: 2026-12-04
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = "0025"
down_revision = "0020"
branch_labels = None
depends_on = None

LOOKUP = """
-- BEGIN FUNCTION holomap_lookup
CREATE OR REPLACE FUNCTION holomap_lookup(
  p_user_id integer, p_jti text, p_lon double precision, p_lat double precision,
  p_radius_m double precision, p_window_deg double precision, p_visits integer,
  p_incident_radius_m double precision, p_incident_days integer, p_client_addr text, p_request_id text, p_iat double precision)
RETURNS TABLE (status integer, user_id integer, username text, display_name text, role text,
               station_id integer, building_id bigint, nearest_m integer, body text)
LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  u record;
  pt geometry := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326);
  b_id bigint;
  doc text;
BEGIN
  SELECT * INTO u FROM holomap_begin_request(p_user_id, p_jti, p_iat);
  IF NOT FOUND THEN
    RETURN QUERY SELECT 401, NULL::integer, NULL::text, NULL::text, NULL::text, NULL::integer, NULL::bigint,
                        NULL::integer, NULL::text;
    RETURN;
  END IF;
  IF u.role NOT IN ('officer', 'auxiliary', 'grid_member', 'station_chief') THEN
    RETURN QUERY SELECT 403, u.id, u.username, u.display_name, u.role, u.station_id, NULL::bigint,
                        NULL::integer, NULL::text;
    RETURN;
  END IF;
  -- the building containing the point, else the nearest within the radius (the degree window lets
  -- the GiST index on footprint make the first cut)
  SELECT b.id INTO b_id FROM building b
  WHERE ST_DWithin(b.footprint, pt, p_window_deg)
    AND ST_Distance(b.footprint::geography, pt::geography) <= p_radius_m
  ORDER BY ST_Distance(b.footprint::geography, pt::geography), ST_Area(b.footprint), b.id
  LIMIT 1;
  IF b_id IS NULL THEN
    RETURN QUERY SELECT 404, u.id, u.username, u.display_name, u.role, u.station_id, NULL::bigint,
      (SELECT round(ST_Distance(b.footprint::geography, pt::geography))::integer
       FROM building b ORDER BY b.footprint <-> pt LIMIT 1), NULL::text;
    RETURN;
  END IF;
  -- scope: a household of the building in one of the user's beats (api/scope.py ensure_building)
  IF NOT EXISTS (SELECT 1 FROM household h WHERE h.building_id = b_id AND h.beat_id = ANY (u.beat_ids)) THEN
    RETURN QUERY SELECT 404, u.id, u.username, u.display_name, u.role, u.station_id, b_id, NULL::integer,
                        NULL::text;
    RETURN;
  END IF;
  SELECT json_build_object(
    'building', json_build_object(
      'id', b.id, 'address', b.address, 'std_address_code', b.std_address_code, 'kind', b.kind,
      'floors', b.floors, 'units', b.units, 'built_year', b.built_year,
      'lon', round(ST_X(b.centroid)::numeric, 7), 'lat', round(ST_Y(b.centroid)::numeric, 7),
      'village', (SELECT json_build_object('id', v.id, 'code', v.code, 'name', v.name, 'kind', v.kind)
                  FROM village v WHERE v.id = b.village_id),
      'beats', (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('id', bt.id, 'code', bt.code,
                                                                      'name', bt.name)), '[]')
                FROM household h JOIN beat bt ON bt.id = h.beat_id WHERE h.building_id = b.id)),
    'households', coalesce((
      SELECT json_agg(json_build_object(
        'id', h.id, 'unit', h.unit, 'floor', h.floor, 'room', h.room, 'kind', h.kind,
        'hukou_no', h.hukou_no, 'phone_masked', holomap_mask_phone(h.phone),
        'residents', coalesce((
          SELECT json_agg(json_build_object(
            'id', p.id, 'name', p.name, 'id_number_masked', holomap_mask_id(p.id_number),
            'age', date_part('year', age(current_date, p.birth_date))::int, 'gender', p.gender,
            'residency', p.residency, 'relation_to_head', p.relation_to_head, 'tags', p.tags,
            'phone_masked', holomap_mask_phone(p.phone)
          ) ORDER BY p.relation_to_head = '户主' DESC, p.birth_date, p.id)
          FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL), '[]'),
        'vehicles', coalesce((
          SELECT json_agg(json_build_object(
            'id', ve.id, 'plate_masked', holomap_mask_plate(ve.plate), 'kind', ve.kind, 'brand', ve.brand,
            'color', ve.color, 'owner_person_id', ve.owner_person_id) ORDER BY ve.id)
          FROM vehicle ve WHERE ve.household_id = h.id), '[]'),
        'visits', coalesce((
          SELECT json_agg(json_build_object(
            'id', vi.id, 'visited_at', vi.visited_at, 'by', au.display_name, 'follow_up', vi.follow_up,
            'flagged_far', vi.flagged_far, 'notes', vi.notes,
            'distance_m', round(vi.distance_m)::int) ORDER BY vi.visited_at DESC)
          FROM (SELECT * FROM visit WHERE household_id = h.id ORDER BY visited_at DESC LIMIT p_visits) vi
          LEFT JOIN app_user au ON au.id = vi.user_id), '[]'),
        'open_disputes', coalesce((
          SELECT json_agg(to_json(od) ORDER BY od.reported_at DESC) FROM (
SELECT d.id, d.title, d.category, d.grade, d.status, d.level, d.reported_at, d.next_return_visit
FROM dispute d
WHERE d.status IN ('open', 'mediating', 'escalated')
  AND d.id IN (SELECT dh.id FROM dispute dh WHERE dh.household_id = h.id
               UNION SELECT dp.dispute_id FROM dispute_party dp WHERE dp.household_id = h.id
               UNION SELECT dp.dispute_id FROM dispute_party dp JOIN person pp ON pp.id = dp.person_id
                     WHERE pp.household_id = h.id)
) od), '[]')
      ) ORDER BY h.unit, h.floor, h.room)
      FROM household h
      WHERE h.building_id = b.id AND h.beat_id + 0 = ANY (u.beat_ids)), '[]'),
    'incidents_nearby', coalesce((
      SELECT json_agg(json_build_object(
        'id', i.id, 'occurred_at', i.occurred_at, 'category', i.category, 'source', i.source,
        'status', i.status, 'summary', i.summary,
        'distance_m', round(ST_Distance(i.location::geography, b.centroid::geography))::int
      ) ORDER BY i.occurred_at DESC)
      FROM incident i
      WHERE ST_DWithin(i.location, b.centroid,
                       p_incident_radius_m / 111320.0 / greatest(cos(radians(ST_Y(b.centroid))), 0.01) * 1.01)
        AND ST_DWithin(i.location::geography, b.centroid::geography, p_incident_radius_m)
        AND i.occurred_at >= now() - make_interval(days => p_incident_days)), '[]')
  )::text INTO doc
  FROM building b WHERE b.id = b_id;
  -- the read is audited in the same transaction; a read's audit commit does not wait for the WAL flush
  -- (as api/places/service.commit_read_audit: durable within ~0.6 s, never half-written)
  INSERT INTO audit_log (user_id, username, action, object_type, object_id, outcome, client_addr, request_id)
  VALUES (u.id, u.username, 'lookup', 'building', b_id::text, 'ok', p_client_addr, p_request_id);
  PERFORM set_config('synchronous_commit', 'off', true);
  RETURN QUERY SELECT 200, u.id, u.username, u.display_name, u.role, u.station_id, b_id, NULL::integer, doc;
END $$;
-- END FUNCTION holomap_lookup
"""


def _migration(name: str):
    path = next(Path(__file__).parent.glob(f"*_{name}.py"))
    spec = importlib.util.spec_from_file_location(f"holomap_migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.execute(LOOKUP)


def downgrade() -> None:
    op.execute(_migration("0014_token_cutoff_login_throttle")._lookup_with_iat())
