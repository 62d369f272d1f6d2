"""app_user.must_change_password: a one-time password set by an administrator must be changed at first
sign-in (issue 19, accounts)

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("app_user", sa.Column("must_change_password", sa.Boolean(), server_default="false",
                                        nullable=False))


def downgrade() -> None:
    op.drop_column("app_user", "must_change_password")
