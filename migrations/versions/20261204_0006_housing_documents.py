"""Housing and document facts of 一标三实 (issue 17): building owner and use, rentals (出租屋管理) with
landlord and lease, residents' 户籍 address, 居住证/暂住 number and expiry, travel documents of non-ID holders
and visa expiry; the data-quality board's per-beat cache and its invalidation log

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

Building: `owner_person_id` (a registered person) or `owner_name` + `owner_phone` (an owner living elsewhere),
`use` (房屋用途). Household: a rental (kind 'rental') has a landlord (person link or name + phone) and lease
dates. Person: `registered_address` (户籍地址, only when it differs from the residence), `permit_no` +
`permit_expires` (居住证/暂住证), `document_kind` (ID card by default; passport, 港澳/台湾 permits, foreigner's
permanent residence card) with `document_no` and `visa_expires` (the visa or permit's end of stay).
`person_move`: the move history (迁入/迁出), written by the trigger person_move in api/people/sql/moves.sql.

`quality_count`: the counts of each check per beat, valid for one day (`day`) until a write in the beat
lands a row in `quality_dirty` (triggers in api/quality/sql/dirty.sql); the board recounts the dirty
beats only (api/quality/sql/quality.sql). A plain append log, no unique key: writers never wait on one
another; the board consumes the rows it saw (SKIP LOCKED).

Tables, columns, indexes and grants only (the program is in .sql files applied by `holomap migrate`).
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BUILDING_USES = ("own_use", "rental", "business", "office", "production", "storage", "public", "idle", "other")
DOCUMENT_KINDS = ("id_card", "passport", "hk_macau_permit", "taiwan_permit", "foreign_permanent")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


COLUMNS = f"""
ALTER TABLE building
  ADD COLUMN owner_person_id integer CONSTRAINT fk_building_owner_person_id_person REFERENCES person (id),
  ADD COLUMN owner_name text CONSTRAINT ck_building_owner_name CHECK (char_length(btrim(owner_name)) BETWEEN 1 AND 50),
  ADD COLUMN owner_phone varchar(20),
  ADD COLUMN use varchar(16) CONSTRAINT ck_building_use CHECK (use IN ({_in(BUILDING_USES)}));
CREATE INDEX ix_building_owner_person_id ON building (owner_person_id) WHERE owner_person_id IS NOT NULL;

ALTER TABLE household
  ADD COLUMN landlord_person_id integer CONSTRAINT fk_household_landlord_person_id_person REFERENCES person (id),
  ADD COLUMN landlord_name text
    CONSTRAINT ck_household_landlord_name CHECK (char_length(btrim(landlord_name)) BETWEEN 1 AND 50),
  ADD COLUMN landlord_phone varchar(20),
  ADD COLUMN lease_start date,
  ADD COLUMN lease_end date,
  ADD CONSTRAINT ck_household_lease CHECK (lease_end IS NULL OR lease_start IS NULL OR lease_end >= lease_start);
CREATE INDEX ix_household_landlord_person_id ON household (landlord_person_id)
  WHERE landlord_person_id IS NOT NULL;

ALTER TABLE person
  ADD COLUMN registered_address text
    CONSTRAINT ck_person_registered_address CHECK (char_length(btrim(registered_address)) BETWEEN 1 AND 200),
  ADD COLUMN permit_no varchar(32),
  ADD COLUMN permit_expires date,
  ADD COLUMN document_kind varchar(20) NOT NULL DEFAULT 'id_card'
    CONSTRAINT ck_person_document_kind CHECK (document_kind IN ({_in(DOCUMENT_KINDS)})),
  ADD COLUMN document_no varchar(32),
  ADD COLUMN visa_expires date;
-- the duplicate check (same name and birth date in a station) and its invalidation
CREATE INDEX ix_person_name_birth_date ON person (name, birth_date);
CREATE INDEX ix_person_permit_expires ON person (permit_expires) WHERE permit_expires IS NOT NULL;
CREATE INDEX ix_person_visa_expires ON person (visa_expires) WHERE visa_expires IS NOT NULL;

CREATE TABLE person_move (
  id bigserial CONSTRAINT pk_person_move PRIMARY KEY,
  person_id integer NOT NULL CONSTRAINT fk_person_move_person_id_person REFERENCES person (id) ON DELETE CASCADE,
  household_id integer CONSTRAINT fk_person_move_household_id_household REFERENCES household (id),
  kind varchar(3) NOT NULL CONSTRAINT ck_person_move_kind CHECK (kind IN ('in', 'out')),
  moved_on date,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by integer CONSTRAINT fk_person_move_recorded_by_app_user REFERENCES app_user (id)
);
CREATE INDEX ix_person_move_person_id ON person_move (person_id);
CREATE INDEX ix_person_move_household_id ON person_move (household_id);

CREATE TABLE quality_count (
  beat_id integer NOT NULL CONSTRAINT fk_quality_count_beat_id_beat REFERENCES beat (id) ON DELETE CASCADE,
  check_code varchar(32) NOT NULL,
  day date NOT NULL,
  checked integer NOT NULL,
  failing integer NOT NULL,
  counted_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pk_quality_count PRIMARY KEY (beat_id, check_code)
);
CREATE TABLE quality_dirty (
  id bigserial CONSTRAINT pk_quality_dirty PRIMARY KEY,
  beat_id integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_quality_dirty_beat_id ON quality_dirty (beat_id);
"""


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.execute(COLUMNS)
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT ON person_move, quality_count TO {q(role)}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS holomap_quality_board(integer[], date)")
    for fn in ("holomap_quality_dirty_household()", "holomap_quality_dirty_person()",
               "holomap_quality_dirty_visit()", "holomap_quality_dirty_organisation()",
               "holomap_quality_dirty_employee()", "holomap_quality_dirty_building()", "holomap_person_move()"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn} CASCADE")
    op.execute("DROP TABLE IF EXISTS quality_dirty, quality_count, person_move")
    op.execute("ALTER TABLE person DROP COLUMN registered_address, DROP COLUMN permit_no, DROP COLUMN permit_expires,"
               " DROP COLUMN document_kind, DROP COLUMN document_no, DROP COLUMN visa_expires")
    op.execute("DROP INDEX IF EXISTS ix_person_name_birth_date")
    op.execute("ALTER TABLE household DROP COLUMN landlord_person_id, DROP COLUMN landlord_name,"
               " DROP COLUMN landlord_phone, DROP COLUMN lease_start, DROP COLUMN lease_end")
    op.execute("ALTER TABLE building DROP COLUMN owner_person_id, DROP COLUMN owner_name, DROP COLUMN owner_phone,"
               " DROP COLUMN use")
