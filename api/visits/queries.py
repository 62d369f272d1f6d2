"""SQL of the visits domain: named statements, bound parameters only."""

# distance from the GPS fix to the household's building footprint, in metres on the spheroid
# (0 inside the footprint); flagged beyond :far_m. NULL location → NULL distance, not flagged.
MEASURE_DISTANCE = """
UPDATE visit v
SET distance_m = ST_Distance(b.footprint::geography, v.location::geography),
    flagged_far = coalesce(ST_Distance(b.footprint::geography, v.location::geography) > :far_m, false)
FROM household h
JOIN building b ON b.id = h.building_id
WHERE v.id = :visit_id AND h.id = v.household_id
"""

VISIT_COLUMNS = """
SELECT v.id, v.household_id, v.user_id, u.display_name AS user_name, v.visited_at, v.checklist,
       v.notes, v.follow_up, ST_X(v.location) AS lon, ST_Y(v.location) AS lat, v.accuracy_m,
       v.distance_m, v.flagged_far, v.created_at, v.updated_at,
       v.created_at + make_interval(hours => :edit_hours) AS editable_until,
       now() <= v.created_at + make_interval(hours => :edit_hours) AS within_window,
       h.beat_id,
       ARRAY(SELECT ph.id FROM photo ph WHERE ph.visit_id = v.id ORDER BY ph.id) AS photo_ids
FROM visit v
JOIN app_user u ON u.id = v.user_id
JOIN household h ON h.id = v.household_id
"""

VISIT_BY_ID = VISIT_COLUMNS + "WHERE v.id = :visit_id"

VISIT_FOR_UPDATE = """
SELECT v.id, v.user_id, v.household_id, h.beat_id, v.created_at,
       now() <= v.created_at + make_interval(hours => :edit_hours) AS within_window
FROM visit v
JOIN household h ON h.id = v.household_id
WHERE v.id = :visit_id
FOR UPDATE OF v
"""

HOUSEHOLD_VISITS = VISIT_COLUMNS + """
WHERE v.household_id = :household_id
ORDER BY v.visited_at DESC, v.id DESC
LIMIT :limit OFFSET :offset
"""

HOUSEHOLD_VISIT_COUNT = "SELECT count(*) FROM visit WHERE household_id = :household_id"
