"""SQL of the data-quality board: counts by holomap_quality_counts (quality.sql: counts only), the weekly
snapshots, and the items of each check under row-level security (the user's beats)."""

# counts per beat and check, from the per-beat cache (recounted for beats written to since: quality.sql)
COUNTS = "SELECT beat_id, check_code, checked, failing FROM holomap_quality_board(CAST(:beats AS integer[]), :today)"

# the beats of the station's published plan (leaders and admins pick a station)
STATION_BEATS = """
SELECT b.id FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published'
WHERE p.station_id = :station_id ORDER BY b.id
"""

BEATS = "SELECT id, code, name FROM beat WHERE id = ANY(CAST(:beats AS integer[])) ORDER BY code, id"

SNAPSHOT = """
INSERT INTO quality_snapshot (week, beat_id, check_code, checked, failing)
SELECT :week, x.beat_id, x.check_code, x.checked, x.failing
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(beat_id integer, check_code text, checked integer, failing integer)
ON CONFLICT (week, beat_id, check_code) DO UPDATE SET checked = EXCLUDED.checked, failing = EXCLUDED.failing,
  taken_at = now()
WHERE (quality_snapshot.checked, quality_snapshot.failing) IS DISTINCT FROM (EXCLUDED.checked, EXCLUDED.failing)
"""

PUBLISHED_STATIONS = "SELECT DISTINCT station_id FROM beat_plan WHERE status = 'published' ORDER BY station_id"

# the invalidation log of beats of no published plan (archived): nobody reads their counts any more
PRUNE_DIRTY = """
DELETE FROM quality_dirty d WHERE NOT EXISTS (
  SELECT 1 FROM beat b JOIN beat_plan p ON p.id = b.plan_id AND p.status = 'published' WHERE b.id = d.beat_id)
"""

TREND = """
SELECT week, sum(checked)::int AS checked, sum(failing)::int AS failing
FROM quality_snapshot WHERE beat_id = ANY(CAST(:beats AS integer[])) AND week >= :since
  AND check_code = ANY(CAST(:checks AS text[]))  -- the checks that are on (the administrator's setting)
GROUP BY week ORDER BY week
"""

_POINT = "round(ST_X(b.centroid)::numeric, 7) AS lon, round(ST_Y(b.centroid)::numeric, 7) AS lat"
_HH = f"""
SELECT h.id, b.address || ' ' || h.unit || '单元' || h.room AS label, {{detail}} AS detail, b.id AS building_id,
       h.id AS household_id, {_POINT}
FROM household h JOIN building b ON b.id = h.building_id
WHERE h.beat_id = ANY(CAST(:beats AS integer[])) AND {{where}}
ORDER BY b.address, h.unit, h.room LIMIT :limit OFFSET :offset
"""
_ORG = f"""
SELECT o.id, o.name AS label, b.address AS detail, b.id AS building_id, NULL::integer AS household_id, {_POINT}
FROM organisation o JOIN building b ON b.id = o.building_id
WHERE o.beat_id = ANY(CAST(:beats AS integer[])) AND o.status <> 'closed' AND {{where}}
ORDER BY o.name, o.id LIMIT :limit OFFSET :offset
"""
# Residents by their own beat (person.beat_id, the household's beat kept by triggers, migration 0014) on its
# index: by the household's beat the planner read all 1M residents of the county for a chief's 50 beats
# (~190 ms a check; ~5 ms now). tests/quality/test_items_beat.py holds both definitions equal.
_PERSON = f"""
SELECT p.id, p.name AS label, {{detail}} AS detail, b.id AS building_id, h.id AS household_id, {_POINT}
FROM person p JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
WHERE p.beat_id = ANY(CAST(:beats AS integer[])) AND p.moved_out IS NULL AND {{where}}
ORDER BY {{order}}, p.id LIMIT :limit OFFSET :offset
"""
RESIDENTS = "(SELECT count(*) FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL)"

