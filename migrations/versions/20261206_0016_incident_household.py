"""incident.household_id: the household a 警情 happened to (repeat victims) — issue 21

Incidents had a place but no victim, so "repeat victims" (households with two or more incidents in 12 months)
could not be counted. An optional link to the household, set by POST /api/incidents (only a household of the
user's beats) and seeded for a share of the burglaries, frauds and disputes at home. Deleting a household
keeps its incidents (SET NULL). Three partial indexes over the linked incidents only (~12 % at county scale):
by station and time, and by time (the bureau), both covering the repeat-victim counts (index-only); by
household (a household's incidents, and the SET NULL when a household is deleted).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

LINKED = sa.text("household_id IS NOT NULL")


def upgrade() -> None:
    op.add_column("incident", sa.Column("household_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_incident_household_id_household"), "incident", "household",
                          ["household_id"], ["id"], ondelete="SET NULL")
    op.create_index("ix_incident_household_time", "incident", ["occurred_at"], postgresql_where=LINKED,
                    postgresql_include=["household_id", "station_id", "category", "hour_local", "isodow_local"])
    op.create_index("ix_incident_household_station_time", "incident", ["station_id", "occurred_at"],
                    postgresql_where=LINKED,
                    postgresql_include=["household_id", "category", "hour_local", "isodow_local"])
    op.create_index("ix_incident_household", "incident", ["household_id", "occurred_at"], postgresql_where=LINKED)


def downgrade() -> None:
    op.drop_index("ix_incident_household", table_name="incident")
    op.drop_index("ix_incident_household_station_time", table_name="incident")
    op.drop_index("ix_incident_household_time", table_name="incident")
    op.drop_constraint(op.f("fk_incident_household_id_household"), "incident", type_="foreignkey")
    op.drop_column("incident", "household_id")
