"""near_repeat_warning: 近重复预警 zones issued when an incident is recorded — issue 21

When an incident of a category whose cached Knox table shows a significant near-repeat pattern is recorded
(POST /api/incidents), a warning zone is stored: a circle of the pattern's distance around the incident,
valid from the incident's time for the pattern's days, with the current beats it touches (`beat_ids`, for
the officers' map and 我的任务) and the number of households in it when issued (leaders see counts only).
One warning per incident. The app role reads and inserts; nothing updates or deletes a warning (an
expired one simply stops being shown; deleting the incident removes it).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.create_table(
        "near_repeat_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("zone", Geometry(geometry_type="POLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.Column("radius_m", sa.Double(), nullable=False),
        sa.Column("days", sa.SmallInteger(), nullable=False),
        sa.Column("knox_ratio", sa.Double(), nullable=True),
        sa.Column("knox_events", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("beat_ids", sa.ARRAY(sa.Integer()), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=24), server_default="visit_reminder", nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("radius_m > 0 AND radius_m <= 5000", name=op.f("ck_near_repeat_warning_radius")),
        sa.CheckConstraint("days BETWEEN 1 AND 365", name=op.f("ck_near_repeat_warning_days")),
        sa.CheckConstraint("expires_at > starts_at", name=op.f("ck_near_repeat_warning_expiry")),
        sa.CheckConstraint("action IN ('visit_reminder')", name=op.f("ck_near_repeat_warning_action")),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], ondelete="CASCADE",
                                name=op.f("fk_near_repeat_warning_incident_id_incident")),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"], name=op.f("fk_near_repeat_warning_station_id_station")),
        sa.ForeignKeyConstraint(["issued_by"], ["app_user.id"], name=op.f("fk_near_repeat_warning_issued_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_near_repeat_warning")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_near_repeat_warning_incident_id")),
    )
    op.create_geospatial_index("idx_near_repeat_warning_zone", "near_repeat_warning", ["zone"], unique=False,
                               postgresql_using="gist", postgresql_ops={})
    op.create_index("ix_near_repeat_warning_station_expiry", "near_repeat_warning", ["station_id", "expires_at"])
    op.create_index("ix_near_repeat_warning_beats", "near_repeat_warning", ["beat_ids"], postgresql_using="gin")
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT, INSERT ON near_repeat_warning TO {q(role)}")
        op.execute(f"GRANT USAGE, SELECT ON near_repeat_warning_id_seq TO {q(role)}")


def downgrade() -> None:
    op.drop_table("near_repeat_warning")
