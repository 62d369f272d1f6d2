"""analytics_stored: the columns the dashboard's in-process caches load, kept between processes — issue 22

A fresh worker (a restart, a deploy, a second app host) loaded two years of incident columns (1.5 s of
aggregation at county scale), the residents per beat (0.5 s), the building centroids (0.3 s) and each
incident's nearest building (0.6 s) before the dashboard's first opening could answer: 2.2–3 s cold against
a goal of 1.5 s. The same arrays, once computed by any process, are kept here as binary columns under the
exact version they were computed for (an incident chunk's gen and the table's incarnation, the buildings
layer's version, the residents' per-beat gens), and read back in ~0.1 s. A row is only ever used by a reader
that reads the same version in its own transaction, so a stale or abandoned row is never an answer: it is
replaced the next time its key is computed. One row per (kind, key); nothing personal (incident times,
points, categories, stations and beats; building centroids; counts).

The app role reads; it writes only through the SECURITY DEFINER function holomap_analytics_store
(api/analytics/sql/stored.sql). The payload is stored uncompressed (STORAGE EXTERNAL): coordinates and times
barely compress, and reading them fast is the point. The table is a cache: emptying it loses nothing.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.create_table(
        "analytics_stored",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('chunk', 'nearest', 'buildings', 'residents')",
                           name=op.f("ck_analytics_stored_kind")),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_analytics_stored")),
    )
    op.execute("ALTER TABLE analytics_stored ALTER COLUMN payload SET STORAGE EXTERNAL")
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT ON analytics_stored TO {q(role)}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS holomap_analytics_store(text, text, text, bytea)")
    op.drop_table("analytics_stored")
