"""Places and people of the seeded district that field-work tests need, found by SQL."""
from sqlalchemy import text
from sqlalchemy.engine import Connection

USER_BEAT = """
SELECT b.id FROM beat_member m
JOIN app_user u ON u.id = m.user_id
JOIN beat b ON b.id = m.beat_id
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE u.username = :username
ORDER BY b.id LIMIT 1
"""

# an occupied household of the beat with its building's point and footprint-derived points
HOUSEHOLD_IN_BEAT = """
SELECT h.id, b.id AS building_id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat
FROM household h JOIN building b ON b.id = h.building_id
WHERE h.beat_id = :beat_id AND h.kind <> 'vacant'
ORDER BY h.id OFFSET :nth LIMIT 1
"""

HOUSEHOLD_OUTSIDE_BEATS = """
SELECT h.id, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat
FROM household h JOIN building b ON b.id = h.building_id
WHERE h.beat_id IS NOT NULL AND NOT h.beat_id = ANY(CAST(:beat_ids AS int[]))
ORDER BY h.id LIMIT 1
"""

# a point `metres` from the building's footprint edge, due east of its rightmost point
POINT_FROM_BUILDING = """
WITH edge AS (
  SELECT footprint,
         ST_SetSRID(ST_MakePoint(ST_XMax(footprint), ST_Y(centroid)), 4326) AS east
  FROM building WHERE id = :building_id
)
SELECT ST_X(q) AS lon, ST_Y(q) AS lat, ST_Distance(footprint::geography, q::geography) AS distance_m
FROM edge, LATERAL (SELECT ST_Project(east::geography, :metres, radians(90))::geometry AS q) x
"""

OTHER_MEMBER = """
SELECT u.username FROM beat_member m JOIN app_user u ON u.id = m.user_id
WHERE m.beat_id = :beat_id AND u.username <> :username AND u.active
  AND u.role IN ('officer', 'auxiliary', 'grid_member')
ORDER BY u.username LIMIT 1
"""

MEMBER_OF_OTHER_BEAT = """
SELECT u.username FROM beat_member m JOIN app_user u ON u.id = m.user_id
JOIN beat b ON b.id = m.beat_id
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE u.role = 'officer' AND u.active
  AND NOT EXISTS (SELECT 1 FROM beat_member m2 WHERE m2.user_id = u.id AND m2.beat_id = :beat_id)
ORDER BY u.username LIMIT 1
"""

USER_BEATS = """
SELECT array_agg(b.id) FROM beat_member m
JOIN app_user u ON u.id = m.user_id
JOIN beat b ON b.id = m.beat_id
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE u.username = :username
"""


def beat_of(conn: Connection, username: str) -> int:
    """The (first) current beat the user is a member of."""
    beat = conn.execute(text(USER_BEAT), {"username": username}).scalar()
    assert beat is not None, f"{username} is member of no current beat: is holomap_test seeded?"
    return beat


def household_in(conn: Connection, beat_id: int, nth: int = 0):
    """The nth occupied household of the beat (id, building_id, lon, lat)."""
    row = conn.execute(text(HOUSEHOLD_IN_BEAT), {"beat_id": beat_id, "nth": nth}).one_or_none()
    assert row is not None, f"beat {beat_id} has no households"
    return row


def household_outside(conn: Connection, username: str):
    """A household in none of the user's beats."""
    beats = conn.execute(text(USER_BEATS), {"username": username}).scalar()
    return conn.execute(text(HOUSEHOLD_OUTSIDE_BEATS), {"beat_ids": beats}).one()


def point_from_building(conn: Connection, building_id: int, metres: float):
    """(lon, lat, distance_m) of a point `metres` east of the building's footprint."""
    return conn.execute(text(POINT_FROM_BUILDING), {"building_id": building_id, "metres": metres}).one()


def other_member(conn: Connection, beat_id: int, username: str) -> str:
    """Another field user of the same beat."""
    other = conn.execute(text(OTHER_MEMBER), {"beat_id": beat_id, "username": username}).scalar()
    assert other is not None, f"beat {beat_id} has no other field member"
    return other


def officer_elsewhere(conn: Connection, beat_id: int) -> str:
    """An officer who is not a member of the beat."""
    other = conn.execute(text(MEMBER_OF_OTHER_BEAT), {"beat_id": beat_id}).scalar()
    assert other is not None, "no officer outside the beat"
    return other
