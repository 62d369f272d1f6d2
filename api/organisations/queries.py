"""SQL of 实有单位. Row-level security (api/auth/sql/policies.sql) scopes every statement by the beat;
the `:beats` filters say the same explicitly (and let the planner use ix_organisation_beat_id)."""

_COLUMNS = """
o.id, o.building_id, b.address, o.beat_id, o.name, o.kind, o.small_venue, o.key_unit, o.credit_code, o.legal_rep,
o.person_in_charge, o.phone, o.unit, o.floor, o.room, o.opened_on, o.status, o.fire_check_on, o.notes,
o.updated_at, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat,
(SELECT count(*) FROM organisation_employee e WHERE e.organisation_id = o.id AND e.left_on IS NULL) AS employees
"""

ORGANISATION = f"""
SELECT {_COLUMNS}
FROM organisation o JOIN building b ON b.id = o.building_id
WHERE o.id = :id AND o.beat_id = ANY(CAST(:beats AS integer[]))
"""

# by building, or by name fragment / credit code (q), newest first within the user's beats
ORGANISATIONS = f"""
SELECT {_COLUMNS}
FROM organisation o JOIN building b ON b.id = o.building_id
WHERE o.beat_id = ANY(CAST(:beats AS integer[]))
  AND (CAST(:building_id AS integer) IS NULL OR o.building_id = :building_id)
  AND (CAST(:q AS text) IS NULL OR o.name LIKE :contains OR o.credit_code = :upper)
ORDER BY (o.name = :q) DESC, o.name, o.id
LIMIT :limit
"""

BUILDING_SIZE = "SELECT units, floors FROM building WHERE id = :id"

CREDIT_CODE_IN_SCOPE = "SELECT id FROM organisation WHERE credit_code = :code AND id IS DISTINCT FROM :id"

INSERT = """
INSERT INTO organisation (building_id, name, kind, small_venue, key_unit, credit_code, legal_rep, person_in_charge,
                          phone, unit, floor, room, opened_on, status, fire_check_on, notes, created_by, updated_by)
VALUES (:building_id, :name, :kind, :small_venue, :key_unit, :credit_code, :legal_rep, :person_in_charge,
        :phone, :unit, :floor, :room, :opened_on, :status, :fire_check_on, :notes, :user_id, :user_id)
RETURNING id
"""

CURRENT = "SELECT * FROM organisation WHERE id = :id AND beat_id = ANY(CAST(:beats AS integer[]))"

UPDATE = """
UPDATE organisation SET building_id = :building_id, name = :name, kind = :kind, small_venue = :small_venue,
  key_unit = :key_unit, credit_code = :credit_code, legal_rep = :legal_rep, person_in_charge = :person_in_charge,
  phone = :phone, unit = :unit, floor = :floor, room = :room, opened_on = :opened_on, status = :status,
  fire_check_on = :fire_check_on, notes = :notes, updated_at = now(), updated_by = :user_id
WHERE id = :id
RETURNING id
"""

_EMPLOYEE = """
e.id, e.organisation_id, e.person_id, e.name, e.id_number, e.phone, e.role, e.since, e.left_on
"""

EMPLOYEES = f"""
SELECT {_EMPLOYEE} FROM organisation_employee e
WHERE e.organisation_id = :organisation_id
ORDER BY e.left_on IS NOT NULL, e.since NULLS LAST, e.id
"""

EMPLOYEE = f"SELECT {_EMPLOYEE} FROM organisation_employee e WHERE e.id = :id AND e.organisation_id = :organisation_id"

EMPLOYEE_DUPLICATE = """
SELECT 1 FROM organisation_employee
WHERE organisation_id = :organisation_id AND left_on IS NULL
  AND ((CAST(:id_number AS text) IS NOT NULL AND id_number = :id_number)
    OR (CAST(:person_id AS integer) IS NOT NULL AND person_id = :person_id))
"""

PERSON = "SELECT id, name, id_number, phone FROM person WHERE id = :id AND moved_out IS NULL"

INSERT_EMPLOYEE = f"""
INSERT INTO organisation_employee AS e (organisation_id, person_id, name, id_number, phone, role, since, created_by)
VALUES (:organisation_id, :person_id, :name, :id_number, :phone, :role, :since, :user_id)
RETURNING {_EMPLOYEE}
"""

UPDATE_EMPLOYEE = f"""
UPDATE organisation_employee AS e SET phone = :phone, role = :role, since = :since, left_on = :left_on
WHERE e.id = :id AND e.organisation_id = :organisation_id
RETURNING {_EMPLOYEE}
"""

TOUCH = "UPDATE organisation SET updated_at = now(), updated_by = :user_id WHERE id = :id"
