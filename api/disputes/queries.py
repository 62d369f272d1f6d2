"""SQL of the disputes domain: named statements, bound parameters only.

Deadlines and overdue flags are computed here, in one place, from the limits in lifecycle.py
(passed as :response_hours JSON {grade: hours}, :mediation_days and :tz).
"""

POINT = "ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326)"

IN_STATION = "SELECT ST_Covers(s.jurisdiction, " + POINT + ") FROM station s WHERE s.id = :station_id"

STATION_NAME = "SELECT name FROM station WHERE id = :station_id"

# the beat of the station's current (published) plan that covers the point
BEAT_AT = """
SELECT b.id, b.code
FROM beat b
JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published' AND p.station_id = :station_id
WHERE ST_Covers(b.geom, """ + POINT + """)
ORDER BY b.id
LIMIT 1
"""

PERSON_HOUSEHOLD = "SELECT household_id FROM person WHERE id = :person_id"

# one dispute row with its deadlines and flags; filtered by the statements below. dispute.location is nullable
# (an import, an old row): the point is then its household's building, else none (lon/lat null)
DISPUTE_STATE = """
SELECT d.id, d.title, d.category, d.grade, d.status, d.level,
       ST_X(coalesce(d.location, hb.centroid)) AS lon, ST_Y(coalesce(d.location, hb.centroid)) AS lat,
       d.beat_id, bt.code AS beat_code,
       d.household_id, d.summary, d.reported_by, d.reported_at, d.first_response_at, d.resolved_at,
       d.closed_at, d.agreement_signed, d.next_return_visit,
       due.response_due_at, due.resolution_due_at,
       flag.overdue_response, flag.overdue_resolution, flag.overdue_return_visit,
       (flag.overdue_response OR flag.overdue_resolution OR flag.overdue_return_visit) AS overdue,
       EXISTS (SELECT 1 FROM dispute_event e
               WHERE e.dispute_id = d.id AND e.kind = 'return_visit' AND e.at >= d.resolved_at)
         AS has_return_visit,
       count(*) OVER () AS total
FROM dispute d
LEFT JOIN beat bt ON bt.id = d.beat_id
LEFT JOIN LATERAL (SELECT b.centroid FROM household h JOIN building b ON b.id = h.building_id
                   WHERE d.location IS NULL AND h.id = d.household_id) hb ON true
CROSS JOIN LATERAL (
  SELECT d.reported_at + make_interval(hours => (CAST(:response_hours AS jsonb) ->> d.grade)::int)
           AS response_due_at,
         d.reported_at + make_interval(days => :mediation_days) AS resolution_due_at
) due
CROSS JOIN LATERAL (
  SELECT coalesce(d.first_response_at IS NULL AND d.status IN ('open', 'escalated')
                  AND now() > due.response_due_at, false) AS overdue_response,
         coalesce(d.status IN ('open', 'mediating', 'escalated') AND now() > due.resolution_due_at, false)
           AS overdue_resolution,
         coalesce(d.status = 'resolved' AND d.next_return_visit < (now() AT TIME ZONE :tz)::date, false)
           AS overdue_return_visit
) flag
"""

DISPUTE_BY_ID = DISPUTE_STATE + "WHERE d.id = :dispute_id"

DISPUTE_LIST = DISPUTE_STATE + """
WHERE d.beat_id = ANY(CAST(:beat_ids AS int[]))
  AND (CAST(:statuses AS text[]) IS NULL OR d.status = ANY(CAST(:statuses AS text[])))
  AND (CAST(:grades AS text[]) IS NULL OR d.grade = ANY(CAST(:grades AS text[])))
  AND (CAST(:overdue AS boolean) IS NULL
       OR (flag.overdue_response OR flag.overdue_resolution OR flag.overdue_return_visit)
          = CAST(:overdue AS boolean))
ORDER BY (d.status = 'closed'), array_position(ARRAY['red', 'orange', 'yellow', 'green'], d.grade::text),
         d.reported_at DESC, d.id DESC
LIMIT :limit OFFSET :offset
"""

DISPUTE_FOR_UPDATE = """
SELECT d.id, d.status, d.level, d.beat_id, d.reported_at, d.resolved_at, d.grade, d.category, d.title
FROM dispute d
WHERE d.id = :dispute_id
FOR UPDATE
"""

INSERT_EVENT = """
INSERT INTO dispute_event (dispute_id, at, user_id, kind, text)
VALUES (:dispute_id, coalesce(CAST(:at AS timestamptz), now()), :user_id, :kind, :text)
RETURNING id, at
"""

# the first response is the earliest of what is recorded and :at (now when NULL)
MARK_RESPONSE = """
UPDATE dispute
SET first_response_at = LEAST(first_response_at, coalesce(CAST(:at AS timestamptz), now()))
WHERE id = :dispute_id
"""

SCHEDULE_RETURN_VISIT = """
UPDATE dispute
SET resolved_at = now(),
    next_return_visit = (now() AT TIME ZONE :tz)::date + CAST(:days AS int)
WHERE id = :dispute_id
"""

PARTIES = """
SELECT dp.id, dp.side, dp.person_id, coalesce(dp.household_id, p.household_id) AS household_id,
       coalesce(p.name, dp.name) AS name, p.id_number, coalesce(p.phone, h.phone, dp.phone) AS phone,
       (dp.person_id IS NULL AND dp.household_id IS NULL) AS outsider,
       concat_ws(' ', b.address, h.unit || '单元', h.room) AS address
FROM dispute_party dp
LEFT JOIN person p ON p.id = dp.person_id
-- one primary-key probe per party: a join on coalesce() was hashed over a scan of every household (the row
-- policy makes the planner expect 200k rows in scope; 0.4-0.6 s at county scale); LIMIT 1 (the key is
-- unique) keeps the subquery from being flattened back into that join
LEFT JOIN LATERAL (SELECT hh.* FROM household hh WHERE hh.id = coalesce(dp.household_id, p.household_id)
                   LIMIT 1) h ON true
LEFT JOIN building b ON b.id = h.building_id
WHERE dp.dispute_id = :dispute_id
ORDER BY dp.side, dp.id
"""

EVENTS = """
SELECT e.id, e.at, e.kind, e.text, e.user_id, u.display_name AS user_name
FROM dispute_event e
LEFT JOIN app_user u ON u.id = e.user_id
WHERE e.dispute_id = :dispute_id
ORDER BY e.at, e.id
"""

PHOTO_IDS = "SELECT id FROM photo WHERE dispute_id = :dispute_id ORDER BY id"
