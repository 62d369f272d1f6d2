"""SQL of the people import: staging tables, per-chunk matching and checks, and the upserts.

Rows arrive by COPY into temporary staging tables (no indexes, no constraints), are matched to
buildings and existing households in set-based statements, and land with UPDATE … WHERE IS DISTINCT
FROM (so that re-importing the same sheet changes nothing) then INSERT … ON CONFLICT DO NOTHING. Empty
cells never erase stored values (COALESCE with the stored value).
"""

CREATE_STAGING = """
DROP TABLE IF EXISTS imp_person, imp_hh_raw, imp_hh, imp_vehicle, imp_addr;
CREATE TEMP TABLE imp_person (
  row_no int, hh_key text, name text, id_number text, gender text, birth_date date, phone text,
  residency text, relation_to_head text, tags text[], nationality text, moved_in date, moved_out date,
  registered_address text, permit_no text, permit_expires date, document_kind text, document_no text,
  visa_expires date
);
CREATE TEMP TABLE imp_vehicle (row_no int, plate text, kind text, brand text, color text, id_number text);
-- the address of each row already invalid in Python, so that its report also says when the address is unknown
CREATE TEMP TABLE imp_addr (row_no int, std_address_code text, address text);
CREATE TEMP TABLE imp_hh_raw (
  hh_key text, first_row int, hukou_no text, std_address_code text, address text, unit smallint,
  floor smallint, room text, kind text, phone text, landlord_name text, landlord_phone text, lease_start date,
  lease_end date, landlord_id_number text
);
-- every household of the file so far (persons of later chunks join it), matched and checked once
CREATE TEMP TABLE imp_hh (
  hh_key text PRIMARY KEY, chunk int, first_row int, hukou_no text, std_address_code text, address text,
  unit smallint, floor smallint, room text, kind text, phone text, building_id int, matches int,
  beat_id int, existing_id int, target_id int, problem text, problem_hukou text, landlord_name text,
  landlord_phone text, lease_start date, lease_end date, landlord_id_number text
);
"""
DROP_STAGING = "DROP TABLE IF EXISTS imp_person, imp_hh_raw, imp_hh, imp_vehicle, imp_addr"
TRUNCATE_CHUNK = "TRUNCATE imp_person, imp_hh_raw, imp_vehicle, imp_addr"

COPY_PERSON = (
    "COPY imp_person (row_no, hh_key, name, id_number, gender, birth_date, phone, residency,"
    " relation_to_head, tags, nationality, moved_in, moved_out, registered_address, permit_no, permit_expires,"
    " document_kind, document_no, visa_expires) FROM STDIN"
)
COPY_HOUSEHOLD = (
    "COPY imp_hh_raw (hh_key, first_row, hukou_no, std_address_code, address, unit, floor, room, kind, phone,"
    " landlord_name, landlord_phone, lease_start, lease_end, landlord_id_number) FROM STDIN"
)
COPY_VEHICLE = "COPY imp_vehicle (row_no, plate, kind, brand, color, id_number) FROM STDIN"
COPY_ADDRESS = "COPY imp_addr (row_no, std_address_code, address) FROM STDIN"

