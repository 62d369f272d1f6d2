"""SQL of the places domain: the click lookup, the 楼盘表 floorplan and the scoped search.

(`h.beat_id + 0 = ANY(:beats)` is a filter on the few households of one building, deliberately not
an index scan over every household of the user's beats.)

Each answer is built by PostgreSQL as one JSON document (jsonb_build_object / jsonb_agg), so the number
of statements per request is constant whatever the number of households. Masking happens in SQL with
the functions of api/people/sql/masking.sql (they mirror geo.idnumber.mask and geo.masking).
"""

# The click lookup is one call of holomap_lookup (api/places/sql/lookup.sql: auth, find, scope, document, audit in
# one statement), run by api.db.one_row.
# Who answers for a building outside the user's beats (the lookup's 404): its address, village, and the
# current beats covering it with their station and officers' display names. No resident data.
BUILDING_OWNER = """
SELECT b.address, v.name AS village,
       coalesce((
         SELECT json_agg(json_build_object(
           'code', bt.code, 'name', bt.name, 'station', s.name,
           'officers', coalesce((SELECT json_agg(u.display_name ORDER BY u.display_name)
                                 FROM beat_member m JOIN app_user u ON u.id = m.user_id AND u.active
                                 WHERE m.beat_id = bt.id AND m.duty = 'officer'), '[]'))
           ORDER BY bt.code)
         FROM beat bt
         JOIN beat_plan p ON p.id = bt.plan_id AND p.status = 'published'
         JOIN station s ON s.id = p.station_id
         WHERE ST_Covers(bt.geom, b.centroid)), '[]') AS beats
FROM building b
LEFT JOIN village v ON v.id = b.village_id
WHERE b.id = :building_id
"""

LOOKUP_CALL = """
SELECT status, user_id, username, display_name, role, station_id, building_id, nearest_m, body
FROM holomap_lookup(:user_id, :jti, :lon, :lat, :radius_m, :window_deg, :visits,
                    :incident_radius_m, :incident_days, :client_addr, :request_id, :iat, :households, :incidents)
"""

# GET /api/buildings/{id}/households: the next page of the lookup's households (the same fragment, the same
# order) with the number of them all
BUILDING_HOUSEHOLDS = """
SELECT json_build_object(
  'building_id', CAST(:building_id AS integer), 'offset', CAST(:offset AS integer), 'limit', CAST(:limit AS integer),
  'total', c.households, 'households', hh.doc)::text
FROM holomap_building_household_counts(:building_id, CAST(:beats AS integer[])) c,
     holomap_household_page(:building_id, CAST(:beats AS integer[]), :visits, :offset, :limit) hh
"""

# 楼盘表: one cell per household (unit × floor × room) with occupancy, flags, visit age and the worst
# open dispute colour. The building object and a household's open disputes are the lookup's own
# (api/places/sql/fragments.sql: holomap_building_doc, holomap_household_open_disputes).
FLOORPLAN = """
SELECT jsonb_build_object(
  'building', (SELECT bd.doc FROM holomap_building_doc(b.id) bd),
  'rooms', coalesce((
    SELECT jsonb_agg(jsonb_build_object(
      'household_id', h.id, 'unit', h.unit, 'floor', h.floor, 'room', h.room, 'kind', h.kind,
      'residents', r.residents,
      'flags', array_remove(ARRAY[
        CASE WHEN r.floating THEN 'floating' END, CASE WHEN r.foreign_ THEN 'foreign' END,
        CASE WHEN r.key_person THEN 'key_person' END, CASE WHEN r.elderly_alone THEN 'elderly_alone' END,
        CASE WHEN r.left_behind_child THEN 'left_behind_child' END], NULL),
      'last_visit_at', lv.at,
      'days_since_visit', (current_date - lv.at::date),
      'dispute_colour', (SELECT od.grade FROM holomap_household_open_disputes(h.id) od
                         ORDER BY array_position(ARRAY['red', 'orange', 'yellow', 'green'], od.grade::text)
                         LIMIT 1)
    ) ORDER BY h.unit, h.floor DESC, h.room)
    FROM household h
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS residents,
             coalesce(bool_or(p.residency IN ('temporary', 'floating')), false) AS floating,
             coalesce(bool_or(p.residency = 'foreign'), false) AS foreign_,
             coalesce(bool_or('key_person' = ANY(p.tags)), false) AS key_person,
             coalesce(bool_or('elderly_alone' = ANY(p.tags)), false) AS elderly_alone,
             coalesce(bool_or('left_behind_child' = ANY(p.tags)), false) AS left_behind_child
      FROM person p WHERE p.household_id = h.id AND p.moved_out IS NULL) r
    CROSS JOIN LATERAL (SELECT max(visited_at) AS at FROM visit WHERE household_id = h.id) lv
    WHERE h.building_id = b.id AND h.beat_id + 0 = ANY(CAST(:beats AS integer[]))), '[]'),
  -- 实有单位 in their unit/floor/room (null: the whole building)
  'organisations', coalesce((
    SELECT jsonb_agg(jsonb_build_object(
      'organisation_id', o.id, 'name', o.name, 'kind', o.kind, 'small_venue', o.small_venue,
      'key_unit', o.key_unit, 'status', o.status, 'unit', o.unit, 'floor', o.floor, 'room', o.room,
      'employees', (SELECT count(*)::int FROM organisation_employee e
                    WHERE e.organisation_id = o.id AND e.left_on IS NULL)
    ) ORDER BY o.unit NULLS FIRST, o.floor DESC NULLS FIRST, o.room NULLS FIRST, o.name, o.id)
    FROM organisation o
    WHERE o.building_id = b.id AND o.beat_id + 0 = ANY(CAST(:beats AS integer[]))), '[]')
)::text
FROM building b
WHERE b.id = :building_id
"""

# Scoped search as one statement: holomap_search_request (api/places/sql/search.sql) checks the user, calls
# holomap_search (SECURITY DEFINER, the scope rule of holomap_scope_beats() applied in SQL: under RLS no index
# serves LIKE), builds the document and audits the read.
SEARCH_ARGS = """:by_name, :by_id, :by_digits, :by_plate, :by_address, :short, :exact, :prefix, :tail,
                    :contains, :exact_upper, :tail_upper, :contains_upper, :rev_lo, :rev_hi, :per_kind,
                    :room, :unit, :room_building"""
SEARCH_CALL = """
SELECT status, user_id, username, display_name, role, station_id, body
FROM holomap_search_request(:user_id, :jti, :iat, :run, :q, :term, :client_addr, :request_id,
                            """ + SEARCH_ARGS + """)
"""
# the search alone (tests: the function's own scope rule), as the rows of holomap_search
SEARCH = "SELECT coalesce(json_agg(r), '[]')::text FROM holomap_search(" + SEARCH_ARGS + ") r"

