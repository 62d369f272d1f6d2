"""The residents a document check lists, by beat: two small partial indexes on person (beat_id)

The 数据质量 items of `person_visa_expiring` (foreign residents and other documents than an ID card) and
`person_permit_expiring` (temporary and floating residents) list a beat's residents by `person.beat_id`; on
its full index a chief's 50 beats still read their ~25,000 residents to keep the ~2,000 with such a
document (8–11 ms each, the largest part of 我的任务's 数据质量 section). Partial indexes holding only those
residents (≈ 400 and 77,000 of the county's 1M) let each check read just its own.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

FOREIGN = "moved_out IS NULL AND (residency = 'foreign' OR document_kind <> 'id_card')"
PERMIT = "moved_out IS NULL AND residency IN ('temporary', 'floating')"


def upgrade() -> None:
    op.create_index("ix_person_beat_foreign", "person", ["beat_id"], postgresql_where=sa.text(FOREIGN))
    op.create_index("ix_person_beat_permit", "person", ["beat_id"], postgresql_where=sa.text(PERMIT))


def downgrade() -> None:
    op.drop_index("ix_person_beat_permit", table_name="person")
    op.drop_index("ix_person_beat_foreign", table_name="person")
