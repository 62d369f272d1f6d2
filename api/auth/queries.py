"""SQL of the auth domain (the functions live in migration 0007)."""

# the request's user, its beats in scope and the revoked-token check, and set_config of the user for
# row-level security — one round trip
BEGIN_REQUEST = """
SELECT id, username, display_name, role, station_id, beat_ids, beat_codes
FROM holomap_begin_request(CAST(:user_id AS integer), CAST(:jti AS text))
"""

REVOKE_TOKEN = "SELECT holomap_revoke_token(CAST(:jti AS text), CAST(:expires_at AS timestamptz))"
