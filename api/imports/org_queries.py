"""SQL of the organisations (实有单位) import: the sheet's rows staged once, matched to buildings and stored
organisations in set-based statements, then UPDATE … WHERE IS DISTINCT FROM (re-importing the same sheet
changes nothing) and INSERT. Empty cells never erase stored values (COALESCE with the stored value)."""

# organisation imports one at a time (a second waits, then finds the first's rows: no duplicates of the
# organisations without a credit code, which no unique key guards)
LOCK = "SELECT pg_advisory_xact_lock(hashtext('holomap_import_organisations'))"

DROP_STAGING = "DROP TABLE IF EXISTS imp_org"

STAGE = """
CREATE TEMP TABLE imp_org ON COMMIT DROP AS
SELECT x.*, NULL::integer AS building_id, 0 AS matches, NULL::integer AS target_id
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(
  row_no integer, valid boolean, credit_code text, name text, kind text, small_venue boolean, key_unit boolean,
  std_address_code text, address text, unit smallint, floor smallint, room text, legal_rep text,
  person_in_charge text, phone text, opened_on date, status text, fire_check_on date, notes text)
"""

# building by standard address code, else by address text (exactly one match), for every row (the invalid
# rows too: a row's report lists all its problems in one pass)
LOCATE = """
WITH by_code AS (
  SELECT std_address_code, min(id) AS id, count(*) AS n FROM building
  WHERE std_address_code IN (SELECT std_address_code FROM imp_org) GROUP BY std_address_code
), by_address AS (
  SELECT address, min(id) AS id, count(*) AS n FROM building
  WHERE address IN (SELECT address FROM imp_org WHERE std_address_code IS NULL) GROUP BY address
), located AS (
  SELECT r.row_no, coalesce(bc.id, ba.id) AS id, coalesce(bc.n, ba.n, 0) AS n FROM imp_org r
  LEFT JOIN by_code bc ON bc.std_address_code = r.std_address_code
  LEFT JOIN by_address ba ON r.std_address_code IS NULL AND ba.address = r.address
)
UPDATE imp_org r SET building_id = CASE WHEN l.n = 1 THEN l.id END, matches = l.n
FROM located l WHERE l.row_no = r.row_no
"""

# the rows whose place is wrong: no building or several, or a unit/floor the building does not have
PLACE_PROBLEMS = """
SELECT r.row_no, r.std_address_code, r.address, r.matches, r.unit, r.floor, b.units, b.floors
FROM imp_org r LEFT JOIN building b ON b.id = r.building_id
WHERE (r.std_address_code IS NOT NULL OR r.address IS NOT NULL)
  AND (r.matches <> 1 OR r.unit > b.units OR r.floor > b.floors OR r.floor < -5)
ORDER BY r.row_no
"""

# the stored organisation of each valid row: by credit code, else the same name in the same building
MATCH = """
UPDATE imp_org r SET target_id = coalesce(
  (SELECT o.id FROM organisation o WHERE o.credit_code = r.credit_code),
  (SELECT min(o.id) FROM organisation o WHERE o.building_id = r.building_id AND o.name = r.name
     AND (o.credit_code IS NULL OR r.credit_code IS NULL)))
WHERE r.valid
"""

# two rows of the sheet meaning the same organisation (same stored record, credit code, or name in a building)
SAME_ORGANISATION = """
SELECT row_no, first_row FROM (
  SELECT row_no, min(row_no) OVER (PARTITION BY coalesce('#' || target_id, 'C' || credit_code,
                                                        'B' || building_id || '/' || name)) AS first_row
  FROM imp_org WHERE valid) x
WHERE row_no <> first_row ORDER BY row_no
"""

SKIP_ROWS = "UPDATE imp_org SET valid = false WHERE row_no = ANY(CAST(:rows AS integer[]))"

_NEW = """(r.name, r.kind, coalesce(r.small_venue, o.small_venue), coalesce(r.key_unit, o.key_unit),
  coalesce(r.credit_code, o.credit_code), coalesce(r.legal_rep, o.legal_rep),
  coalesce(r.person_in_charge, o.person_in_charge), coalesce(r.phone, o.phone), r.building_id,
  coalesce(r.unit, o.unit), coalesce(r.floor, o.floor), coalesce(r.room, o.room), coalesce(r.opened_on, o.opened_on),
  coalesce(r.status, o.status), coalesce(r.fire_check_on, o.fire_check_on), coalesce(r.notes, o.notes))"""

UPDATE = f"""
UPDATE organisation o SET (name, kind, small_venue, key_unit, credit_code, legal_rep, person_in_charge, phone,
                           building_id, unit, floor, room, opened_on, status, fire_check_on, notes)
  = {_NEW}, updated_at = now(), updated_by = (SELECT holomap_request_user())
FROM imp_org r
WHERE r.valid AND o.id = r.target_id
  AND {_NEW} IS DISTINCT FROM (o.name, o.kind, o.small_venue, o.key_unit, o.credit_code, o.legal_rep,
       o.person_in_charge, o.phone, o.building_id, o.unit, o.floor, o.room, o.opened_on, o.status,
       o.fire_check_on, o.notes)
"""

INSERT = """
INSERT INTO organisation (building_id, name, kind, small_venue, key_unit, credit_code, legal_rep, person_in_charge,
                          phone, unit, floor, room, opened_on, status, fire_check_on, notes, created_by, updated_by)
SELECT building_id, name, kind, coalesce(small_venue, false), coalesce(key_unit, false), credit_code, legal_rep,
       person_in_charge, phone, unit, floor, room, opened_on, coalesce(status, 'open'), fire_check_on, notes,
       (SELECT holomap_request_user()), (SELECT holomap_request_user())
FROM imp_org WHERE valid AND target_id IS NULL ORDER BY row_no
"""
