"""beat planning that cannot break the map: plan units, server-side undo/redo, review — issue 18

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

`plan_unit`: the atoms a plan's beats are made of — each village cut by the beats of the plan it was
copied from (for the seed, one unit per village). Units of one plan never overlap and cover the
jurisdiction; every beat's geometry is the union of its units, so a shared edge is shared by
construction and an edit is a change of owner of whole units (a free-hand edit splits units first).
`plan_step`: the undo/redo history of a draft (before/after of the units and beats it touched).
`plan_review`: submit / return / approve / publish events of a plan with their notes.
`beat_plan.review_state`: NULL (being edited), 'submitted' (frozen for the chief) or 'returned'.
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _grant(tables: list[str]) -> None:
    from api.config import get_settings

    role = get_settings().app_db_role
    bind = op.get_bind()
    if not bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        return
    q = bind.dialect.identifier_preparer.quote
    for table in tables:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {q(role)}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {q(role)}")


def upgrade() -> None:
    op.add_column("beat_plan", sa.Column("review_state", sa.String(16), nullable=True))
    op.execute(
        "ALTER TABLE beat_plan ADD CONSTRAINT ck_beat_plan_review_state"
        " CHECK (review_state IN ('submitted', 'returned'))"
    )
    op.create_table(
        "plan_unit",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("beat_plan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("village_id", sa.Integer, sa.ForeignKey("village.id", ondelete="CASCADE"), nullable=True),
        sa.Column("beat_id", sa.Integer, sa.ForeignKey("beat.id", ondelete="SET NULL"), nullable=True),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.CheckConstraint("ST_IsValid(geom)", name="ck_plan_unit_geom_valid"),
        sa.CheckConstraint(
            "ST_CoveredBy(geom, ST_MakeEnvelope(-180, -90, 180, 90, 4326))", name="ck_plan_unit_geom_in_range"
        ),
    )
    op.create_index("ix_plan_unit_plan_village", "plan_unit", ["plan_id", "village_id"])
    op.create_index("ix_plan_unit_beat_id", "plan_unit", ["beat_id"])
    op.create_index("idx_plan_unit_geom", "plan_unit", ["geom"], postgresql_using="gist")
    op.create_table(
        "plan_step",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("beat_plan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("before", postgresql.JSONB, nullable=False),
        sa.Column("after", postgresql.JSONB, nullable=False),
        sa.Column("undone", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.UniqueConstraint("plan_id", "seq", name="uq_plan_step_seq"),
    )
    op.create_table(
        "plan_review",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("beat_plan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint("action IN ('submit', 'return', 'approve', 'publish')", name="ck_plan_review_action"),
    )
    op.create_index("ix_plan_review_plan_id", "plan_review", ["plan_id"])
    _grant(["plan_unit", "plan_step", "plan_review"])


def downgrade() -> None:
    op.drop_table("plan_review")
    op.drop_table("plan_step")
    op.drop_table("plan_unit")
    op.execute("ALTER TABLE beat_plan DROP CONSTRAINT ck_beat_plan_review_state")
    op.drop_column("beat_plan", "review_state")
