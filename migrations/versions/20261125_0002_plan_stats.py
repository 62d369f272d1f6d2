"""plan stats: per-building (and per-cell) pre-aggregates for live beat statistics; plan dates index

Revision ID: 0002
Revises: 0004
Create Date: 2026-11-25 11:00:00

`area_stats` holds one row per building (households, residents, floating, key persons, open disputes
of its households) and one row per ~20 m grid cell for incidents of the last 12 months and open
disputes that have a location but no household. Summing the rows whose point lies in a polygon gives
the stats of any drawn area from a GiST index scan, without touching person or incident rows.
`holomap_refresh_area_stats(station)` rebuilds it (publish, seed and the stats service call it;
building centroids decide membership, so a building is never split between areas).

Past plans stay queryable by date through beat_plan.published_at / archived_at (indexed here): the
plan in force at time t is the one with published_at <= t < coalesce(archived_at, infinity).
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0002"
down_revision = "0004"
branch_labels = None
depends_on = None

COUNTS = (
    "buildings",
    "households",
    "residents",
    "floating",
    "key_persons",
    "incidents_12m",
    "disputes_green",
    "disputes_yellow",
    "disputes_orange",
    "disputes_red",
)

REFRESH_FUNCTION = """
CREATE OR REPLACE FUNCTION holomap_refresh_area_stats(p_station integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  -- one refresher at a time per station (0 = all stations)
  PERFORM pg_advisory_xact_lock(738201, coalesce(p_station, 0));
  DELETE FROM area_stats WHERE p_station IS NULL OR station_id = p_station;

  INSERT INTO area_stats (station_id, building_id, village_id, pt, buildings, households, residents, floating,
                          key_persons, disputes_green, disputes_yellow, disputes_orange, disputes_red)
  SELECT b.station_id, b.id, b.village_id, b.centroid, 1,
         coalesce(h.n, 0), coalesce(p.residents, 0), coalesce(p.floating, 0), coalesce(p.key_persons, 0),
         coalesce(d.green, 0), coalesce(d.yellow, 0), coalesce(d.orange, 0), coalesce(d.red, 0)
  FROM building b
  LEFT JOIN (SELECT building_id, count(*) AS n FROM household GROUP BY building_id) h ON h.building_id = b.id
  LEFT JOIN (
    SELECT hh.building_id, count(*) AS residents,
           count(*) FILTER (WHERE pe.residency <> 'registered') AS floating,
           count(*) FILTER (WHERE 'key_person' = ANY (pe.tags)) AS key_persons
    FROM person pe JOIN household hh ON hh.id = pe.household_id
    WHERE pe.moved_out IS NULL OR pe.moved_out > current_date
    GROUP BY hh.building_id
  ) p ON p.building_id = b.id
  LEFT JOIN (
    SELECT hh.building_id,
           count(*) FILTER (WHERE ds.grade = 'green') AS green,
           count(*) FILTER (WHERE ds.grade = 'yellow') AS yellow,
           count(*) FILTER (WHERE ds.grade = 'orange') AS orange,
           count(*) FILTER (WHERE ds.grade = 'red') AS red
    FROM dispute ds JOIN household hh ON hh.id = ds.household_id
    WHERE ds.status NOT IN ('resolved', 'closed')
    GROUP BY hh.building_id
  ) d ON d.building_id = b.id
  WHERE p_station IS NULL OR b.station_id = p_station;

  -- incidents (last 12 months) and household-less open disputes, snapped to a ~20 m grid
  INSERT INTO area_stats (station_id, pt, incidents_12m, disputes_green, disputes_yellow, disputes_orange,
                          disputes_red)
  SELECT station_id, cell, sum(incidents), sum(green), sum(yellow), sum(orange), sum(red)
  FROM (
    SELECT station_id, ST_SnapToGrid(location, 0.0002) AS cell, 1 AS incidents,
           0 AS green, 0 AS yellow, 0 AS orange, 0 AS red
    FROM incident
    WHERE occurred_at >= now() - interval '12 months' AND (p_station IS NULL OR station_id = p_station)
    UNION ALL
    SELECT station_id, ST_SnapToGrid(location, 0.0002), 0,
           (grade = 'green')::int, (grade = 'yellow')::int, (grade = 'orange')::int, (grade = 'red')::int
    FROM dispute
    WHERE household_id IS NULL AND location IS NOT NULL AND status NOT IN ('resolved', 'closed')
      AND (p_station IS NULL OR station_id = p_station)
  ) e
  GROUP BY station_id, cell;

  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
"""


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.create_table(
        "area_stats",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "station_id",
            sa.Integer,
            sa.ForeignKey("station.id", name="fk_area_stats_station_id_station"),
            nullable=False,
        ),
        sa.Column(
            "building_id",
            sa.Integer,
            sa.ForeignKey("building.id", ondelete="CASCADE", name="fk_area_stats_building_id_building"),
            nullable=True,
        ),
        sa.Column("village_id", sa.Integer, nullable=True),
        sa.Column("pt", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        *[sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in COUNTS],
        sa.Column(
            "refreshed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
        ),
        sa.UniqueConstraint("building_id", name="uq_area_stats_building_id"),
    )
    # covering GiST index: the stats query is an index-only scan
    op.execute(
        "CREATE INDEX idx_area_stats_pt ON area_stats USING gist (pt) INCLUDE (" + ", ".join(COUNTS) + ")"
    )
    op.create_index("ix_area_stats_station_id", "area_stats", ["station_id"])
    op.create_index("ix_area_stats_village_id", "area_stats", ["village_id"])
    op.create_index("ix_beat_plan_station_dates", "beat_plan", ["station_id", "published_at", "archived_at"])
    op.execute(REFRESH_FUNCTION)
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON area_stats TO {q(role)}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE area_stats_id_seq TO {q(role)}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS holomap_refresh_area_stats(integer)")
    op.drop_index("ix_beat_plan_station_dates", table_name="beat_plan")
    op.drop_table("area_stats")
