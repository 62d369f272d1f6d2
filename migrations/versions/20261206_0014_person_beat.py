"""person.beat_id: the beat of the resident's household, for search and 我的任务 at county scale — issue 22

- `person.beat_id`: the beat of the person's household, kept by triggers (api/people/sql/person_beat.sql) as
  vehicle.beat_id (0009). Search filters its county-wide candidates of an ID or phone tail by it while it reads
  them (a chief's "0322" found 492 persons of the county and probed 492 households for their beat: 6 of the
  15 ms), and the worklist's key persons start from the residents with tags in scope.
- `ix_person_beat_tagged (beat_id) INCLUDE (household_id, tags, name) WHERE tags <> '{}' AND moved_out IS NULL`:
  the tagged residents of the user's beats, index only (a chief: ~2,000 of 25,000), hash-joined to the households
  due, instead of a probe of ix_person_key_household for each of the chief's ~9,500 households.

Filled here from the data (set-based); the triggers keep it from then on.
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE person p SET beat_id = h.beat_id
FROM household h
WHERE h.id = p.household_id AND h.beat_id IS NOT NULL
"""


def upgrade() -> None:
    op.add_column("person", sa.Column("beat_id", sa.Integer(), sa.ForeignKey("beat.id", name="fk_person_beat_id_beat"),
                                      nullable=True))
    # a fill of a derived column: the quality cache's row triggers stand aside (as for a bulk load)
    op.execute("SELECT set_config('holomap.bulk_load', 'on', true)")
    op.execute(BACKFILL)
    op.execute("SELECT set_config('holomap.bulk_load', 'off', true)")
    op.create_index("ix_person_beat_tagged", "person", ["beat_id"], postgresql_include=["household_id", "tags", "name"],
                    postgresql_where=sa.text("tags <> '{}' AND moved_out IS NULL"))


# what depends on the column (api/people/sql/person_beat.sql's trigger, api/auth/sql/policies.sql's person_scope)
# goes first; the policy as it was before 0014 (by the household's beat)
DOWNGRADE_PROGRAM = """
DROP TRIGGER IF EXISTS person_beat ON person;
DROP TRIGGER IF EXISTS person_beat_update ON person;
DROP TRIGGER IF EXISTS household_persons_beat ON household;
DROP FUNCTION IF EXISTS holomap_person_beat();
DROP FUNCTION IF EXISTS holomap_household_persons_beat();
DROP POLICY IF EXISTS person_scope ON person;
CREATE POLICY person_scope ON person FOR SELECT
  USING ((SELECT h.beat_id FROM household h WHERE h.id = person.household_id)
         = ANY ((SELECT holomap_scope_beats())::integer[]));
"""


def downgrade() -> None:
    op.execute(DOWNGRADE_PROGRAM)
    op.drop_index("ix_person_beat_tagged", table_name="person")
    op.drop_column("person", "beat_id")
