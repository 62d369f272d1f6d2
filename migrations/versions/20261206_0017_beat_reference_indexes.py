"""Indexes under the foreign keys that point at beats: deleting a draft's beats no longer scans person

A plan's beats are deleted when a draft is deleted or a publish replaces the plan in force, and PostgreSQL
checks each foreign key pointing at a deleted beat by a query on the referencing table. `person.beat_id`
(0014) had only a partial index (tagged residents), so each of a 50-beat draft's beats cost a scan of every
resident: a publish at county took 7.3 s instead of ~1 s, deleting a draft 6.8 s (bench/plan_stats.py,
auto_explain). `quality_snapshot.beat_id` (0006) leads none of its indexes either (its key is week first), nor
`beat_plan.based_on` (a draft's source plan).
tests/test_fk_indexes.py keeps every foreign key to a table whose rows are deleted in normal work indexed.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_person_beat_id", "person", ["beat_id"])
    op.create_index("ix_quality_snapshot_beat_id", "quality_snapshot", ["beat_id"])
    op.create_index("ix_beat_plan_based_on", "beat_plan", ["based_on"], postgresql_where=sa.text("based_on IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_beat_plan_based_on", table_name="beat_plan")
    op.drop_index("ix_quality_snapshot_beat_id", table_name="quality_snapshot")
    op.drop_index("ix_person_beat_id", table_name="person")
