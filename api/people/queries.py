"""SQL of the people domain."""

PERSON_ID_NUMBER = """
SELECT p.id, p.name, p.id_number, p.household_id FROM person p WHERE p.id = :id
"""

# ---- 信息采集 (the caller has checked scope; RLS checks it again on every write) ----

PERSON_COLUMNS = """
p.id, p.household_id, p.name, p.id_number, p.gender, p.birth_date, p.phone, p.residency,
p.relation_to_head, p.tags, p.nationality, p.moved_in, p.moved_out
"""

PERSON = "SELECT " + PERSON_COLUMNS + " FROM person p WHERE p.id = :id"

INSERT_PERSON = """
INSERT INTO person AS p (household_id, name, id_number, gender, birth_date, phone, residency, relation_to_head,
                         tags, nationality, moved_in, created_by, updated_by)
VALUES (:household_id, :name, :id_number, :gender, :birth_date, :phone, :residency, :relation_to_head,
        CAST(:tags AS text[]), :nationality, :moved_in, :user_id, :user_id)
RETURNING """ + PERSON_COLUMNS

# every column is set from its bound value or kept (a CASE per column keeps the statement fixed)
UPDATE_PERSON = """
UPDATE person AS p SET
  phone = CASE WHEN :set_phone THEN :phone ELSE p.phone END,
  residency = coalesce(:residency, p.residency),
  relation_to_head = CASE WHEN :set_relation THEN :relation_to_head ELSE p.relation_to_head END,
  tags = coalesce(CAST(:tags AS text[]), p.tags),
  moved_in = CASE WHEN :set_moved_in THEN :moved_in ELSE p.moved_in END,
  moved_out = CASE WHEN :set_moved_out THEN :moved_out ELSE p.moved_out END,
  updated_by = :user_id, updated_at = now()
WHERE p.id = :id
RETURNING """ + PERSON_COLUMNS

HOUSEHOLD_OF_PERSON = "SELECT household_id FROM person WHERE id = :id"

VEHICLE_COLUMNS = "v.id, v.household_id, v.plate, v.kind, v.brand, v.color, v.owner_person_id"

VEHICLE = "SELECT " + VEHICLE_COLUMNS + " FROM vehicle v WHERE v.id = :id"

INSERT_VEHICLE = """
INSERT INTO vehicle AS v (plate, kind, brand, color, owner_person_id, household_id, created_by, updated_by)
VALUES (:plate, :kind, :brand, :color, :owner_person_id, :household_id, :user_id, :user_id)
RETURNING """ + VEHICLE_COLUMNS

UPDATE_VEHICLE = """
UPDATE vehicle AS v SET
  plate = coalesce(:plate, v.plate),
  kind = coalesce(:kind, v.kind),
  brand = CASE WHEN :set_brand THEN :brand ELSE v.brand END,
  color = CASE WHEN :set_color THEN :color ELSE v.color END,
  owner_person_id = CASE WHEN :set_owner THEN :owner_person_id ELSE v.owner_person_id END,
  updated_by = :user_id, updated_at = now()
WHERE v.id = :id
RETURNING """ + VEHICLE_COLUMNS

# is the existing record in the user's beats? (row-level security answers: visible means in scope)
PERSON_IN_SCOPE = "SELECT EXISTS (SELECT 1 FROM person WHERE id_number = :id_number)"
PLATE_IN_SCOPE = "SELECT EXISTS (SELECT 1 FROM vehicle WHERE plate = :plate)"
