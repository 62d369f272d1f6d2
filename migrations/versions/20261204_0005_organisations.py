"""实有单位 organisations and their employees; every building in scope opens; search finds organisations and
room-level addresses; data-quality snapshots — issue 17

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

Scope of a building (the lookup, the 楼盘表, search): a household of the building in one of the user's beats
(as before) OR one of the user's beats covering the building's location (its centroid). Until now only the
first held, so no building without households — shops, schools, factories: 94 of the demo — could be
opened by anyone, the chief included.

`organisation` (实有单位): scoped like households by `beat_id`, which the database keeps: the published beat
covering the building (trigger `organisation_place` on insert and on a change of building; trigger
`beat_plan_publish_organisations` when a plan of the station is published), else a household's beat.
`organisation_employee`: the employees, by name with ID number and phone (masked in every answer) and an
optional link to a registered person; scoped through their organisation. Row-level security: read in
scope; registered and corrected by every role that reads personal data (grid members included: they see
masked identities only, as everyone does in these answers).

`quality_snapshot`: the weekly counts of the data-quality checks per beat (the board's trend).

Tables, indexes, constraints and grants only; the program lives in .sql files applied by `holomap migrate`
(api/dbprogram.py): the triggers in api/organisations/sql/place.sql, the policies in api/auth/sql/policies.sql,
holomap_quality_counts in api/quality/sql/quality.sql, the scope rule and the organisations of the lookup in
api/places/sql/lookup.sql and fragments.sql, the new holomap_search (room addresses) in search.sql. The old
holomap_search signature is dropped here (the new one has three more arguments).
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ORGANISATION_KINDS = ("shop", "restaurant", "hotel", "internet_cafe", "entertainment", "school", "kindergarten",
                      "clinic", "factory", "warehouse", "office", "other")
ORGANISATION_STATUSES = ("open", "suspended", "closed")

TABLES = f"""
CREATE TABLE organisation (
  id serial PRIMARY KEY,
  station_id integer REFERENCES station (id),
  building_id integer NOT NULL REFERENCES building (id),
  beat_id integer REFERENCES beat (id),
  name text NOT NULL CONSTRAINT ck_organisation_name CHECK (char_length(btrim(name)) BETWEEN 1 AND 100),
  kind varchar(16) NOT NULL CONSTRAINT ck_organisation_kind
    CHECK (kind IN ({", ".join(f"'{k}'" for k in ORGANISATION_KINDS)})),
  small_venue boolean NOT NULL DEFAULT false,
  key_unit boolean NOT NULL DEFAULT false,
  credit_code varchar(18) CONSTRAINT uq_organisation_credit_code UNIQUE
    CONSTRAINT ck_organisation_credit_code CHECK (credit_code ~ '^[0-9A-HJ-NP-RTUWXY]{{18}}$'),
  legal_rep text,
  person_in_charge text,
  person_in_charge_id integer REFERENCES person (id),
  phone varchar(20),
  unit smallint CONSTRAINT ck_organisation_unit CHECK (unit BETWEEN 1 AND 100),
  floor smallint CONSTRAINT ck_organisation_floor CHECK (floor BETWEEN -5 AND 200),
  room varchar(16),
  opened_on date,
  status varchar(16) NOT NULL DEFAULT 'open' CONSTRAINT ck_organisation_status
    CHECK (status IN ({", ".join(f"'{s}'" for s in ORGANISATION_STATUSES)})),
  fire_check_on date,
  notes text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by integer REFERENCES app_user (id),
  updated_by integer REFERENCES app_user (id)
);
CREATE INDEX ix_organisation_building_id ON organisation (building_id);
CREATE INDEX ix_organisation_beat_id ON organisation (beat_id);
CREATE INDEX ix_organisation_station_id ON organisation (station_id);
CREATE INDEX ix_organisation_name_trgm ON organisation USING gin (name gin_trgm_ops);

CREATE TABLE organisation_employee (
  id serial PRIMARY KEY,
  organisation_id integer NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
  person_id integer REFERENCES person (id),
  name text NOT NULL CONSTRAINT ck_organisation_employee_name CHECK (char_length(btrim(name)) BETWEEN 1 AND 50),
  id_number varchar(18) CONSTRAINT ck_organisation_employee_id_number
    CHECK (id_number IS NULL OR holomap_id_number_valid(id_number)),
  phone varchar(20),
  role text,
  since date,
  left_on date,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by integer REFERENCES app_user (id),
  CONSTRAINT uq_organisation_employee_id_number UNIQUE (organisation_id, id_number)
);
CREATE INDEX ix_organisation_employee_organisation_id ON organisation_employee (organisation_id);
CREATE INDEX ix_organisation_employee_person_id ON organisation_employee (person_id);

CREATE TABLE quality_snapshot (
  week date NOT NULL,
  beat_id integer NOT NULL REFERENCES beat (id) ON DELETE CASCADE,
  check_code varchar(32) NOT NULL,
  checked integer NOT NULL,
  failing integer NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (week, beat_id, check_code)
);
"""

OLD_SEARCH = ("holomap_search(boolean, boolean, boolean, boolean, boolean, boolean, text, text, text, text, text,"
              " text, text, text, text, integer)")


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(f"DROP FUNCTION IF EXISTS {OLD_SEARCH}")
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON organisation, organisation_employee TO {q(role)}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON quality_snapshot TO {q(role)}")
        op.execute(f"GRANT USAGE, SELECT ON organisation_id_seq, organisation_employee_id_seq TO {q(role)}")


def downgrade() -> None:
    # the program's objects on these tables go with them (policies, the organisation_place trigger); the
    # trigger on beat_plan and the functions that read the tables are dropped here (`holomap migrate`
    # re-creates them after an upgrade)
    op.execute("DROP TRIGGER IF EXISTS beat_plan_publish_organisations ON beat_plan")
    op.execute("DROP FUNCTION IF EXISTS holomap_quality_counts(integer[], date)")
    op.execute("DROP TABLE IF EXISTS quality_snapshot")
    op.execute("DROP TABLE IF EXISTS organisation_employee")
    op.execute("DROP TABLE IF EXISTS organisation")
    op.execute("DROP FUNCTION IF EXISTS holomap_publish_organisations()")
    op.execute("DROP FUNCTION IF EXISTS holomap_organisation_place()")
