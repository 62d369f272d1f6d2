"""SQL of the accounts domain."""

# users with their station's name, filtered (every filter optional; `q`: a piece of the username or the name),
# one page in the chosen order (always ending on the id: a stable order, so pages neither repeat nor skip),
# each row with the number of matching users (`total`). :order is one of ORDERS (a fixed text, never input).
LIST_USERS = """
SELECT u.id, u.username, u.display_name, u.role, u.station_id, s.name AS station_name, u.active,
       u.must_change_password, coalesce(u.locked_until > now(), false) AS locked, u.created_at,
       count(*) OVER () AS total
FROM app_user u LEFT JOIN station s ON s.id = u.station_id
WHERE (CAST(:role AS text) IS NULL OR u.role = :role)
  AND (CAST(:station_id AS integer) IS NULL OR u.station_id = :station_id)
  AND (CAST(:active AS boolean) IS NULL OR u.active = :active)
  AND (CAST(:id AS integer) IS NULL OR u.id = :id)
  AND (CAST(:q AS text) IS NULL OR strpos(lower(u.username), lower(:q)) > 0 OR strpos(u.display_name, :q) > 0)
ORDER BY {order}, u.id
LIMIT :limit OFFSET :offset
"""
ORDERS = {
    "station": "u.station_id NULLS FIRST, array_position(CAST(:roles AS text[]), u.role::text), u.username",
    "username": "u.username",
    "display_name": "u.display_name, u.username",
    "role": "array_position(CAST(:roles AS text[]), u.role::text), u.username",
    "created_at": "u.created_at DESC",
}
# the number of matching users when the page is past the end (no row to carry `total`)
COUNT_USERS = """
SELECT count(*) FROM app_user u
WHERE (CAST(:role AS text) IS NULL OR u.role = :role)
  AND (CAST(:station_id AS integer) IS NULL OR u.station_id = :station_id)
  AND (CAST(:active AS boolean) IS NULL OR u.active = :active)
  AND (CAST(:id AS integer) IS NULL OR u.id = :id)
  AND (CAST(:q AS text) IS NULL OR strpos(lower(u.username), lower(:q)) > 0 OR strpos(u.display_name, :q) > 0)
"""

STATIONS = "SELECT id, code, name FROM station ORDER BY code, id"

STATION_EXISTS = "SELECT EXISTS (SELECT 1 FROM station WHERE id = :id)"

# a user who changes role or station leaves the beats whose duty it held under the old ones
DROP_MEMBERSHIPS = "DELETE FROM beat_member WHERE user_id = :id"