ITEMS = {
    "building_no_address_code": f"""
SELECT b.id, b.address AS label, NULL::text AS detail, b.id AS building_id, NULL::integer AS household_id, {_POINT}
FROM building b
WHERE b.std_address_code IS NULL
  AND b.id IN (SELECT h.building_id FROM household h WHERE h.beat_id = ANY(CAST(:beats AS integer[]))
               UNION SELECT o.building_id FROM organisation o WHERE o.beat_id = ANY(CAST(:beats AS integer[])))
ORDER BY b.address, b.id LIMIT :limit OFFSET :offset
""",
    "room_unmarked_empty": _HH.format(detail="NULL::text", where=f"h.kind <> 'vacant' AND {RESIDENTS} = 0"),
    "household_no_head": _HH.format(detail="NULL::text", where=(
        f"{RESIDENTS} > 0 AND NOT EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id "
        "AND p.moved_out IS NULL AND p.relation_to_head = '户主')")),
    "household_not_visited": _HH.format(
        detail=("(SELECT to_char(max(v.visited_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') FROM visit v "
                "WHERE v.household_id = h.id)"),
        where=("h.kind <> 'vacant' AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id "
               "AND v.visited_at >= (CAST(:today AS date) - (SELECT holomap_quality_days('visit')))::timestamp "
               "AT TIME ZONE 'Asia/Shanghai')")),
    "rental_incomplete": _HH.format(
        detail="coalesce(h.landlord_name, '') || ' ' || coalesce(to_char(h.lease_end, 'YYYY-MM-DD'), '')",
        where=("h.kind = 'rental' AND NOT ((h.landlord_person_id IS NOT NULL OR h.landlord_name IS NOT NULL) "
               "AND h.lease_start IS NOT NULL AND h.lease_end IS NOT NULL)")),
    "rental_no_tenants": _HH.format(detail="h.landlord_name", where=f"h.kind = 'rental' AND {RESIDENTS} = 0"),
    "person_permit_expiring": _PERSON.format(
        detail="coalesce(to_char(p.permit_expires, 'YYYY-MM-DD'), '')",
        where=("p.residency IN ('temporary', 'floating') "
               "AND (p.permit_expires IS NULL "
               "OR p.permit_expires <= CAST(:today AS date) + (SELECT holomap_quality_days('expiring')))"),
        order="p.permit_expires NULLS FIRST"),
    "person_visa_expiring": _PERSON.format(
        detail="coalesce(p.nationality || ' ', '') || coalesce(to_char(p.visa_expires, 'YYYY-MM-DD'), '')",
        where=("(p.residency = 'foreign' OR p.document_kind <> 'id_card') "
               "AND (p.visa_expires IS NULL "
               "OR p.visa_expires <= CAST(:today AS date) + (SELECT holomap_quality_days('expiring')))"),
        order="p.visa_expires NULLS FIRST"),
    "person_duplicate": f"""
SELECT p.id, p.name AS label, holomap_mask_id(p.id_number) AS detail, b.id AS building_id, h.id AS household_id,
       {_POINT}
FROM person p JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
WHERE p.beat_id = ANY(CAST(:beats AS integer[])) AND p.moved_out IS NULL
  AND EXISTS (SELECT 1 FROM person q JOIN household hq ON hq.id = q.household_id
              JOIN building bq ON bq.id = hq.building_id
              WHERE q.name = p.name AND q.birth_date = p.birth_date AND q.id <> p.id AND q.moved_out IS NULL
                AND bq.station_id = b.station_id)
ORDER BY p.name, p.birth_date, p.id LIMIT :limit OFFSET :offset
""",
    "person_id_conflict": _PERSON.format(
        detail="to_char(p.birth_date, 'YYYY-MM-DD')",
        where="holomap_quality_id_conflict(p.id_number, p.birth_date, p.moved_in, CAST(:today AS date))",
        order="p.name"),
    "person_not_visited": _PERSON.format(
        detail="coalesce(to_char(p.moved_in, 'YYYY-MM-DD'), '')",
        where=("NOT EXISTS (SELECT 1 FROM visit v WHERE v.household_id = h.id AND (p.moved_in IS NULL "
               "OR (v.visited_at AT TIME ZONE 'Asia/Shanghai')::date >= p.moved_in))"),
        order="p.moved_in DESC NULLS LAST, b.address"),  # the newest arrivals first
    "organisation_no_person_in_charge": _ORG.format(where="o.person_in_charge IS NULL"),
    "organisation_no_employees": _ORG.format(where=(
        "NOT EXISTS (SELECT 1 FROM organisation_employee e WHERE e.organisation_id = o.id AND e.left_on IS NULL)")),
    "organisation_fire_check_overdue": _ORG.format(
        where=("(o.fire_check_on IS NULL "
               "OR o.fire_check_on < CAST(:today AS date) - (SELECT holomap_quality_days('fire_check')))")),
}
