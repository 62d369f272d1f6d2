"""beat_stats_cache: per-beat sums of area_stats, keyed by the beat's geometry — issue 18

A plan check and every plan read summed the station's pre-aggregates (`area_stats`) under each of the
plan's beats: ~80–140 ms for a 50-beat station of the county. The sums depend only on the beat's geometry
and on `area_stats`, so they are kept per (station, md5 of the geometry's WKB): a new draft's beats (copies
of the plan in force) and every beat an edit did not touch hit the cache; an edit computes only the beats it
changed. `holomap_refresh_area_stats` and `holomap_recount_key_persons` empty a station's rows when they
rewrite its pre-aggregates (api/plans/sql/area_stats.sql), so a cached sum is never older than them.

Counts only (no personal data); the app role reads, inserts and deletes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COUNTS = ("buildings", "households", "residents", "floating", "key_persons", "incidents_12m",
          "disputes_green", "disputes_yellow", "disputes_orange", "disputes_red")


def upgrade() -> None:
    op.create_table(
        "beat_stats_cache",
        sa.Column("station_id", sa.Integer, sa.ForeignKey("station.id", ondelete="CASCADE"), nullable=False),
        sa.Column("geom_md5", postgresql.UUID(as_uuid=False), nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in COUNTS),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "geom_md5", name="pk_beat_stats_cache"),
    )
    from api.config import get_settings

    role = get_settings().app_db_role
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT, INSERT, DELETE ON beat_stats_cache TO {q(role)}")


def downgrade() -> None:
    op.drop_table("beat_stats_cache")
