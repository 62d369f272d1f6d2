-- Who the request's user is and which beats' personal data that user may see; the row-level security
-- policies (policies.sql) and the SECURITY DEFINER functions read them. The role lists here are the
-- capability person.read of api/auth/capabilities.py (tests/security/test_capabilities_rls.py).
-- The user is set per transaction by holomap_begin_request (request.sql): set_config('holomap.user_id', …, true).

-- the request's user id (NULL when none is set); inlinable
CREATE OR REPLACE FUNCTION holomap_request_user()
RETURNS integer
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
  SELECT nullif(current_setting('holomap.user_id', true), '')::integer
$$;

-- role of the request's user as stored now (NULL when none or inactive)
CREATE OR REPLACE FUNCTION holomap_request_role()
RETURNS text
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT role::text FROM app_user WHERE id = holomap_request_user() AND active
$$;

-- imports by an active admin, while the import sets holomap.import = on in its transaction
CREATE OR REPLACE FUNCTION holomap_import_allowed()
RETURNS boolean
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT coalesce(current_setting('holomap.import', true) = 'on', false)
     AND coalesce(holomap_request_role() = 'admin', false)
$$;

-- beats (of published plans) whose personal data a user may see: a chief every published beat of the
-- station, members their beats; split by role so that each branch uses an index
CREATE OR REPLACE FUNCTION holomap_user_beats(p_user_id integer)
RETURNS TABLE(id integer, code text)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT b.id, b.code::text FROM (
    SELECT b.id FROM app_user u JOIN beat_plan p ON p.station_id = u.station_id AND p.status = 'published'
    JOIN beat b ON b.plan_id = p.id
    WHERE u.id = p_user_id AND u.active AND u.role = 'station_chief'
    UNION
    SELECT m.beat_id FROM app_user u JOIN beat_member m ON m.user_id = u.id
    JOIN beat b ON b.id = m.beat_id JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
    WHERE u.id = p_user_id AND u.active AND u.role IN ('officer', 'auxiliary', 'grid_member')
  ) s JOIN beat b ON b.id = s.id
  ORDER BY b.code, b.id
$$;

-- the same for the request's user, as an array; plpgsql, not SQL: a SECURITY DEFINER SQL function is
-- planned on every call (~0.8 ms), this one once
CREATE OR REPLACE FUNCTION holomap_scope_beats()
RETURNS integer[]
LANGUAGE plpgsql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
DECLARE
  u_id integer := holomap_request_user();
  u_role text;
  u_station integer;
  result integer[];
BEGIN
  SELECT a.role, a.station_id INTO u_role, u_station FROM app_user a WHERE a.id = u_id AND a.active;
  IF NOT FOUND THEN
    RETURN '{}';
  END IF;
  IF u_role = 'station_chief' THEN
    SELECT coalesce(array_agg(b.id ORDER BY b.id), '{}') INTO result
    FROM beat_plan p JOIN beat b ON b.plan_id = p.id
    WHERE p.station_id = u_station AND p.status = 'published';
  ELSIF u_role IN ('officer', 'auxiliary', 'grid_member') THEN
    SELECT coalesce(array_agg(DISTINCT b.id ORDER BY b.id), '{}') INTO result
    FROM beat_member m JOIN beat b ON b.id = m.beat_id JOIN beat_plan p ON p.id = b.plan_id
    WHERE m.user_id = u_id AND p.status = 'published';
  ELSE
    result := '{}';
  END IF;
  RETURN result;
END $$;
