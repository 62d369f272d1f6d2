"""SQL of the auth domain."""

# beats of the station's current (published) plan that a user works in
MEMBER_BEATS = """
SELECT b.id, b.code
FROM beat_member m
JOIN beat b ON b.id = m.beat_id
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE m.user_id = :user_id
ORDER BY b.code
"""

STATION_BEATS = """
SELECT b.id, b.code
FROM beat b
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE p.station_id = :station_id
ORDER BY b.code
"""
