"""initial data model

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 02:57:31.782710
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


ID_NUMBER_FUNCTION = """
CREATE OR REPLACE FUNCTION holomap_id_number_valid(id text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  -- GB 11643-1999: 17 digits, then a check character from the weighted sum mod 11
  SELECT id ~ '^[0-9]{17}[0-9X]$'
     AND substr('10X98765432',
                (SELECT sum(substr(id, i, 1)::int * ((2 ^ (18 - i))::bigint % 11))::int % 11
                   FROM generate_series(1, 17) AS i) + 1, 1) = substr(id, 18, 1)
$$;
"""

AUDIT_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION holomap_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION holomap_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION holomap_audit_append_only();
"""


def app_role() -> str:
    """The application's database role (non-owner), from settings."""
    from api.config import get_settings

    return get_settings().app_db_role


def grant_app_role() -> None:
    """Privileges of the application role: DML on the tables, INSERT-only on audit_log."""
    role = app_role()
    exists = op.get_bind().execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    if not exists:
        return
    q = op.get_bind().dialect.identifier_preparer.quote
    op.execute(f"GRANT USAGE ON SCHEMA public TO {q(role)}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {q(role)}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q(role)}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {q(role)}")


def upgrade() -> None:
    op.execute(ID_NUMBER_FUNCTION)
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
    sa.CheckConstraint("kind IN ('owner', 'rental', 'collective', 'vacant')", name=op.f('ck_household_kind')),
    sa.ForeignKeyConstraint(['beat_id'], ['beat.id'], name=op.f('fk_household_beat_id_beat')),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_household_building_id_building')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household')),
    sa.UniqueConstraint('building_id', 'unit', 'floor', 'room', name='uq_household_room'),
    sa.UniqueConstraint('hukou_no', name=op.f('uq_household_hukou_no'))
    )
    op.create_index(op.f('ix_household_beat_id'), 'household', ['beat_id'], unique=False)
    op.create_index(op.f('ix_household_building_id'), 'household', ['building_id'], unique=False)
    op.create_index('ix_household_phone_trgm', 'household', ['phone'], unique=False, postgresql_using='gin', postgresql_ops={'phone': 'gin_trgm_ops'})
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
    sa.CheckConstraint("gender = CASE WHEN substr(id_number, 17, 1)::int % 2 = 1 THEN 'M' ELSE 'F' END", name=op.f('ck_person_gender_matches_id')),
    sa.CheckConstraint("residency IN ('registered', 'temporary', 'floating', 'foreign')", name=op.f('ck_person_residency')),
    sa.CheckConstraint('birth_date = make_date(substr(id_number, 7, 4)::int, substr(id_number, 11, 2)::int, substr(id_number, 13, 2)::int)', name=op.f('ck_person_birth_matches_id')),
    sa.CheckConstraint('holomap_id_number_valid(id_number)', name=op.f('ck_person_id_number_checksum')),
    sa.CheckConstraint('moved_out IS NULL OR moved_in IS NULL OR moved_out >= moved_in', name=op.f('ck_person_moved')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_person_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('id_number', name=op.f('uq_person_id_number'))
    )
    op.create_index(op.f('ix_person_household_id'), 'person', ['household_id'], unique=False)
    op.create_index('ix_person_id_number_trgm', 'person', ['id_number'], unique=False, postgresql_using='gin', postgresql_ops={'id_number': 'gin_trgm_ops'})
    op.create_index('ix_person_name_trgm', 'person', ['name'], unique=False, postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.create_index('ix_person_phone_trgm', 'person', ['phone'], unique=False, postgresql_using='gin', postgresql_ops={'phone': 'gin_trgm_ops'})
    op.create_index('ix_person_tags', 'person', ['tags'], unique=False, postgresql_using='gin')
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
    sa.CheckConstraint("kind IN ('car', 'truck', 'motorcycle', 'e_bike', 'tricycle', 'tractor', 'other')", name=op.f('ck_vehicle_kind')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_vehicle_household_id_household')),
    sa.ForeignKeyConstraint(['owner_person_id'], ['person.id'], name=op.f('fk_vehicle_owner_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle')),
    sa.UniqueConstraint('plate', name=op.f('uq_vehicle_plate'))
    )
    op.create_index(op.f('ix_vehicle_household_id'), 'vehicle', ['household_id'], unique=False)
    op.create_index(op.f('ix_vehicle_owner_person_id'), 'vehicle', ['owner_person_id'], unique=False)
    op.create_index('ix_vehicle_plate_trgm', 'vehicle', ['plate'], unique=False, postgresql_using='gin', postgresql_ops={'plate': 'gin_trgm_ops'})

    op.execute(AUDIT_APPEND_ONLY)
    grant_app_role()


def downgrade() -> None:
    op.drop_index('ix_vehicle_plate_trgm', table_name='vehicle', postgresql_using='gin', postgresql_ops={'plate': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_vehicle_owner_person_id'), table_name='vehicle')
    op.drop_index(op.f('ix_vehicle_household_id'), table_name='vehicle')
    op.drop_table('vehicle')
    op.drop_index(op.f('ix_dispute_party_person_id'), table_name='dispute_party')
    op.drop_index(op.f('ix_dispute_party_household_id'), table_name='dispute_party')
    op.drop_index(op.f('ix_dispute_party_dispute_id'), table_name='dispute_party')
    op.drop_table('dispute_party')
    op.drop_index(op.f('ix_dispute_event_user_id'), table_name='dispute_event')
    op.drop_index(op.f('ix_dispute_event_dispute_id'), table_name='dispute_event')
    op.drop_table('dispute_event')
    op.drop_index(op.f('ix_visit_visited_at'), table_name='visit')
    op.drop_index(op.f('ix_visit_user_id'), table_name='visit')
    op.drop_index('ix_visit_household_time', table_name='visit')
    op.drop_index(op.f('ix_visit_household_id'), table_name='visit')
    op.drop_geospatial_index('idx_visit_location', table_name='visit', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('visit')
    op.drop_index('ix_person_tags', table_name='person', postgresql_using='gin')
    op.drop_index('ix_person_phone_trgm', table_name='person', postgresql_using='gin', postgresql_ops={'phone': 'gin_trgm_ops'})
    op.drop_index('ix_person_name_trgm', table_name='person', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.drop_index('ix_person_id_number_trgm', table_name='person', postgresql_using='gin', postgresql_ops={'id_number': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_person_household_id'), table_name='person')
    op.drop_table('person')
    op.drop_index(op.f('ix_dispute_station_id'), table_name='dispute')
    op.drop_index(op.f('ix_dispute_reported_by'), table_name='dispute')
    op.drop_index(op.f('ix_dispute_reported_at'), table_name='dispute')
    op.drop_index('ix_dispute_open', table_name='dispute', postgresql_where="status <> 'closed'")
    op.drop_index(op.f('ix_dispute_household_id'), table_name='dispute')
    op.drop_index(op.f('ix_dispute_beat_id'), table_name='dispute')
    op.drop_geospatial_index('idx_dispute_location', table_name='dispute', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('dispute')
    op.drop_index('ix_incident_station_time', table_name='incident')
    op.drop_index(op.f('ix_incident_station_id'), table_name='incident')
    op.drop_index(op.f('ix_incident_occurred_at'), table_name='incident')
    op.drop_index('ix_incident_category_time', table_name='incident')
    op.drop_index(op.f('ix_incident_beat_id'), table_name='incident')
    op.drop_geospatial_index('idx_incident_location', table_name='incident', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('incident')
    op.drop_index('ix_household_phone_trgm', table_name='household', postgresql_using='gin', postgresql_ops={'phone': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_household_building_id'), table_name='household')
    op.drop_index(op.f('ix_household_beat_id'), table_name='household')
    op.drop_table('household')
    op.drop_index(op.f('ix_beat_member_user_id'), table_name='beat_member')
    op.drop_index(op.f('ix_beat_member_beat_id'), table_name='beat_member')
    op.drop_table('beat_member')
    op.drop_index(op.f('ix_beat_plan_id'), table_name='beat')
    op.drop_geospatial_index('idx_beat_geom', table_name='beat', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('beat')
    op.drop_index(op.f('ix_building_village_id'), table_name='building')
    op.drop_index(op.f('ix_building_station_id'), table_name='building')
    op.drop_index('ix_building_address_trgm', table_name='building', postgresql_using='gin', postgresql_ops={'address': 'gin_trgm_ops'})
    op.drop_geospatial_index('idx_building_footprint', table_name='building', postgresql_using='gist', column_name='footprint')
    op.drop_geospatial_index('idx_building_centroid', table_name='building', postgresql_using='gist', column_name='centroid')
    op.drop_geospatial_table('building')
    op.drop_index('uq_beat_plan_current', table_name='beat_plan', postgresql_where=sa.text("status = 'published'"))
    op.drop_index(op.f('ix_beat_plan_station_id'), table_name='beat_plan')
    op.drop_index(op.f('ix_beat_plan_created_by'), table_name='beat_plan')
    op.drop_table('beat_plan')
    op.drop_index(op.f('ix_village_station_id'), table_name='village')
    op.drop_geospatial_index('idx_village_geom', table_name='village', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('village')
    op.drop_index(op.f('ix_app_user_station_id'), table_name='app_user')
    op.drop_table('app_user')
    op.drop_geospatial_index('idx_station_jurisdiction', table_name='station', postgresql_using='gist', column_name='jurisdiction')
    op.drop_geospatial_table('station')
    op.drop_index(op.f('ix_audit_log_user_id'), table_name='audit_log')
    op.drop_index('ix_audit_log_object', table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')
    op.drop_table('audit_log')
    op.execute("DROP FUNCTION IF EXISTS holomap_audit_append_only() CASCADE")
    op.execute("DROP FUNCTION IF EXISTS holomap_id_number_valid(text)")
