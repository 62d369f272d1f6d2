"""fast scope: index-friendly beats-in-scope functions and a space+time index on incidents

At county scale (2,000 beats, 2M incidents) a chief's lookup took ~8 ms in SQL, for two reasons:

- `holomap_scope_beats()` joined app_user × beat_plan × beat with an OR of the chief and the member
  branch; no index serves an OR across two tables, so every call hashed all 2,000 beats (~0.5 ms). RLS
  evaluates it once per policy instance, and a lookup has about ten (persons, vehicles, visits,
  dispute parties of each household sub-select): ~5 ms. `holomap_begin_request` and
  `holomap_user_beats` had the same OR. Each is now split by role: a chief reads the station's
  published plans through `beat_plan`/`ix_beat_plan_id`, members their `beat_member` rows by user id.
  Same rows, same order, same SECURITY DEFINER and search_path.
- incidents nearby (200 m, 90 days) ANDed the GiST bitmap with a bitmap of every incident of the last
  90 days (~166k entries, ~4 ms). A GiST index on (location, occurred_at) (btree_gist, a trusted
  extension the database owner may create) answers both conditions in one scan.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
MEMBER_ROLES = "('officer', 'auxiliary', 'grid_member')"

FAST = f"""
CREATE OR REPLACE FUNCTION holomap_user_beats(p_user_id integer) RETURNS TABLE (id integer, code text)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT b.id, b.code::text FROM (
    SELECT b.id FROM app_user u JOIN beat_plan p ON p.station_id = u.station_id AND p.status = 'published'
    JOIN beat b ON b.plan_id = p.id
    WHERE u.id = p_user_id AND u.active AND u.role = 'station_chief'
    UNION
    SELECT m.beat_id FROM app_user u JOIN beat_member m ON m.user_id = u.id
    JOIN beat b ON b.id = m.beat_id JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
    WHERE u.id = p_user_id AND u.active AND u.role IN {MEMBER_ROLES}
  ) s JOIN beat b ON b.id = s.id
  ORDER BY b.code, b.id
$$;

CREATE OR REPLACE FUNCTION holomap_scope_beats() RETURNS integer[]
LANGUAGE plpgsql STABLE {DEFINER} AS $$
DECLARE
  u_id integer := holomap_request_user();
  u_role text;
  u_station integer;
  result integer[];
BEGIN
  SELECT a.role, a.station_id INTO u_role, u_station FROM app_user a WHERE a.id = u_id AND a.active;
  IF NOT FOUND THEN
    RETURN '{{}}';
  END IF;
  IF u_role = 'station_chief' THEN
    SELECT coalesce(array_agg(b.id ORDER BY b.id), '{{}}') INTO result
    FROM beat_plan p JOIN beat b ON b.plan_id = p.id
    WHERE p.station_id = u_station AND p.status = 'published';
  ELSIF u_role IN {MEMBER_ROLES} THEN
    SELECT coalesce(array_agg(DISTINCT b.id ORDER BY b.id), '{{}}') INTO result
    FROM beat_member m JOIN beat b ON b.id = m.beat_id JOIN beat_plan p ON p.id = b.plan_id
    WHERE m.user_id = u_id AND p.status = 'published';
  ELSE
    result := '{{}}';
  END IF;
  RETURN result;
END $$;

CREATE OR REPLACE FUNCTION holomap_begin_request(p_user_id integer, p_jti text)
RETURNS TABLE (id integer, username text, display_name text, role text, station_id integer,
               beat_ids integer[], beat_codes text[])
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
  u app_user%ROWTYPE;
  ids integer[] := '{{}}';
  codes text[] := '{{}}';