# One pass per chunk: building by code (else address text), the beat covering it, the household already
# stored under the same 户号 or in the same room. A 户号 may take over a room whose household has no 户号
# yet; a room held by another 户号 is a conflict. New households get their id from the sequence here.
MATCH_HOUSEHOLDS = """
WITH by_code AS (
  SELECT std_address_code, min(id) AS id, count(*) AS n FROM building
   WHERE std_address_code IN (SELECT std_address_code FROM imp_hh_raw) GROUP BY std_address_code
), by_address AS (
  SELECT address, min(id) AS id, count(*) AS n FROM building
   WHERE address IN (SELECT address FROM imp_hh_raw WHERE std_address_code IS NULL) GROUP BY address
), located AS (
  SELECT r.*, COALESCE(bc.id, ba.id) AS building_id, COALESCE(bc.n, ba.n) AS matches
    FROM imp_hh_raw r
    LEFT JOIN by_code bc ON bc.std_address_code = r.std_address_code
    LEFT JOIN by_address ba ON r.std_address_code IS NULL AND ba.address = r.address
), beats AS (
  SELECT bl.id AS building_id, min(bt.id) AS beat_id
    FROM building bl
    JOIN beat_plan pl ON pl.station_id = bl.station_id AND pl.status = 'published'
    JOIN beat bt ON bt.plan_id = pl.id AND ST_Covers(bt.geom, bl.centroid)
   WHERE bl.id IN (SELECT building_id FROM located)
   GROUP BY bl.id
), matched AS (
  SELECT l.*, bb.beat_id, hh.id AS by_hukou_id, hr.id AS by_room_id, hr.hukou_no AS by_room_hukou,
         CASE WHEN l.building_id IS NULL THEN 'unknown_address'
              WHEN l.matches > 1 THEN 'ambiguous_address'
              WHEN l.hukou_no IS NOT NULL AND hr.id IS NOT NULL AND hr.id IS DISTINCT FROM hh.id
                   AND (hh.id IS NOT NULL OR hr.hukou_no IS NOT NULL) THEN 'room_taken' END AS problem
    FROM located l
    LEFT JOIN beats bb ON bb.building_id = l.building_id
    -- LATERAL … LIMIT 1 (both keys are unique) keeps these as probes of the unique indexes: as plain joins
    -- the planner hashed the whole household table for every chunk (county: 377k rows, 0.3 of 0.43 s a chunk)
    LEFT JOIN LATERAL (SELECT x.id FROM household x WHERE x.hukou_no = l.hukou_no LIMIT 1) hh ON true
    LEFT JOIN LATERAL (SELECT x.id, x.hukou_no FROM household x
                        WHERE x.building_id = l.building_id AND x.unit = l.unit AND x.floor = l.floor
                          AND x.room = l.room LIMIT 1) hr ON true
), staged AS (
  INSERT INTO imp_hh
  SELECT hh_key, %(chunk)s, first_row, hukou_no, std_address_code, address, unit, floor, room, kind, phone,
         building_id, matches, beat_id,
         CASE WHEN problem IS NULL THEN COALESCE(by_hukou_id, by_room_id) END,
         CASE WHEN problem IS NULL
              THEN COALESCE(by_hukou_id, by_room_id, nextval('household_id_seq')) END,
         problem, by_room_hukou, landlord_name, landlord_phone, lease_start, lease_end, landlord_id_number
    FROM matched
  RETURNING target_id
)
SELECT count(target_id) FROM staged  -- the chunk's households that will be written

"""

# the rows already invalid in Python (not staged as households): their address matched as MATCH_HOUSEHOLDS
# does, so that a row's report lists every problem in one pass (a bad ID number AND an unknown address)
INVALID_ROW_ADDRESSES = """
WITH by_code AS (
  SELECT std_address_code, count(*) AS n FROM building
   WHERE std_address_code IN (SELECT std_address_code FROM imp_addr) GROUP BY std_address_code
), by_address AS (
  SELECT address, count(*) AS n FROM building
   WHERE address IN (SELECT address FROM imp_addr WHERE std_address_code IS NULL) GROUP BY address
)
SELECT a.row_no, CASE WHEN COALESCE(bc.n, ba.n) IS NULL THEN 'unknown_address' ELSE 'ambiguous_address' END,
       a.std_address_code, a.address, COALESCE(bc.n, ba.n)
  FROM imp_addr a
  LEFT JOIN by_code bc ON bc.std_address_code = a.std_address_code
  LEFT JOIN by_address ba ON a.std_address_code IS NULL AND ba.address = a.address
 WHERE COALESCE(bc.n, ba.n) IS DISTINCT FROM 1
 ORDER BY a.row_no
"""

PROBLEM_ROWS = """
SELECT p.row_no, s.problem, s.std_address_code, s.address, s.matches, s.hukou_no, s.problem_hukou
  FROM imp_person p JOIN imp_hh s USING (hh_key)
 WHERE s.problem IS NOT NULL
 ORDER BY p.row_no
"""

# a plate already stored for another resident is not taken over silently: the row is reported (a plate
# changing owner is a correction of the vehicle itself, PATCH /api/vehicles/{id})
PLATE_TAKEN_ROWS = """
SELECT s.row_no, s.plate, holomap_mask_id(x.id_number) AS owner
  FROM imp_vehicle s
 CROSS JOIN LATERAL (SELECT o.id_number FROM vehicle v JOIN person o ON o.id = v.owner_person_id
                      WHERE v.plate = s.plate LIMIT 1) x
 WHERE x.id_number <> s.id_number
 ORDER BY s.row_no
"""

