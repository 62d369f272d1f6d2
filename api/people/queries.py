"""SQL of the people domain."""

PERSON_ID_NUMBER = """
SELECT p.id, p.name, p.id_number, p.household_id FROM person p WHERE p.id = :id
"""

# ---- 信息采集 (the caller has checked scope; RLS checks it again on every write) ----

PERSON_COLUMNS = """
p.id, p.household_id, p.name, p.id_number, p.gender, p.birth_date, p.phone, p.residency,
p.relation_to_head, p.tags, p.nationality, p.moved_in, p.moved_out, p.registered_address, p.permit_no,
p.permit_expires, p.document_kind, p.document_no, p.visa_expires
"""

PERSON = "SELECT " + PERSON_COLUMNS + " FROM person p WHERE p.id = :id"

INSERT_PERSON = """
INSERT INTO person AS p (household_id, name, id_number, gender, birth_date, phone, residency, relation_to_head,
                         tags, nationality, moved_in, registered_address, permit_no, permit_expires,
                         document_kind, document_no, visa_expires, created_by, updated_by)
VALUES (:household_id, :name, :id_number, :gender, :birth_date, :phone, :residency, :relation_to_head,
        CAST(:tags AS text[]), :nationality, :moved_in, :registered_address, :permit_no, :permit_expires,
        coalesce(:document_kind, 'id_card'), :document_no, :visa_expires, :user_id, :user_id)
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
  nationality = CASE WHEN :set_nationality THEN :nationality ELSE p.nationality END,
  registered_address = CASE WHEN :set_registered_address THEN :registered_address ELSE p.registered_address END,
  permit_no = CASE WHEN :set_permit_no THEN :permit_no ELSE p.permit_no END,
  permit_expires = CASE WHEN :set_permit_expires THEN :permit_expires ELSE p.permit_expires END,
  document_kind = coalesce(:document_kind, p.document_kind),
  document_no = CASE WHEN :set_document_no THEN :document_no ELSE p.document_no END,
  visa_expires = CASE WHEN :set_visa_expires THEN :visa_expires ELSE p.visa_expires END,
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

# ---- 出租屋管理 and 房屋 (migration 0006) ----

HOUSEHOLD_FACTS = """
h.id, h.building_id, h.unit, h.floor, h.room, h.kind, h.landlord_person_id, h.landlord_name, h.landlord_phone,
h.lease_start, h.lease_end
"""
HOUSEHOLD = "SELECT " + HOUSEHOLD_FACTS + " FROM household h WHERE h.id = :id"

UPDATE_HOUSEHOLD = """
UPDATE household AS h SET
  kind = coalesce(:kind, h.kind),
  landlord_person_id = CASE WHEN :set_landlord_person_id THEN :landlord_person_id ELSE h.landlord_person_id END,
  landlord_name = CASE WHEN :set_landlord_name THEN :landlord_name ELSE h.landlord_name END,
  landlord_phone = CASE WHEN :set_landlord_phone THEN :landlord_phone ELSE h.landlord_phone END,
  lease_start = CASE WHEN :set_lease_start THEN :lease_start ELSE h.lease_start END,
  lease_end = CASE WHEN :set_lease_end THEN :lease_end ELSE h.lease_end END,
  updated_by = :user_id
WHERE h.id = :id
RETURNING """ + HOUSEHOLD_FACTS

BUILDING_FACTS = "b.id, b.address, b.kind, b.use, b.owner_person_id, b.owner_name, b.owner_phone"
BUILDING = "SELECT " + BUILDING_FACTS + " FROM building b WHERE b.id = :id"

UPDATE_BUILDING = """
UPDATE building AS b SET
  use = CASE WHEN :set_use THEN :use ELSE b.use END,
  owner_person_id = CASE WHEN :set_owner_person_id THEN :owner_person_id ELSE b.owner_person_id END,
  owner_name = CASE WHEN :set_owner_name THEN :owner_name ELSE b.owner_name END,
  owner_phone = CASE WHEN :set_owner_phone THEN :owner_phone ELSE b.owner_phone END
WHERE b.id = :id
RETURNING """ + BUILDING_FACTS

# a landlord or owner given as a registered person: any person the user can see (row-level security)
PERSON_VISIBLE = "SELECT EXISTS (SELECT 1 FROM person WHERE id = :id)"

MOVES = """
SELECT m.id, m.household_id, b.address || ' ' || h.unit || '单元' || h.room AS address, m.kind, m.moved_on,
       m.recorded_at
FROM person_move m LEFT JOIN household h ON h.id = m.household_id LEFT JOIN building b ON b.id = h.building_id
WHERE m.person_id = :id ORDER BY m.recorded_at DESC, m.id DESC
"""
