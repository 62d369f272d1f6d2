"""idempotent writes, sliding sessions and photos — issue 16 (items 3, 4 and 5)

- `idempotency_key`: the answer of every write sent with an `Idempotency-Key` header, per (user, key),
  claimed before the write and completed before it commits, in the write's own transaction
  (api/idempotency/service.py). Rows older than HOLOMAP_IDEMPOTENCY_DAYS (default 30) are pruned.
- `auth_session` / `refresh_token`: a sign-in's family of one-time refresh tokens (stored as SHA-256),
  rotated by POST /api/auth/refresh; reuse of a used one revokes the whole family (api/auth/sessions.py).
- `photo_blob` / `photo`: images stored once per SHA-256 in the database (so `holomap backup` carries
  them), each attached to exactly one visit, building or dispute (api/photos).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("idempotency_key", "auth_session", "refresh_token", "photo_blob", "photo")


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_idempotency_key_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_key")),
    )
    op.create_index(op.f("ix_idempotency_key_created_at"), "idempotency_key", ["created_at"])
    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_auth_session_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
    )
    op.create_index(op.f("ix_auth_session_user_id"), "auth_session", ["user_id"])
    op.create_table(
        "refresh_token",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["auth_session.id"],
                                name=op.f("fk_refresh_token_session_id_auth_session"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_refresh_token")),
    )
    op.create_index(op.f("ix_refresh_token_session_id"), "refresh_token", ["session_id"])
    op.create_table(
        "photo_blob",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_photo_blob")),
    )
    op.create_table(
        "photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("dispute_id", sa.Integer(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("num_nonnulls(visit_id, building_id, dispute_id) = 1",
                           name=op.f("ck_photo_one_subject")),
        sa.ForeignKeyConstraint(["sha256"], ["photo_blob.sha256"], name=op.f("fk_photo_sha256_photo_blob")),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], name=op.f("fk_photo_visit_id_visit"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"], name=op.f("fk_photo_building_id_building"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["dispute_id"], ["dispute.id"], name=op.f("fk_photo_dispute_id_dispute"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_photo_created_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo")),
    )
    for column in ("sha256", "visit_id", "building_id", "dispute_id"):
        op.create_index(op.f(f"ix_photo_{column}"), "photo", [column])
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        for table in TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {q(role)}")
        op.execute(f"GRANT USAGE ON SEQUENCE photo_id_seq TO {q(role)}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
