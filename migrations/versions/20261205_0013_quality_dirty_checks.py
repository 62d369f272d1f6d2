"""quality_dirty.checks: which data-quality checks a write can change (issue 17, the board read right after a
write)

A write used to mark its beat's cached counts stale as a whole, so the next board read recounted all 14
checks of the beat — residents, their likely duplicates, visits, organisations, buildings — some 100–240 ms
for one beat. A row of the invalidation log now names the checks the write can change (NULL: all of them): a
visit only the two visit checks, an organisation only the organisation and building checks, a resident the
resident and household checks, a resident's same-name peers only the duplicate check. holomap_quality_board
recounts a beat's named checks only (api/quality/sql/quality.sql; the triggers in dirty.sql). Additive, but
for holomap_quality_counts, which gains the argument p_checks (DEFAULT NULL): its two-argument form is dropped
here, or a call with two arguments would be ambiguous (`holomap migrate` then creates the new one).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("quality_dirty", sa.Column("checks", postgresql.ARRAY(sa.Text()), nullable=True))
    op.execute("DROP FUNCTION IF EXISTS holomap_quality_counts(integer[], date)")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS holomap_quality_counts(integer[], date, text[])")
    op.drop_column("quality_dirty", "checks")
