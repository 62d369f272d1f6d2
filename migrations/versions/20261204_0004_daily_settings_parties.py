"""Issue 19 (daily work): app_setting (administrator settings such as the worklist's key-person tags);
dispute parties from outside the register (name + phone); a `correction` event for grade/title edits

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('mediation', 'agreement', 'return_visit', 'escalation', 'note', 'status')"
NEW_KINDS = "kind IN ('mediation', 'agreement', 'return_visit', 'escalation', 'note', 'status', 'correction')"


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    # settings an administrator changes on screen; no personal data (so no row-level security)
    op.create_table(
        "app_setting",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", postgresql.JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("app_user.id", name=op.f("fk_app_setting_updated_by_app_user")),
                  nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_setting")),
    )
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON app_setting TO {q(role)}")

    # a party from outside the register: a name and a phone instead of a person or household
    op.add_column("dispute_party", sa.Column("name", sa.String(50), nullable=True))
    op.add_column("dispute_party", sa.Column("phone", sa.String(32), nullable=True))
    op.drop_constraint(op.f("ck_dispute_party_someone"), "dispute_party", type_="check")
    op.create_check_constraint(op.f("ck_dispute_party_someone"), "dispute_party",
                               "person_id IS NOT NULL OR household_id IS NOT NULL OR name IS NOT NULL")

    op.drop_constraint(op.f("ck_dispute_event_kind"), "dispute_event", type_="check")
    op.create_check_constraint(op.f("ck_dispute_event_kind"), "dispute_event", NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM dispute_event WHERE kind = 'correction'")
    op.drop_constraint(op.f("ck_dispute_event_kind"), "dispute_event", type_="check")
    op.create_check_constraint(op.f("ck_dispute_event_kind"), "dispute_event", OLD_KINDS)
    op.execute("DELETE FROM dispute_party WHERE person_id IS NULL AND household_id IS NULL")
    op.drop_constraint(op.f("ck_dispute_party_someone"), "dispute_party", type_="check")
    op.create_check_constraint(op.f("ck_dispute_party_someone"), "dispute_party",
                               "person_id IS NOT NULL OR household_id IS NOT NULL")
    op.drop_column("dispute_party", "phone")
    op.drop_column("dispute_party", "name")
    op.drop_table("app_setting")