UPDATE_HOUSEHOLDS = """
UPDATE household h
   SET hukou_no = COALESCE(s.hukou_no, h.hukou_no), building_id = s.building_id, unit = s.unit,
       floor = s.floor, room = s.room, kind = COALESCE(s.kind, h.kind), phone = COALESCE(s.phone, h.phone),
       beat_id = COALESCE(s.beat_id, h.beat_id), landlord_name = COALESCE(s.landlord_name, h.landlord_name),
       landlord_phone = COALESCE(s.landlord_phone, h.landlord_phone),
       lease_start = COALESCE(s.lease_start, h.lease_start), lease_end = COALESCE(s.lease_end, h.lease_end)
  FROM imp_hh s
 WHERE s.chunk = %(chunk)s AND h.id = s.existing_id
   AND (h.hukou_no, h.building_id, h.unit, h.floor, h.room, h.kind, h.phone, h.beat_id, h.landlord_name,
        h.landlord_phone, h.lease_start, h.lease_end) IS DISTINCT FROM
       (COALESCE(s.hukou_no, h.hukou_no), s.building_id, s.unit, s.floor, s.room, COALESCE(s.kind, h.kind),
        COALESCE(s.phone, h.phone), COALESCE(s.beat_id, h.beat_id), COALESCE(s.landlord_name, h.landlord_name),
        COALESCE(s.landlord_phone, h.landlord_phone), COALESCE(s.lease_start, h.lease_start),
        COALESCE(s.lease_end, h.lease_end))
"""

INSERT_HOUSEHOLDS = """
INSERT INTO household (id, building_id, unit, floor, room, hukou_no, kind, phone, beat_id, landlord_name,
                       landlord_phone, lease_start, lease_end)
SELECT target_id, building_id, unit, floor, room, hukou_no, COALESCE(kind, 'owner'), phone, beat_id,
       landlord_name, landlord_phone, lease_start, lease_end
  FROM imp_hh WHERE chunk = %(chunk)s AND existing_id IS NULL AND target_id IS NOT NULL
"""


# Residents in one statement and one probe of uq_person_id_number per row: `src` finds the stored person
# (if any) once; the UPDATE takes the found ones (only where something differs), the INSERT the others.
# As two statements (UPDATE … FROM, then INSERT … WHERE NOT EXISTS) every row was probed twice, which on a
# new sheet cost ~0.9 s per 100,000 rows for nothing. CHECK constraints only run for the inserted rows.
# Run with hash and merge joins off (PROBES_ONLY): without statistics on `src` the planner hashed the
# whole person table for the UPDATE's join, for every chunk.
UPSERT_PERSONS = """
WITH src AS (
  SELECT s.*, h.target_id, x.id AS person_id
    FROM imp_person s JOIN imp_hh h USING (hh_key)
    LEFT JOIN LATERAL (SELECT p.id FROM person p WHERE p.id_number = s.id_number LIMIT 1) x ON true
   WHERE h.target_id IS NOT NULL
), updated AS (
  UPDATE person p
     SET household_id = s.target_id, name = s.name, phone = COALESCE(s.phone, p.phone),
         residency = COALESCE(s.residency, p.residency),
         relation_to_head = COALESCE(s.relation_to_head, p.relation_to_head), tags = COALESCE(s.tags, p.tags),
         nationality = COALESCE(s.nationality, p.nationality), moved_in = COALESCE(s.moved_in, p.moved_in),
         moved_out = COALESCE(s.moved_out, p.moved_out),
         registered_address = COALESCE(s.registered_address, p.registered_address),
         permit_no = COALESCE(s.permit_no, p.permit_no), permit_expires = COALESCE(s.permit_expires, p.permit_expires),
         document_kind = COALESCE(s.document_kind, p.document_kind),
         document_no = COALESCE(s.document_no, p.document_no), visa_expires = COALESCE(s.visa_expires, p.visa_expires),
         updated_at = now()
    FROM src s
   WHERE p.id = s.person_id
     AND (p.household_id, p.name, p.phone, p.residency, p.relation_to_head, p.tags, p.nationality, p.moved_in,
          p.moved_out, p.registered_address, p.permit_no, p.permit_expires, p.document_kind, p.document_no,
          p.visa_expires) IS DISTINCT FROM
         (s.target_id, s.name, COALESCE(s.phone, p.phone), COALESCE(s.residency, p.residency),
          COALESCE(s.relation_to_head, p.relation_to_head), COALESCE(s.tags, p.tags),
          COALESCE(s.nationality, p.nationality), COALESCE(s.moved_in, p.moved_in),
          COALESCE(s.moved_out, p.moved_out), COALESCE(s.registered_address, p.registered_address),
          COALESCE(s.permit_no, p.permit_no), COALESCE(s.permit_expires, p.permit_expires),
          COALESCE(s.document_kind, p.document_kind), COALESCE(s.document_no, p.document_no),
          COALESCE(s.visa_expires, p.visa_expires))
  RETURNING 1
), inserted AS (
  INSERT INTO person (household_id, name, id_number, gender, birth_date, phone, residency, relation_to_head,
                      tags, nationality, moved_in, moved_out, registered_address, permit_no, permit_expires,
                      document_kind, document_no, visa_expires)
  SELECT s.target_id, s.name, s.id_number, s.gender, s.birth_date, s.phone, COALESCE(s.residency, 'registered'),
         s.relation_to_head, COALESCE(s.tags, '{}'), s.nationality, s.moved_in, s.moved_out, s.registered_address,
         s.permit_no, s.permit_expires, COALESCE(s.document_kind, 'id_card'), s.document_no, s.visa_expires
    FROM src s
   WHERE s.person_id IS NULL
  RETURNING 1  -- no ON CONFLICT (a second probe per row): a concurrent import's row is a unique violation, 409

)
SELECT (SELECT count(*) FROM updated) AS updated, (SELECT count(*) FROM inserted) AS inserted
"""

