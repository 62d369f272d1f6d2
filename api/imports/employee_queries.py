"""SQL of the 从业人员 (employees) import: the rows staged once, each matched to its organisation (by credit
code, else by name in the building of the standard address code or address) and to a registered resident of
the same ID number, then UPDATE … WHERE IS DISTINCT FROM (re-importing changes nothing) and INSERT. An
employee is one (organisation, ID number) — the table's unique key. Empty cells never erase stored values."""

DROP_STAGING = "DROP TABLE IF EXISTS imp_emp"

STAGE = """
CREATE TEMP TABLE imp_emp ON COMMIT DROP AS
SELECT x.*, NULL::integer AS organisation_id, 0 AS matches, NULL::integer AS person_id
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(
  row_no integer, valid boolean, credit_code text, organisation text, std_address_code text, address text,
  name text, id_number text, role text, since date, phone text, left_on date)
"""

# the organisation of each row that names one (a row without is reported by the validator)
LOCATE = """
WITH buildings AS (
  SELECT r.row_no, b.id FROM imp_emp r JOIN building b ON b.std_address_code = r.std_address_code
  WHERE r.credit_code IS NULL AND r.std_address_code IS NOT NULL
  UNION ALL
  SELECT r.row_no, b.id FROM imp_emp r JOIN building b ON b.address = r.address
  WHERE r.credit_code IS NULL AND r.std_address_code IS NULL AND r.address IS NOT NULL
), found AS (
  SELECT r.row_no, o.id FROM imp_emp r JOIN organisation o ON o.credit_code = r.credit_code
  WHERE r.credit_code IS NOT NULL
  UNION ALL
  SELECT r.row_no, o.id FROM imp_emp r JOIN buildings b ON b.row_no = r.row_no
  JOIN organisation o ON o.building_id = b.id AND o.name = r.organisation
), counted AS (
  SELECT row_no, min(id) AS id, count(*) AS n FROM found GROUP BY row_no
)
UPDATE imp_emp r SET organisation_id = CASE WHEN c.n = 1 THEN c.id END, matches = coalesce(c.n, 0)
FROM imp_emp x LEFT JOIN counted c ON c.row_no = x.row_no
WHERE x.row_no = r.row_no
"""

ORGANISATION_PROBLEMS = """
SELECT row_no, credit_code, organisation, matches FROM imp_emp
WHERE matches <> 1 AND (credit_code IS NOT NULL OR (organisation IS NOT NULL
                        AND (std_address_code IS NOT NULL OR address IS NOT NULL)))
ORDER BY row_no
"""

# one employee twice in the sheet (same organisation, same ID number)
SAME_EMPLOYEE = """
SELECT row_no, first_row FROM (
  SELECT row_no, min(row_no) OVER (PARTITION BY organisation_id, id_number) AS first_row
  FROM imp_emp WHERE valid AND organisation_id IS NOT NULL) x
WHERE row_no <> first_row ORDER BY row_no
"""

SKIP_ROWS = "UPDATE imp_emp SET valid = false WHERE row_no = ANY(CAST(:rows AS integer[]))"

LINK_PERSONS = """
UPDATE imp_emp r SET person_id = p.id FROM person p WHERE r.valid AND p.id_number = r.id_number
"""

_NEW = """(r.name, coalesce(r.phone, e.phone), coalesce(r.role, e.role), coalesce(r.since, e.since),
  coalesce(r.left_on, e.left_on), coalesce(r.person_id, e.person_id))"""

UPDATE = f"""
UPDATE organisation_employee e SET (name, phone, role, since, left_on, person_id) = {_NEW}
FROM imp_emp r
WHERE r.valid AND e.organisation_id = r.organisation_id AND e.id_number = r.id_number
  AND {_NEW} IS DISTINCT FROM (e.name, e.phone, e.role, e.since, e.left_on, e.person_id)
"""

INSERT = """
INSERT INTO organisation_employee (organisation_id, person_id, name, id_number, phone, role, since, left_on,
                                   created_by)
SELECT r.organisation_id, r.person_id, r.name, r.id_number, r.phone, r.role, r.since, r.left_on,
       (SELECT holomap_request_user())
FROM imp_emp r
WHERE r.valid AND NOT EXISTS (SELECT 1 FROM organisation_employee e
                              WHERE e.organisation_id = r.organisation_id AND e.id_number = r.id_number)
ORDER BY r.row_no
"""
