"""SQL of the auth domain (the functions live in migration 0007)."""

# the request's user, its beats in scope and the revoked-token check, and set_config of the user for
# row-level security — one round trip
BEGIN_REQUEST = """
SELECT id, username, display_name, role, station_id, beat_ids, beat_codes
FROM holomap_begin_request(CAST(:user_id AS integer), CAST(:jti AS text))
"""

REVOKE_TOKEN = "SELECT holomap_revoke_token(CAST(:jti AS text), CAST(:expires_at AS timestamptz))"

# begin_request with the auth generation (migration 0009) read in the statement's snapshot, which is
# taken before the function's own reads: a change in between makes the next request miss, never hit
BEGIN_REQUEST_GEN = """
SELECT r.id, r.username, r.display_name, r.role, r.station_id, r.beat_ids, r.beat_codes,
       (SELECT g.gen FROM auth_generation g) AS gen
FROM holomap_begin_request(CAST(:user_id AS integer), CAST(:jti AS text)) r
"""

# a cached user still holds when nothing that begin_request reads has changed since (same generation):
# then set it as the transaction's user for RLS, in the same statement; otherwise set no user
RESUME_REQUEST = """
SELECT g.gen = CAST(:gen AS bigint) AS hit,
       set_config('holomap.user_id', CASE WHEN g.gen = CAST(:gen AS bigint) THEN :uid ELSE '' END, true),
       set_config('holomap.role', CASE WHEN g.gen = CAST(:gen AS bigint) THEN :role ELSE '' END, true)
FROM auth_generation g
"""
