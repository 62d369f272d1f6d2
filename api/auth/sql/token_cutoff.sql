-- Tokens issued before app_user.tokens_valid_after are refused: it moves to now when an account is disabled
-- or its password changes (the API, holomap set-password, or SQL by hand).

CREATE OR REPLACE FUNCTION holomap_token_cutoff()
RETURNS trigger
LANGUAGE plpgsql
SET search_path TO 'public', 'pg_temp'
AS $$
BEGIN
  IF (OLD.active AND NOT NEW.active) OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
    NEW.tokens_valid_after := clock_timestamp();
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS app_user_token_cutoff ON app_user;
CREATE TRIGGER app_user_token_cutoff BEFORE UPDATE OF active, password_hash ON app_user
  FOR EACH ROW EXECUTE FUNCTION holomap_token_cutoff();
