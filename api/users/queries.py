"""SQL of the accounts domain."""

# users with their station's name, filtered (every filter optional), in a stable order
LIST_USERS = """
SELECT u.id, u.username, u.display_name, u.role, u.station_id, s.name AS station_name, u.active,
       u.must_change_password, coalesce(u.locked_until > now(), false) AS locked, u.created_at
FROM app_user u LEFT JOIN station s ON s.id = u.station_id
WHERE (CAST(:role AS text) IS NULL OR u.role = :role)
  AND (CAST(:station_id AS integer) IS NULL OR u.station_id = :station_id)
  AND (CAST(:active AS boolean) IS NULL OR u.active = :active)
  AND (CAST(:id AS integer) IS NULL OR u.id = :id)
ORDER BY u.station_id NULLS FIRST, array_position(CAST(:roles AS text[]), u.role::text), u.username
"""

STATIONS = "SELECT id, code, name FROM station ORDER BY code, id"

STATION_EXISTS = "SELECT EXISTS (SELECT 1 FROM station WHERE id = :id)"

# a user who changes role or station leaves the beats whose duty it held under the old ones
DROP_MEMBERSHIPS = "DELETE FROM beat_member WHERE user_id = :id"
