"""near_repeat_result: finished Knox answers shared by every worker and app host — issue 21 (issue 20)

Each worker process kept its near-repeat answers in memory only, so with two workers or two app hosts each
computed the Monte-Carlo again (seconds to minutes at county scale) and a request landing on another worker
answered `running` without the previous answer. One row per question and data version: `question` is the
SHA-256 of the canonical question (category, period, hours, weekdays, stations, bands, simulations; in clear in
`params`), `data_version` the digest of the incident chunks' incarnations and generations it was computed for.
A row is claimed `running` by the process that computes it (INSERT … ON CONFLICT DO NOTHING: one computation
per key across processes; `heartbeat_at` moves with its progress, a claim left by a stopped process is taken
over), then `done` with the answer. Aggregates only: counts of pairs per band, never an incident or a place.
The app role reads; it writes only through the SECURITY DEFINER functions of api/analytics/sql/near_repeat.sql
(claim, progress, store with pruning to a few rows per question, release).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.create_table(
        "near_repeat_result",
        sa.Column("question", sa.String(64), nullable=False),
        sa.Column("data_version", sa.String(64), nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("params", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('running', 'done')", name=op.f("ck_near_repeat_result_status")),
        sa.CheckConstraint("(status = 'done') = (result IS NOT NULL AND computed_at IS NOT NULL)",
                           name=op.f("ck_near_repeat_result_done_has_result")),
        sa.PrimaryKeyConstraint("question", "data_version", name=op.f("pk_near_repeat_result")),
    )
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT ON near_repeat_result TO {q(role)}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS holomap_near_repeat_claim(text, text, text, jsonb, integer, integer, integer)")
    op.execute("DROP FUNCTION IF EXISTS holomap_near_repeat_progress(text, text, integer)")
    op.execute("DROP FUNCTION IF EXISTS holomap_near_repeat_store(text, text, jsonb, integer)")
    op.execute("DROP FUNCTION IF EXISTS holomap_near_repeat_release(text, text)")
    op.drop_table("near_repeat_result")
