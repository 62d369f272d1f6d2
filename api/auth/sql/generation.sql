-- The auth generation: auth_generation.gen takes a new value from a sequence (never reused, also after a
-- rollback) in every statement that can change what holomap_begin_request answers. The app caches that
-- answer per (user, token id) with the generation it saw (api/auth/dependencies.py).

CREATE OR REPLACE FUNCTION holomap_bump_auth()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  UPDATE auth_generation SET gen = nextval('auth_generation_seq');
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS app_user_bump_auth ON app_user;
CREATE TRIGGER app_user_bump_auth AFTER INSERT OR DELETE OR UPDATE OF id, username, display_name, role, station_id, active, password_hash, tokens_valid_after OR TRUNCATE ON app_user
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_auth();

DROP TRIGGER IF EXISTS beat_member_bump_auth ON beat_member;
CREATE TRIGGER beat_member_bump_auth AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON beat_member
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_auth();

DROP TRIGGER IF EXISTS beat_plan_bump_auth ON beat_plan;
CREATE TRIGGER beat_plan_bump_auth AFTER INSERT OR DELETE OR UPDATE OF id, station_id, status OR TRUNCATE ON beat_plan
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_auth();

DROP TRIGGER IF EXISTS beat_bump_auth ON beat;
CREATE TRIGGER beat_bump_auth AFTER INSERT OR DELETE OR UPDATE OF id, plan_id, code OR TRUNCATE ON beat
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_auth();

DROP TRIGGER IF EXISTS revoked_token_bump_auth ON revoked_token;
CREATE TRIGGER revoked_token_bump_auth AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON revoked_token
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_auth();
