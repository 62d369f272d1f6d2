"""Scope-leading columns and indexes for search and 我的任务 at county scale — issue 22

- `vehicle.beat_id`: the beat of the vehicle's household (its own, else its owner's), kept by triggers
  (api/people/sql/vehicle_beat.sql). Search reads the plates of the user's beats from `ix_vehicle_beat_plate
  (beat_id, plate) INCLUDE (id)` alone (a chief's "鲁M8" read 4,666 vehicles of the county and their
  households before; now ~3,000 index entries of the chief's beats).
- `ix_building_address_bigrams`: GIN over the two-character pieces of the address (holomap_bigrams,
  api/places/sql/bigrams.sql): a 2-character address fragment has no trigram.
- `household.last_visited_at`: the household's newest visit, kept by a trigger on visit
  (api/visits/sql/last_visit.sql); `ix_household_beat_last_visit (beat_id, last_visited_at) INCLUDE (id,
  building_id, kind)` lists the worklist's households due index-only, without reading every visit in scope.
- `ix_household_beat_building (beat_id, building_id)`: the buildings of the households in scope, index only
  (search by a 1–2 character address fragment); `ix_household_building_beat (building_id, beat_id)`: whether
  a building has a household in scope, index only (search by address); `ix_household_beat_room (beat_id,
  room)`: a room-level address ("1号楼1102") in scope.

Both columns are filled here from the data (set-based); the triggers keep them from then on.
"""
import sqlalchemy as sa
from alembic import op

from api import dbprogram

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BACKFILL_VEHICLE = """
UPDATE vehicle v SET beat_id = h.beat_id
FROM vehicle v2 LEFT JOIN person o ON o.id = v2.owner_person_id
JOIN household h ON h.id = coalesce(v2.household_id, o.household_id)
WHERE v2.id = v.id AND h.beat_id IS NOT NULL
"""
BACKFILL_HOUSEHOLD = """
UPDATE household h SET last_visited_at = lv.at
FROM (SELECT household_id, max(visited_at) AS at FROM visit GROUP BY household_id) lv
WHERE lv.household_id = h.id
"""


def upgrade() -> None:
    op.add_column("vehicle", sa.Column("beat_id", sa.Integer(), sa.ForeignKey("beat.id", name="fk_vehicle_beat_id_beat"),
                                       nullable=True))
    op.add_column("household", sa.Column("last_visited_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(BACKFILL_VEHICLE)
    op.execute(BACKFILL_HOUSEHOLD)
    op.create_index("ix_vehicle_beat_plate", "vehicle", ["beat_id", "plate"], postgresql_include=["id"])
    # the index expression's function first (its file is applied again, unchanged, by holomap migrate)
    op.execute(dbprogram.source("places/sql/bigrams.sql"))
    op.create_index("ix_building_address_bigrams", "building", [sa.text("holomap_bigrams(address)")],
                    postgresql_using="gin")
    op.create_index("ix_household_beat_last_visit", "household", ["beat_id", "last_visited_at"],
                    postgresql_include=["id", "building_id", "kind"])
    op.create_index("ix_household_beat_building", "household", ["beat_id", "building_id"])
    op.create_index("ix_household_building_beat", "household", ["building_id", "beat_id"])
    op.create_index("ix_household_beat_room", "household", ["beat_id", "room"])


def downgrade() -> None:
    for name in ("ix_household_beat_room", "ix_household_building_beat", "ix_household_beat_building",
                 "ix_household_beat_last_visit"):
        op.drop_index(name, table_name="household")
    op.drop_index("ix_building_address_bigrams", table_name="building")
    op.drop_index("ix_vehicle_beat_plate", table_name="vehicle")
    op.drop_column("household", "last_visited_at")
    op.drop_column("vehicle", "beat_id")
