-- For vector tiles: the user check (token not revoked and issued after the user's cut-off, account active)
-- and the layer's data version in one statement.

CREATE OR REPLACE FUNCTION holomap_map_request(p_user_id integer, p_jti text, p_iat double precision, p_layer text)
RETURNS TABLE(user_ok boolean, version bigint, changed_at timestamp with time zone)
LANGUAGE sql
STABLE SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT p_jti IS NOT NULL AND p_iat IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM revoked_token r WHERE r.jti = p_jti)
         AND EXISTS (SELECT 1 FROM app_user a WHERE a.id = p_user_id AND a.active
                     AND (a.tokens_valid_after IS NULL OR a.tokens_valid_after <= to_timestamp(p_iat))),
         lv.version, lv.changed_at
  FROM (SELECT 1) one LEFT JOIN layer_version lv ON lv.layer = p_layer
$$;
