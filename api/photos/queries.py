"""SQL of photos (tables of migration 0002)."""

# the beat of the photo's subject; under row-level security an out-of-scope visit or dispute is not seen
VISIT_BEAT = "SELECT h.beat_id FROM visit v JOIN household h ON h.id = v.household_id WHERE v.id = :id"
DISPUTE_BEAT = "SELECT beat_id FROM dispute WHERE id = :id"

STORE_BLOB = """
INSERT INTO photo_blob (sha256, media_type, size, width, height, data)
VALUES (:sha256, :media_type, :size, :width, :height, :data)
ON CONFLICT (sha256) DO NOTHING
"""

ATTACH = """
INSERT INTO photo (sha256, visit_id, building_id, dispute_id, taken_at, created_by)
VALUES (:sha256, :visit_id, :building_id, :dispute_id, :taken_at, :user_id)
RETURNING id
"""

PHOTO = """
SELECT p.id, p.sha256, b.media_type, b.size, b.width, b.height, p.taken_at, p.visit_id, p.building_id,
       p.dispute_id, p.created_at
FROM photo p JOIN photo_blob b ON b.sha256 = p.sha256
WHERE p.id = :id
"""

PHOTO_DATA = "SELECT data FROM photo_blob WHERE sha256 = :sha256"
