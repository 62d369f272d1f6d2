"""SQL of the worklist and the officer's month: named statements, bound parameters only."""
from api.disputes.queries import DISPUTE_STATE

MONTH_START = "(date_trunc('month', now() AT TIME ZONE :tz) AT TIME ZONE :tz)"

# households (not vacant) never visited or last visited more than :days ago; never visited first.
# household.last_visited_at (kept by a trigger on visit, api/visits/sql/last_visit.sql) and the index
# (beat_id, last_visited_at) INCLUDE (id, building_id, kind) list what is due index-only; the page is cut from
# that list and only its rows are joined (a chief: ~6,000 due, 50 joined). The total counts the same list, and
# comes as one row of NULL items when the page is past the end (a page says the total whatever its offset).
HOUSEHOLDS_DUE = """
WITH due AS MATERIALIZED (
  SELECT h.id, h.building_id, h.beat_id, h.last_visited_at FROM household h
  WHERE h.beat_id = ANY(CAST(:beat_ids AS int[])) AND h.last_visited_at IS NULL AND h.kind <> 'vacant'
  UNION ALL
  SELECT h.id, h.building_id, h.beat_id, h.last_visited_at FROM household h
  WHERE h.beat_id = ANY(CAST(:beat_ids AS int[])) AND h.kind <> 'vacant'
    AND h.last_visited_at < now() - make_interval(days => :days)
), page AS (
  SELECT d.id, row_number() OVER (ORDER BY {order}) AS n FROM {page_from}
  ORDER BY {order} LIMIT :limit OFFSET :offset
)
SELECT h.id AS household_id, b.id AS building_id, b.address, h.unit, h.floor, h.room, h.kind,
       bt.code AS beat_code, h.last_visited_at,
       ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, c.total
FROM (SELECT count(*) AS total FROM due) c
LEFT JOIN (page
  JOIN household h ON h.id = page.id
  JOIN building b ON b.id = h.building_id
  JOIN beat bt ON bt.id = h.beat_id) ON true
ORDER BY page.n
"""

# the rows the page of HOUSEHOLDS_DUE is ordered from, and its ORDER BY, per `sort` (fixed fragments chosen by the
# code; the household id last: a stable order, so pages neither repeat nor skip a row)
HOUSEHOLD_PAGE = {
    "due": ("due d", "d.last_visited_at NULLS FIRST, d.id"),
    "address": ("due d JOIN household h ON h.id = d.id JOIN building b ON b.id = d.building_id",
                "b.address, h.unit, h.floor, h.room, d.id"),
    "beat": ("due d JOIN beat bt ON bt.id = d.beat_id", "bt.code, d.last_visited_at NULLS FIRST, d.id"),
    "name": ("due d JOIN household h ON h.id = d.id JOIN building b ON b.id = d.building_id",
             "b.address, h.unit, h.floor, h.room, d.id"),
}

# residents with a key tag whose household has had no visit since the month began: the tagged residents of the beats
# (person.beat_id, ix_person_beat_tagged: ~2,000 for a chief, where every household of the beats was probed for
# its tagged residents before: ~9,500 probes), then their household's last visit; the page is cut before the joins
# its order does not need. OFFSET 0 keeps the residents first in the generic plan too (psycopg prepares a statement
# run 5 times; planned with the beats unknown, the join went back to probing every household: 22-31 ms, now 4-8)
KEY_PERSONS_DUE = """
WITH due AS MATERIALIZED (
  SELECT p.id, p.name, p.tags, h.id AS household_id, h.building_id, h.beat_id, h.last_visited_at
  FROM (SELECT p.id, p.name, p.tags, p.household_id FROM person p
        WHERE p.beat_id = ANY(CAST(:beat_ids AS int[])) AND p.tags <> '{}' AND p.moved_out IS NULL
          AND p.tags && CAST(:key_tags AS text[])
        OFFSET 0) p
  JOIN household h ON h.id = p.household_id
  WHERE h.beat_id = ANY(CAST(:beat_ids AS int[]))
    AND (h.last_visited_at IS NULL OR h.last_visited_at < """ + MONTH_START + """)
), page AS (
  SELECT d.id, row_number() OVER (ORDER BY {order}) AS n FROM {page_from}
  ORDER BY {order} LIMIT :limit OFFSET :offset
)
SELECT p.id AS person_id, p.name, p.tags,
       ARRAY(SELECT tag FROM unnest(p.tags) AS tag WHERE tag = ANY(CAST(:key_tags AS text[])) ORDER BY tag)
         AS reason_tags,
       h.id AS household_id, b.id AS building_id, b.address,
       h.unit, h.floor, h.room, bt.code AS beat_code, h.last_visited_at,
       ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat, c.total
FROM (SELECT count(*) AS total FROM due) c
LEFT JOIN (page
  JOIN person p ON p.id = page.id
  JOIN household h ON h.id = p.household_id
  JOIN building b ON b.id = h.building_id
  JOIN beat bt ON bt.id = h.beat_id) ON true
ORDER BY page.n
"""

