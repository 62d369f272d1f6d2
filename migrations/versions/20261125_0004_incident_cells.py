"""incident cells: stored Web Mercator x/y and local hour/weekday, with covering indexes for analytics

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 11:00:00

Heat maps bin incidents into square or hexagon cells by arithmetic on the point's EPSG:3857
coordinates (see geo/binning.py): `floor(x / size)` etc. Storing x/y as generated columns and
covering them in (category, occurred_at) and (occurred_at) indexes lets one year of one category be
aggregated by an index-only scan, without transforming geometries or joining a grid.
`hour_local` (0–23) and `isodow_local` (1 = Monday … 7 = Sunday) are in China Standard Time
(Asia/Shanghai), the time the hour × weekday filters and matrix speak of.
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = {
    "x_3857": "double precision GENERATED ALWAYS AS (ST_X(ST_Transform(location, 3857))) STORED",
    "y_3857": "double precision GENERATED ALWAYS AS (ST_Y(ST_Transform(location, 3857))) STORED",
    "hour_local": "smallint GENERATED ALWAYS AS "
                  "(extract(hour FROM timezone('Asia/Shanghai', occurred_at))::smallint) STORED",
    "isodow_local": "smallint GENERATED ALWAYS AS "
                    "(extract(isodow FROM timezone('Asia/Shanghai', occurred_at))::smallint) STORED",
}
CELL_COLUMNS = "x_3857, y_3857, hour_local, isodow_local, station_id, beat_id"


def upgrade() -> None:
    op.execute("ALTER TABLE incident " + ", ".join(f"ADD COLUMN {name} {ddl}" for name, ddl in COLUMNS.items()))
    op.execute(f"CREATE INDEX ix_incident_category_time_cells ON incident (category, occurred_at) "
               f"INCLUDE ({CELL_COLUMNS})")
    op.execute(f"CREATE INDEX ix_incident_time_cells ON incident (occurred_at) INCLUDE (category, {CELL_COLUMNS})")
    op.execute("ANALYZE incident")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_incident_time_cells")
    op.execute("DROP INDEX IF EXISTS ix_incident_category_time_cells")
    op.execute("ALTER TABLE incident " + ", ".join(f"DROP COLUMN IF EXISTS {name}" for name in COLUMNS))
