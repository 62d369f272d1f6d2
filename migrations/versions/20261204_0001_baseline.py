"""baseline: the whole schema (tables, columns, indexes, constraints, extensions, grants, seed-independent data)

Revision ID: 0001
Revises:
Create Date: 2026-12-04

Migrations 0001–0020 squashed into one revision (nothing had been deployed); the schema is the one the old
chain produced (pg_dump -s of both is identical, see docs/DECISIONS.md). A database still at the old head
"0020" is stamped "0001" by `holomap migrate` (api/dbprogram.py `restamp`) and needs nothing else.

The database program — SQL functions, triggers, row-level security policies — is not here: it lives in
`api/<domain>/sql/*.sql` and `holomap migrate` applies it after this (api/dbprogram.py). One function is
needed by the tables themselves: `holomap_id_number_valid`, in the CHECK on person.id_number, is created
here from its file before the person table.

Why some things are as they are (the old revisions' notes, in short):
- incident: Web Mercator x/y and local hour/weekday as generated columns, covered by (category,
  occurred_at) and (occurred_at) indexes, so heat maps aggregate a year of a category by an index-only scan
  (geo/binning.py); a GiST (location, occurred_at) index (btree_gist) answers "nearby and recent" in one
  scan.
- area_stats: one row per building and per ~20 m cell (plans/sql/area_stats.sql refreshes it); the
  covering GiST index makes the stats of a drawn area an index-only scan.
- person/household/vehicle: partial author, phone and tag indexes (rows that cannot match cost nothing to
  insert: the people import writes 100,000s of rows); ID numbers are searched by a btree on the reversed
  text (a tail is a prefix), plates by a trigram index on upper(plate).
- layer_version, auth_generation, incident_chunk: version counters bumped by the program's triggers
  (tile ETags, the per-process auth cache, the heat cache); revoked_token and the counters are reached by
  the app role only through SECURITY DEFINER functions, or read-only.
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

LAYERS = ("beats", "villages", "buildings", "stations")
AREA_COUNTS = ("buildings", "households", "residents", "floating", "key_persons", "incidents_12m",
               "disputes_green", "disputes_yellow", "disputes_orange", "disputes_red")
INCIDENT_CELLS = {
    "x_3857": "double precision GENERATED ALWAYS AS (ST_X(ST_Transform(location, 3857))) STORED",
    "y_3857": "double precision GENERATED ALWAYS AS (ST_Y(ST_Transform(location, 3857))) STORED",
    "hour_local": "smallint GENERATED ALWAYS AS "
                  "(extract(hour FROM timezone('Asia/Shanghai', occurred_at))::smallint) STORED",
    "isodow_local": "smallint GENERATED ALWAYS AS "
                    "(extract(isodow FROM timezone('Asia/Shanghai', occurred_at))::smallint) STORED",
}
CELL_COLUMNS = "x_3857, y_3857, hour_local, isodow_local, station_id, beat_id"
TABLES = ("login_throttle", "incident_chunk", "auth_generation", "revoked_token", "layer_version", "area_stats",
          "vehicle", "dispute_party", "dispute_event", "visit", "person", "dispute", "incident", "household",
          "beat_member", "beat", "building", "beat_plan", "village", "app_user", "station", "audit_log")


def app_role() -> str | None:
    """The application's database role (non-owner, from settings), quoted; None when it does not exist."""
    from api.config import get_settings

    role = get_settings().app_db_role
    bind = op.get_bind()
    if not bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        return None
    return bind.dialect.identifier_preparer.quote(role)