KEY_PERSON_PAGE = {
    "due": ("due d", "('key_person' = ANY(d.tags)) DESC, d.last_visited_at NULLS FIRST, d.id"),
    "address": ("due d JOIN household h ON h.id = d.household_id JOIN building b ON b.id = d.building_id",
                "b.address, h.unit, h.floor, h.room, d.id"),
    "beat": ("due d JOIN beat bt ON bt.id = d.beat_id", "bt.code, d.last_visited_at NULLS FIRST, d.id"),
    "name": ("due d", "d.name, d.id"),
}

# overdue for first response or resolution, or a return visit due (today or earlier)
DISPUTES_DUE = DISPUTE_STATE + """
WHERE d.beat_id = ANY(CAST(:beat_ids AS int[]))
  AND (flag.overdue_response OR flag.overdue_resolution
       OR (d.status = 'resolved' AND d.next_return_visit <= (now() AT TIME ZONE :tz)::date))
ORDER BY coalesce(d.next_return_visit, (d.reported_at AT TIME ZONE :tz)::date), d.id
LIMIT :limit OFFSET :offset
"""

DISPUTES_GRAVE = DISPUTE_STATE + """
WHERE d.beat_id = ANY(CAST(:beat_ids AS int[]))
  AND d.status IN ('open', 'mediating', 'escalated') AND d.grade IN ('red', 'orange')
ORDER BY (d.grade = 'red') DESC, d.reported_at, d.id
LIMIT :limit OFFSET :offset
"""

# the user's month [start, stop) in local time, with targets met or not
OFFICER_MONTH = """
WITH bounds AS (
  SELECT CAST(:month AS date)::timestamp AT TIME ZONE :tz AS start,
         (CAST(:month AS date) + interval '1 month')::timestamp AT TIME ZONE :tz AS stop
), mine AS (
  SELECT v.* FROM visit v, bounds
  WHERE v.user_id = :user_id AND v.visited_at >= bounds.start AND v.visited_at < bounds.stop
), added AS (
  -- persons/vehicles the user registered or corrected in the month (by author, migration 0009; a definer
  -- function: a record stays the user's work after the household leaves their beats)
  SELECT c.persons_registered, c.floating_registered, c.vehicles_registered, c.corrected
  FROM bounds, holomap_officer_collection(ARRAY[CAST(:user_id AS integer)], bounds.start, bounds.stop) c
)
SELECT
  (SELECT count(*) FROM mine) AS visits,
  (SELECT count(DISTINCT household_id) FROM mine) AS households_visited,
  (SELECT count(*) FROM mine WHERE flagged_far) AS visits_flagged_far,
  (SELECT count(*) FROM mine WHERE follow_up) AS visits_follow_up,
  (SELECT count(DISTINCT p.id) FROM mine JOIN person p ON p.household_id = mine.household_id
    WHERE p.tags && CAST(:key_tags AS text[]) AND p.tags <> '{}' AND p.moved_out IS NULL) AS key_persons_visited,
  (SELECT count(DISTINCT e.dispute_id) FROM dispute_event e, bounds
    WHERE e.user_id = :user_id AND e.kind IN ('mediation', 'agreement', 'escalation', 'return_visit')
      AND e.at >= bounds.start AND e.at < bounds.stop) AS disputes_mediated,
  (SELECT count(*) FROM dispute d, bounds
    WHERE d.reported_by = :user_id AND d.reported_at >= bounds.start AND d.reported_at < bounds.stop)
    AS disputes_reported,
  (SELECT coalesce(sum(persons_registered + vehicles_registered + corrected), 0) FROM added)::integer
    AS information_collected,
  (SELECT coalesce(sum(floating_registered), 0) FROM added)::integer AS floating_registered,
  (SELECT coalesce(sum(vehicles_registered), 0) FROM added)::integer AS vehicles_registered
"""

CURRENT_MONTH = "SELECT date_trunc('month', now() AT TIME ZONE :tz)::date"
