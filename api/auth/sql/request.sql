-- One round trip per request (api/auth/dependencies.py): refuses revoked tokens, tokens issued (iat) before
-- the user's cut-off and inactive users (no row), otherwise sets the request's user for this transaction
-- and returns it with the beats in its scope. The beats queries are inline, one per role kind (plpgsql
-- caches their plans; each uses an index).

CREATE OR REPLACE FUNCTION holomap_begin_request(p_user_id integer, p_jti text, p_iat double precision)
RETURNS TABLE(id integer, username text, display_name text, role text, station_id integer, beat_ids integer[], beat_codes text[])
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
DECLARE
  u app_user%ROWTYPE;
  ids integer[] := '{}';
  codes text[] := '{}';
BEGIN
  IF p_jti IS NULL OR p_iat IS NULL OR EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = p_jti) THEN
    RETURN;
  END IF;
  SELECT * INTO u FROM app_user a
  WHERE a.id = p_user_id AND a.active
    AND (a.tokens_valid_after IS NULL OR a.tokens_valid_after <= to_timestamp(p_iat));
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM set_config('holomap.user_id', u.id::text, true), set_config('holomap.role', u.role, true);
  IF u.role = 'station_chief' THEN
    SELECT coalesce(array_agg(b.id ORDER BY b.code, b.id), '{}'),
           coalesce(array_agg(b.code::text ORDER BY b.code, b.id), '{}') INTO ids, codes
    FROM beat_plan p JOIN beat b ON b.plan_id = p.id
    WHERE p.station_id = u.station_id AND p.status = 'published';
  ELSIF u.role IN ('officer', 'auxiliary', 'grid_member') THEN
    SELECT coalesce(array_agg(b.id ORDER BY b.code, b.id), '{}'),
           coalesce(array_agg(b.code::text ORDER BY b.code, b.id), '{}') INTO ids, codes
    FROM beat b JOIN beat_plan p ON p.id = b.plan_id
    WHERE p.status = 'published'
      AND b.id IN (SELECT m.beat_id FROM beat_member m WHERE m.user_id = u.id);
  END IF;
  RETURN QUERY SELECT u.id, u.username::text, u.display_name, u.role::text, u.station_id, ids, codes;
END $$;

-- logout: the token's id is refused until it expires; expired entries are pruned on the way
CREATE OR REPLACE FUNCTION holomap_revoke_token(p_jti text, p_expires_at timestamp with time zone)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  IF holomap_request_user() IS NULL THEN
    RAISE EXCEPTION 'no user in this transaction' USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM revoked_token WHERE expires_at < now();
  INSERT INTO revoked_token (jti, user_id, expires_at) VALUES (p_jti, holomap_request_user(), p_expires_at)
  ON CONFLICT (jti) DO NOTHING;
END $$;
