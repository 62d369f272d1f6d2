"""SQL of the auth domain (its SQL functions, triggers and policies live in api/auth/sql/)."""

# the request's user, its beats in scope, the revoked-token check, the token's issue time against the
# user's cut-off (migration 0014), and set_config of the user for row-level security — one round trip
BEGIN_REQUEST = """
SELECT id, username, display_name, role, station_id, beat_ids, beat_codes
FROM holomap_begin_request(CAST(:user_id AS integer), CAST(:jti AS text), CAST(:iat AS double precision))
"""

REVOKE_TOKEN = "SELECT holomap_revoke_token(CAST(:jti AS text), CAST(:expires_at AS timestamptz))"

# begin_request with the auth generation (migration 0009) read in the statement's snapshot, which is
# taken before the function's own reads: a change in between makes the next request miss, never hit
BEGIN_REQUEST_GEN = """
SELECT r.id, r.username, r.display_name, r.role, r.station_id, r.beat_ids, r.beat_codes,
       (SELECT g.gen FROM auth_generation g) AS gen
FROM holomap_begin_request(CAST(:user_id AS integer), CAST(:jti AS text), CAST(:iat AS double precision)) r
"""

# a cached user still holds when nothing that begin_request reads has changed since (same generation):
# then set it as the transaction's user for RLS, in the same statement; otherwise set no user
RESUME_REQUEST = """
SELECT g.gen = CAST(:gen AS bigint) AS hit,
       set_config('holomap.user_id', CASE WHEN g.gen = CAST(:gen AS bigint) THEN :uid ELSE '' END, true),
       set_config('holomap.role', CASE WHEN g.gen = CAST(:gen AS bigint) THEN :role ELSE '' END, true)
FROM auth_generation g
"""

# `holomap set-password` (the trigger of migration 0014 sets the cut-off too: any password change ends
# the user's sessions); the operator chose this password, so no one-time-password change is pending
SET_PASSWORD = """
UPDATE app_user SET password_hash = :h, failed_logins = 0, locked_until = NULL,
                    tokens_valid_after = clock_timestamp(), must_change_password = false
WHERE username = :u
"""

# The sign-in token bucket of a client address, shared by every worker (migration 0014): the tokens left,
# refilled at :rate a second since the last attempt (never above :burst), take one if there is one.
# One statement: concurrent attempts on the same address queue on the row, each sees the previous one.
_REFILL = ("least(CAST(:burst AS double precision), t.tokens + CAST(:rate AS double precision)"
           " * greatest(0, extract(epoch FROM statement_timestamp() - t.updated_at)::double precision))")
TAKE_LOGIN_TOKEN = f"""
INSERT INTO login_throttle AS t (client_addr, tokens, allowed, updated_at)
VALUES (:addr, CAST(:burst AS double precision) - 1, true, statement_timestamp())
ON CONFLICT (client_addr) DO UPDATE SET
  allowed = {_REFILL} >= 1,
  tokens = CASE WHEN {_REFILL} >= 1 THEN {_REFILL} - 1 ELSE {_REFILL} END,
  updated_at = greatest(t.updated_at, statement_timestamp())
RETURNING allowed, tokens
"""

# a bucket untouched for the time it takes to refill completely is the same as no row
PRUNE_LOGIN_THROTTLE = """
DELETE FROM login_throttle
WHERE updated_at < statement_timestamp() - make_interval(secs => CAST(:full_seconds AS double precision))
"""