# 出租屋: the household's landlord linked to the resident with that ID number (registered before, or by this
# sheet: run after the chunk's residents); a landlord living elsewhere keeps only the name and phone
LINK_LANDLORDS = """
UPDATE household h SET landlord_person_id = p.id
  FROM imp_hh s JOIN person p ON p.id_number = s.landlord_id_number
 WHERE s.chunk = %(chunk)s AND s.landlord_id_number IS NOT NULL AND h.id = s.target_id
   AND h.landlord_person_id IS DISTINCT FROM p.id
"""

UPDATE_VEHICLES = """
UPDATE vehicle v
   SET kind = COALESCE(s.kind, v.kind), brand = COALESCE(s.brand, v.brand),
       color = COALESCE(s.color, v.color), owner_person_id = p.id, household_id = p.household_id
  FROM imp_vehicle s JOIN person p ON p.id_number = s.id_number
 WHERE v.plate = s.plate
   AND (v.kind, v.brand, v.color, v.owner_person_id, v.household_id) IS DISTINCT FROM
       (COALESCE(s.kind, v.kind), COALESCE(s.brand, v.brand), COALESCE(s.color, v.color), p.id,
        p.household_id)
"""

INSERT_VEHICLES = """
INSERT INTO vehicle (plate, kind, brand, color, owner_person_id, household_id)
SELECT s.plate, COALESCE(s.kind, 'car'), s.brand, s.color, p.id, p.household_id
  FROM imp_vehicle s JOIN person p ON p.id_number = s.id_number
ON CONFLICT (plate) DO NOTHING
"""

# rows of households that cannot be written (reported by PROBLEM_ROWS) leave the chunk's staging
SKIP_ROWS = """
WITH skipped_persons AS (DELETE FROM imp_person WHERE row_no = ANY(%(rows)s))
DELETE FROM imp_vehicle WHERE row_no = ANY(%(rows)s)
"""

# JIT compilation of the set-based statements costs more than it saves at these sizes (the MATCH of a
# 100,000-row chunk spent 0.53 of its 0.75 s compiling): off for the import, then put back
JIT_OFF = "SELECT current_setting('jit'), set_config('jit', 'off', true)"
SET_JIT = "SELECT set_config('jit', %(jit)s, true)"

# joins as index probes only, for one statement (UPSERT_PERSONS), then the settings put back
PROBES_ONLY = ("SELECT current_setting('enable_hashjoin') AS hash, current_setting('enable_mergejoin') AS merge,"
               " set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)")
SET_JOINS = ("SELECT set_config('enable_hashjoin', %(hash)s, true), set_config('enable_mergejoin', %(merge)s,"
             " true)")

# the import policies of the personal tables (migration 0007) hold while this is on, for an active admin
ALLOW_IMPORT = "SELECT set_config('holomap.import', 'on', true)"
