"""heat aggregates (reserved for the heat-map pre-aggregation (issue 7))

Revision ID: 0010
Revises: 0009_information_collection
Create Date: 2026-11-25
"""

revision = "0010"
down_revision = "0009_information_collection"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
