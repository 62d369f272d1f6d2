"""weekly_report: the weekly 研判 report as issued, per station and for the bureau — issue 21

`holomap weekly-report` (a cron line or systemd timer each Monday) and the first request for a finished week
(GET /api/reports/weekly) store the report of that China-time week (Monday–Sunday) for one station, or for
the bureau (station_id NULL), as the JSON the API answers: last weeks' reports open instantly and stay as they
were issued, whatever is recorded later. One row per week and scope (NULLS NOT DISTINCT: one bureau row per
week). The app role reads and inserts; nothing updates or deletes an issued report.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.create_table(
        "weekly_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("body", postgresql.JSONB(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("generated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("extract(isodow FROM week) = 1", name=op.f("ck_weekly_report_monday")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], ondelete="CASCADE",
                                name=op.f("fk_weekly_report_station_id_station")),
        sa.ForeignKeyConstraint(["generated_by"], ["app_user.id"], name=op.f("fk_weekly_report_generated_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_report")),
        sa.UniqueConstraint("week", "station_id", name="uq_weekly_report_week_station",
                            postgresql_nulls_not_distinct=True),
    )
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT, INSERT ON weekly_report TO {q(role)}")
        op.execute(f"GRANT USAGE, SELECT ON weekly_report_id_seq TO {q(role)}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS holomap_report_disputes(integer[], timestamp with time zone, "
               "timestamp with time zone, jsonb, integer)")
    op.execute("DROP FUNCTION IF EXISTS holomap_report_visits(integer[], timestamp with time zone, "
               "timestamp with time zone, timestamp with time zone)")
    op.drop_table("weekly_report")