def upgrade() -> None:
    from api import dbprogram

    op.execute(dbprogram.source("people/sql/id_number.sql"))  # the CHECK on person.id_number calls it
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=True),
    sa.Column('object_id', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=16), server_default='ok', nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("outcome IN ('ok', 'denied', 'failed', 'locked', 'rejected', 'dry_run', 'error')", name=op.f('ck_audit_log_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_index('ix_audit_log_object', 'audit_log', ['object_type', 'object_id'], unique=False)
    op.create_index(op.f('ix_audit_log_user_id'), 'audit_log', ['user_id'], unique=False)
    op.create_geospatial_table('station',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('jurisdiction', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint('ST_CoveredBy(jurisdiction, ST_MakeEnvelope(-180, -90, 180, 90, 4326))', name=op.f('ck_station_jurisdiction_in_range')),
    sa.CheckConstraint('ST_IsValid(jurisdiction)', name=op.f('ck_station_jurisdiction_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station')),
    sa.UniqueConstraint('code', name=op.f('uq_station_code'))
    )
    op.create_geospatial_index('idx_station_jurisdiction', 'station', ['jurisdiction'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tokens_valid_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), server_default='false', nullable=False),
    sa.CheckConstraint("role IN ('officer', 'auxiliary', 'grid_member', 'station_chief', 'planner', 'leader', 'admin')", name=op.f('ck_app_user_role')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_app_user_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    op.create_index(op.f('ix_app_user_station_id'), 'app_user', ['station_id'], unique=False)
    op.create_geospatial_table('village',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("kind IN ('village', 'community')", name=op.f('ck_village_kind')),
    sa.CheckConstraint('ST_CoveredBy(geom, ST_MakeEnvelope(-180, -90, 180, 90, 4326))', name=op.f('ck_village_geom_in_range')),
    sa.CheckConstraint('ST_IsValid(geom)', name=op.f('ck_village_geom_valid')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_village_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_village')),
    sa.UniqueConstraint('code', name=op.f('uq_village_code'))
    )
    op.create_geospatial_index('idx_village_geom', 'village', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_village_station_id'), 'village', ['station_id'], unique=False)
    op.create_table('beat_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('based_on', sa.Integer(), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name=op.f('ck_beat_plan_status')),
    sa.ForeignKeyConstraint(['approved_by'], ['app_user.id'], name=op.f('fk_beat_plan_approved_by_app_user')),
    sa.ForeignKeyConstraint(['based_on'], ['beat_plan.id'], name=op.f('fk_beat_plan_based_on_beat_plan')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_beat_plan_created_by_app_user')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_beat_plan_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beat_plan'))
    )
    op.create_index(op.f('ix_beat_plan_created_by'), 'beat_plan', ['created_by'], unique=False)
    op.create_index(op.f('ix_beat_plan_station_id'), 'beat_plan', ['station_id'], unique=False)
    op.create_index('uq_beat_plan_current', 'beat_plan', ['station_id'], unique=True, postgresql_where=sa.text("status = 'published'"))
    op.create_index('ix_beat_plan_station_dates', 'beat_plan', ['station_id', 'published_at', 'archived_at'])
    op.create_geospatial_table('building',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('std_address_code', sa.String(length=64), nullable=True),
    sa.Column('footprint', Geometry(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('centroid', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), sa.Computed('ST_PointOnSurface(footprint)', persisted=True), nullable=True),
    sa.Column('floors', sa.SmallInteger(), nullable=False),
    sa.Column('units', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('built_year', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('residential', 'commercial', 'mixed', 'public', 'industrial', 'farm')", name=op.f('ck_building_kind')),
    sa.CheckConstraint('ST_CoveredBy(footprint, ST_MakeEnvelope(-180, -90, 180, 90, 4326))', name=op.f('ck_building_footprint_in_range')),
    sa.CheckConstraint('ST_IsValid(footprint)', name=op.f('ck_building_footprint_valid')),
    sa.CheckConstraint('floors BETWEEN 1 AND 200 AND units BETWEEN 1 AND 100', name=op.f('ck_building_size')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_building_station_id_station')),
    sa.ForeignKeyConstraint(['village_id'], ['village.id'], name=op.f('fk_building_village_id_village')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_building')),
    sa.UniqueConstraint('std_address_code', name=op.f('uq_building_std_address_code'))
    )
    op.create_geospatial_index('idx_building_centroid', 'building', ['centroid'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_index('idx_building_footprint', 'building', ['footprint'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_building_address_trgm', 'building', ['address'], unique=False, postgresql_using='gin', postgresql_ops={'address': 'gin_trgm_ops'})
    op.create_index(op.f('ix_building_station_id'), 'building', ['station_id'], unique=False)
    op.create_index(op.f('ix_building_village_id'), 'building', ['village_id'], unique=False)
    op.create_geospatial_table('beat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('locked', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('urban', 'rural')", name=op.f('ck_beat_kind')),
    sa.CheckConstraint('ST_CoveredBy(geom, ST_MakeEnvelope(-180, -90, 180, 90, 4326))', name=op.f('ck_beat_geom_in_range')),
    sa.CheckConstraint('ST_IsValid(geom)', name=op.f('ck_beat_geom_valid')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_beat_version')),
    sa.ForeignKeyConstraint(['plan_id'], ['beat_plan.id'], name=op.f('fk_beat_plan_id_beat_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beat')),
    sa.UniqueConstraint('plan_id', 'code', name='uq_beat_plan_code')
    )
    op.create_geospatial_index('idx_beat_geom', 'beat', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_beat_plan_id'), 'beat', ['plan_id'], unique=False)
    op.create_table('beat_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beat_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('duty', sa.String(length=16), nullable=False),
    sa.CheckConstraint("duty IN ('officer', 'auxiliary', 'grid_member', 'mediator')", name=op.f('ck_beat_member_duty')),
    sa.ForeignKeyConstraint(['beat_id'], ['beat.id'], name=op.f('fk_beat_member_beat_id_beat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_beat_member_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beat_member')),
    sa.UniqueConstraint('beat_id', 'user_id', 'duty', name='uq_beat_member')
    )
    op.create_index(op.f('ix_beat_member_beat_id'), 'beat_member', ['beat_id'], unique=False)
    op.create_index(op.f('ix_beat_member_user_id'), 'beat_member', ['user_id'], unique=False)
    op.create_table('household',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.SmallInteger(), nullable=False),
    sa.Column('floor', sa.SmallInteger(), nullable=False),
    sa.Column('room', sa.String(length=16), nullable=False),
    sa.Column('hukou_no', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('beat_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('owner', 'rental', 'collective', 'vacant')", name=op.f('ck_household_kind')),
    sa.ForeignKeyConstraint(['beat_id'], ['beat.id'], name=op.f('fk_household_beat_id_beat')),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_household_building_id_building')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_household_created_by_app_user')),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], name=op.f('fk_household_updated_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household')),
    sa.UniqueConstraint('building_id', 'unit', 'floor', 'room', name='uq_household_room'),
    sa.UniqueConstraint('hukou_no', name=op.f('uq_household_hukou_no'))
    )
    op.create_index(op.f('ix_household_beat_id'), 'household', ['beat_id'], unique=False)
    op.create_index(op.f('ix_household_building_id'), 'household', ['building_id'], unique=False)
    op.create_index('ix_household_phone_trgm', 'household', ['phone'], unique=False, postgresql_using='gin', postgresql_ops={'phone': 'gin_trgm_ops'}, postgresql_where=sa.text('phone IS NOT NULL'))
    op.create_geospatial_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('beat_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.CheckConstraint("source IN ('110', 'walk-in', 'patrol')", name=op.f('ck_incident_source')),
    sa.CheckConstraint("status IN ('open', 'handled', 'closed')", name=op.f('ck_incident_status')),
    sa.ForeignKeyConstraint(['beat_id'], ['beat.id'], name=op.f('fk_incident_beat_id_beat')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_incident_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    op.create_geospatial_index('idx_incident_location', 'incident', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_incident_beat_id'), 'incident', ['beat_id'], unique=False)
    op.create_index('ix_incident_category_time', 'incident', ['category', 'occurred_at'], unique=False)
    op.create_index(op.f('ix_incident_occurred_at'), 'incident', ['occurred_at'], unique=False)
    op.create_index(op.f('ix_incident_station_id'), 'incident', ['station_id'], unique=False)
    op.create_index('ix_incident_station_time', 'incident', ['station_id', 'occurred_at'], unique=False)
    op.execute("ALTER TABLE incident " + ", ".join(f"ADD COLUMN {name} {ddl}" for name, ddl in INCIDENT_CELLS.items()))
    op.execute(f"CREATE INDEX ix_incident_category_time_cells ON incident (category, occurred_at) INCLUDE ({CELL_COLUMNS})")
    op.execute(f"CREATE INDEX ix_incident_time_cells ON incident (occurred_at) INCLUDE (category, {CELL_COLUMNS})")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute("CREATE INDEX ix_incident_location_time ON incident USING gist (location, occurred_at)")
    op.create_geospatial_table('dispute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('grade', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('beat_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('reported_by', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agreement_signed', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('next_return_visit', sa.Date(), nullable=True),
    sa.CheckConstraint("category IN ('neighbour', 'family', 'marriage', 'land', 'debt', 'other')", name=op.f('ck_dispute_category')),
    sa.CheckConstraint("grade IN ('green', 'yellow', 'orange', 'red')", name=op.f('ck_dispute_grade')),
    sa.CheckConstraint("level IN ('village', 'station', 'county')", name=op.f('ck_dispute_level')),
    sa.CheckConstraint("status IN ('open', 'mediating', 'resolved', 'escalated', 'closed')", name=op.f('ck_dispute_status')),
    sa.ForeignKeyConstraint(['beat_id'], ['beat.id'], name=op.f('fk_dispute_beat_id_beat')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_dispute_household_id_household')),
    sa.ForeignKeyConstraint(['reported_by'], ['app_user.id'], name=op.f('fk_dispute_reported_by_app_user')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_dispute_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute'))
    )
    op.create_geospatial_index('idx_dispute_location', 'dispute', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_dispute_beat_id'), 'dispute', ['beat_id'], unique=False)
    op.create_index(op.f('ix_dispute_household_id'), 'dispute', ['household_id'], unique=False)
    op.create_index('ix_dispute_open', 'dispute', ['beat_id', 'grade'], unique=False, postgresql_where="status <> 'closed'")
    op.create_index(op.f('ix_dispute_reported_at'), 'dispute', ['reported_at'], unique=False)
    op.create_index(op.f('ix_dispute_reported_by'), 'dispute', ['reported_by'], unique=False)
    op.create_index(op.f('ix_dispute_station_id'), 'dispute', ['station_id'], unique=False)
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('residency', sa.String(length=16), nullable=False),
    sa.Column('relation_to_head', sa.String(length=16), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('nationality', sa.String(length=3), nullable=True),
    sa.Column('moved_in', sa.Date(), nullable=True),
    sa.Column('moved_out', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("gender = CASE WHEN substr(id_number, 17, 1)::int % 2 = 1 THEN 'M' ELSE 'F' END", name=op.f('ck_person_gender_matches_id')),
    sa.CheckConstraint("residency IN ('registered', 'temporary', 'floating', 'foreign')", name=op.f('ck_person_residency')),
    sa.CheckConstraint('birth_date = make_date(substr(id_number, 7, 4)::int, substr(id_number, 11, 2)::int, substr(id_number, 13, 2)::int)', name=op.f('ck_person_birth_matches_id')),
    sa.CheckConstraint('holomap_id_number_valid(id_number)', name=op.f('ck_person_id_number_checksum')),
    sa.CheckConstraint('moved_out IS NULL OR moved_in IS NULL OR moved_out >= moved_in', name=op.f('ck_person_moved')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_person_household_id_household')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_person_created_by_app_user')),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], name=op.f('fk_person_updated_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('id_number', name=op.f('uq_person_id_number'))
    )
    op.create_index(op.f('ix_person_household_id'), 'person', ['household_id'], unique=False)
    # an ID number is searched by its whole value or its tail: a tail is a prefix of the reversed text
    op.execute("CREATE INDEX ix_person_id_number_rev ON person (reverse(id_number::text) text_pattern_ops)")
    op.create_index('ix_person_name_trgm', 'person', ['name'], unique=False, postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.create_index('ix_person_phone_trgm', 'person', ['phone'], unique=False, postgresql_using='gin', postgresql_ops={'phone': 'gin_trgm_ops'}, postgresql_where=sa.text('phone IS NOT NULL'))
    # only residents with a care tag (queries add tags <> '{}', api/worklist/queries.py)
    op.execute("CREATE INDEX ix_person_tags ON person USING gin (tags) WHERE tags <> '{}'")
    # search: a name fragment inside a name of 4+ characters; worklist: the key persons of a household
    op.execute("CREATE INDEX ix_person_long_name ON person (id) WHERE char_length(name) >= 4")
    op.execute("CREATE INDEX ix_person_key_household ON person (household_id) WHERE tags <> '{}'")
    op.create_geospatial_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('flagged_far', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('checklist', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('follow_up', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('accuracy_m IS NULL OR accuracy_m >= 0', name=op.f('ck_visit_accuracy')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_visit_household_id_household')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_visit_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    op.create_geospatial_index('idx_visit_location', 'visit', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_visit_household_id'), 'visit', ['household_id'], unique=False)
    op.create_index('ix_visit_household_time', 'visit', ['household_id', 'visited_at'], unique=False)
    op.create_index(op.f('ix_visit_user_id'), 'visit', ['user_id'], unique=False)
    op.create_index(op.f('ix_visit_visited_at'), 'visit', ['visited_at'], unique=False)
    op.create_table('dispute_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('mediation', 'agreement', 'return_visit', 'escalation', 'note', 'status')", name=op.f('ck_dispute_event_kind')),
    sa.ForeignKeyConstraint(['dispute_id'], ['dispute.id'], name=op.f('fk_dispute_event_dispute_id_dispute'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_dispute_event_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_event'))
    )
    op.create_index(op.f('ix_dispute_event_dispute_id'), 'dispute_event', ['dispute_id'], unique=False)
    op.create_index(op.f('ix_dispute_event_user_id'), 'dispute_event', ['user_id'], unique=False)
    op.create_table('dispute_party',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.CheckConstraint('person_id IS NOT NULL OR household_id IS NOT NULL', name=op.f('ck_dispute_party_someone')),
    sa.ForeignKeyConstraint(['dispute_id'], ['dispute.id'], name=op.f('fk_dispute_party_dispute_id_dispute'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_dispute_party_household_id_household')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_dispute_party_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_party'))
    )
    op.create_index(op.f('ix_dispute_party_dispute_id'), 'dispute_party', ['dispute_id'], unique=False)
    op.create_index(op.f('ix_dispute_party_household_id'), 'dispute_party', ['household_id'], unique=False)
    op.create_index(op.f('ix_dispute_party_person_id'), 'dispute_party', ['person_id'], unique=False)
    op.create_table('vehicle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('brand', sa.Text(), nullable=True),
    sa.Column('color', sa.String(length=16), nullable=True),
    sa.Column('owner_person_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('car', 'truck', 'motorcycle', 'e_bike', 'tricycle', 'tractor', 'other')", name=op.f('ck_vehicle_kind')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_vehicle_household_id_household')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_vehicle_created_by_app_user')),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], name=op.f('fk_vehicle_updated_by_app_user')),
    sa.ForeignKeyConstraint(['owner_person_id'], ['person.id'], name=op.f('fk_vehicle_owner_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle')),
    sa.UniqueConstraint('plate', name=op.f('uq_vehicle_plate'))
    )
    op.create_index(op.f('ix_vehicle_household_id'), 'vehicle', ['household_id'], unique=False)
    op.create_index(op.f('ix_vehicle_owner_person_id'), 'vehicle', ['owner_person_id'], unique=False)
    # search compares upper(plate)
    op.execute("CREATE INDEX ix_vehicle_plate_upper_trgm ON vehicle USING gin (upper(plate::text) gin_trgm_ops)")
    for table in ("household", "person", "vehicle"):
        for column in ("created_by", "updated_by"):  # partial: seeded and imported rows have no author
            op.execute(f"CREATE INDEX ix_{table}_{column} ON {table} ({column}) WHERE {column} IS NOT NULL")


    # the application role: DML on the tables above, INSERT-only on audit_log
    role = app_role()
    if role:
        op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role}")

    # pre-aggregates of drawn areas (api/plans/sql/area_stats.sql)
    op.create_table(
        "area_stats",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("station_id", sa.Integer, sa.ForeignKey("station.id", name="fk_area_stats_station_id_station"),
                  nullable=False),
        sa.Column("building_id", sa.Integer,
                  sa.ForeignKey("building.id", ondelete="CASCADE", name="fk_area_stats_building_id_building"),
                  nullable=True),
        sa.Column("village_id", sa.Integer, nullable=True),
        sa.Column("pt", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        *[sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in AREA_COUNTS],
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.UniqueConstraint("building_id", name="uq_area_stats_building_id"),
    )
    op.execute("CREATE INDEX idx_area_stats_pt ON area_stats USING gist (pt) INCLUDE (" + ", ".join(AREA_COUNTS) + ")")
    op.create_index("ix_area_stats_station_id", "area_stats", ["station_id"])
    op.create_index("ix_area_stats_village_id", "area_stats", ["village_id"])

    # one data version per map layer, for tile and OGC ETags (api/tiles/sql/layer_version.sql)
    op.create_table(
        "layer_version",
        sa.Column("layer", sa.String(32), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )
    op.execute("INSERT INTO layer_version (layer) VALUES " + ", ".join(f"('{layer}')" for layer in LAYERS))

    # logout: token ids refused until they expire (api/auth/sql/request.sql)
    op.create_table(
        "revoked_token",
        sa.Column("jti", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_token")),
    )
    op.create_index(op.f("ix_revoked_token_expires_at"), "revoked_token", ["expires_at"])

    # the auth generation (api/auth/sql/generation.sql)
    op.execute("CREATE SEQUENCE auth_generation_seq")
    op.execute("CREATE TABLE auth_generation (id boolean NOT NULL DEFAULT true,"
               " gen bigint NOT NULL, CONSTRAINT pk_auth_generation PRIMARY KEY (id),"
               " CONSTRAINT ck_auth_generation_single CHECK (id))")
    op.execute("INSERT INTO auth_generation (gen) VALUES (nextval('auth_generation_seq'))")

    # a version per (incident category, local month), for the heat cache (api/analytics/sql/incident_chunks.sql)
    op.execute("CREATE SEQUENCE incident_chunk_gen_seq")
    op.execute("CREATE TABLE incident_chunk (category varchar(16) NOT NULL, month date NOT NULL,"
               " gen bigint NOT NULL, CONSTRAINT pk_incident_chunk PRIMARY KEY (category, month))")

    # the sign-in rate limit: one token bucket per client address (api/auth/queries.py TAKE_LOGIN_TOKEN)
    op.create_table(
        "login_throttle",
        sa.Column("client_addr", sa.String(64), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_addr", name=op.f("pk_login_throttle")),
    )
    op.create_index(op.f("ix_login_throttle_updated_at"), "login_throttle", ["updated_at"])

    # the tokens table is reached through the SECURITY DEFINER functions only; the counters are read-only
    op.execute("REVOKE ALL ON revoked_token FROM PUBLIC")
    if role:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON area_stats TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE area_stats_id_seq TO {role}")
        op.execute(f"GRANT SELECT ON layer_version TO {role}")
        op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON layer_version FROM {role}")
        op.execute(f"REVOKE ALL ON auth_generation, auth_generation_seq FROM {role}")
        op.execute(f"GRANT SELECT ON auth_generation TO {role}")
        op.execute(f"REVOKE ALL ON incident_chunk, incident_chunk_gen_seq FROM {role}")
        op.execute(f"GRANT SELECT ON incident_chunk TO {role}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO {role}")


def downgrade() -> None:
    # the program's functions first, with what depends on them (policies, triggers): a function may take a
    # table's row type (holomap_household_doc(household, …)), which would block dropping the table; then the
    # tables, which take their remaining policies and triggers with them
    op.execute(r"""
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
           WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'holomap\_%' LOOP
    EXECUTE 'DROP FUNCTION IF EXISTS ' || f || ' CASCADE';
  END LOOP;
END $$""")
    op.execute("DROP TABLE " + ", ".join(TABLES))
    op.execute("DROP SEQUENCE auth_generation_seq, incident_chunk_gen_seq")
    op.execute("DROP EXTENSION IF EXISTS btree_gist")
