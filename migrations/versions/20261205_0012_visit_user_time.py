"""visit (user_id, visited_at) INCLUDE (household_id): an officer's visits of a period by one index — issue 22

The dashboard's officer table counts each officer's visits per month (holomap_officer_visits). The function's
plan is generic (a SQL function's statement is planned once with its arguments unknown), and with only
`ix_visit_user_id` and `ix_visit_visited_at` it combined both, reading every visit of the year from the time
index (~500k at county scale) to keep 6k. This index answers "these users, this period" by itself, with the
household for the distinct counts, without the table.
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_visit_user_time", "visit", ["user_id", "visited_at"],
                    postgresql_include=["household_id"])


def downgrade() -> None:
    op.drop_index("ix_visit_user_time", table_name="visit")