BEGIN
  IF p_jti IS NULL OR EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = p_jti) THEN
    RETURN;
  END IF;
  SELECT * INTO u FROM app_user a WHERE a.id = p_user_id AND a.active;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM set_config('holomap.user_id', u.id::text, true), set_config('holomap.role', u.role, true);
  -- the beats queries inline, one per role kind (plpgsql caches their plans; each uses an index)
  IF u.role = 'station_chief' THEN
    SELECT coalesce(array_agg(b.id ORDER BY b.code, b.id), '{{}}'),
           coalesce(array_agg(b.code::text ORDER BY b.code, b.id), '{{}}') INTO ids, codes
    FROM beat_plan p JOIN beat b ON b.plan_id = p.id
    WHERE p.station_id = u.station_id AND p.status = 'published';
  ELSIF u.role IN {MEMBER_ROLES} THEN
    SELECT coalesce(array_agg(b.id ORDER BY b.code, b.id), '{{}}'),
           coalesce(array_agg(b.code::text ORDER BY b.code, b.id), '{{}}') INTO ids, codes
    FROM beat b JOIN beat_plan p ON p.id = b.plan_id
    WHERE p.status = 'published'
      AND b.id IN (SELECT m.beat_id FROM beat_member m WHERE m.user_id = u.id);
  END IF;
  RETURN QUERY SELECT u.id, u.username::text, u.display_name, u.role::text, u.station_id, ids, codes;
END $$;
"""

# the 0007 definitions, restored on downgrade
SLOW = f"""
CREATE OR REPLACE FUNCTION holomap_user_beats(p_user_id integer) RETURNS TABLE (id integer, code text)
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT b.id, b.code::text
  FROM app_user u
  JOIN beat_plan p ON p.status = 'published'
  JOIN beat b ON b.plan_id = p.id
  WHERE u.id = p_user_id AND u.active
    AND ((u.role = 'station_chief' AND p.station_id = u.station_id)
      OR (u.role IN {MEMBER_ROLES}
          AND EXISTS (SELECT 1 FROM beat_member m WHERE m.beat_id = b.id AND m.user_id = u.id)))
  ORDER BY b.code, b.id
$$;

CREATE OR REPLACE FUNCTION holomap_scope_beats() RETURNS integer[]
LANGUAGE plpgsql STABLE {DEFINER} AS $$
DECLARE
  result integer[];
BEGIN
  SELECT coalesce(array_agg(b.id ORDER BY b.id), '{{}}') INTO result
  FROM app_user u
  JOIN beat_plan p ON p.status = 'published'
  JOIN beat b ON b.plan_id = p.id
  WHERE u.id = holomap_request_user() AND u.active
    AND ((u.role = 'station_chief' AND p.station_id = u.station_id)
      OR (u.role IN {MEMBER_ROLES}
          AND EXISTS (SELECT 1 FROM beat_member m WHERE m.beat_id = b.id AND m.user_id = u.id)));
  RETURN result;
END $$;

CREATE OR REPLACE FUNCTION holomap_begin_request(p_user_id integer, p_jti text)
RETURNS TABLE (id integer, username text, display_name text, role text, station_id integer,
               beat_ids integer[], beat_codes text[])
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
  u app_user%ROWTYPE;
BEGIN
  IF p_jti IS NULL OR EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = p_jti) THEN
    RETURN;
  END IF;
  SELECT * INTO u FROM app_user a WHERE a.id = p_user_id AND a.active;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM set_config('holomap.user_id', u.id::text, true), set_config('holomap.role', u.role, true);
  RETURN QUERY
    SELECT u.id, u.username::text, u.display_name, u.role::text, u.station_id,
           coalesce(array_agg(b.id ORDER BY b.code, b.id), '{{}}'),
           coalesce(array_agg(b.code::text ORDER BY b.code, b.id), '{{}}')
    FROM beat_plan p JOIN beat b ON b.plan_id = p.id
    WHERE p.status = 'published'
      AND ((u.role = 'station_chief' AND p.station_id = u.station_id)
        OR (u.role IN {MEMBER_ROLES}
            AND EXISTS (SELECT 1 FROM beat_member m WHERE m.beat_id = b.id AND m.user_id = u.id)));
END $$;
"""


def upgrade() -> None:
    op.execute(FAST)
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute("CREATE INDEX ix_incident_location_time ON incident USING gist (location, occurred_at)")
    op.execute("ANALYZE incident")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_incident_location_time")
    op.execute("DROP EXTENSION IF EXISTS btree_gist")
    op.execute(SLOW)
