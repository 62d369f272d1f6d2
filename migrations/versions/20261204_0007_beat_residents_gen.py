"""beat_residents_gen: a version per beat of the residents counted in it — issue 22

The dashboard's per-beat figures (GET /api/analytics/beats) divide incidents by the residents of each beat.
Counting the residents of the whole bureau (1M persons joined to their households) took 0.5–1 s per request
at county scale. The app now keeps the count per beat in memory, labelled with the beat's `gen`: a value of
`beat_residents_gen_seq` written by statement triggers (api/analytics/sql/beat_residents.sql) whenever a
statement changes who lives in the beat. A request reads the gens of its beats and recounts only the beats
whose gen differs, reading the gen in the same statement as the count (hence the same snapshot).

Tables, sequence and grants only; the triggers live in the .sql file applied by `holomap migrate`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _app_role() -> str:
    from api.config import get_settings

    return get_settings().app_db_role


def upgrade() -> None:
    op.execute("CREATE SEQUENCE beat_residents_gen_seq")
    op.execute("CREATE TABLE beat_residents_gen (beat_id integer NOT NULL, gen bigint NOT NULL,"
               " CONSTRAINT pk_beat_residents_gen PRIMARY KEY (beat_id))")
    role = _app_role()
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        q = bind.dialect.identifier_preparer.quote
        # read-only for the app: only the program's SECURITY DEFINER triggers write it
        op.execute(f"REVOKE ALL ON beat_residents_gen, beat_residents_gen_seq FROM {q(role)}")
        op.execute(f"GRANT SELECT ON beat_residents_gen TO {q(role)}")


def downgrade() -> None:
    for trigger, table in (("person_beat_residents_ins", "person"), ("person_beat_residents_del", "person"),
                           ("person_beat_residents_upd", "person"), ("person_beat_residents_trunc", "person"),
                           ("household_beat_residents_upd", "household")):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for fn in ("holomap_beat_residents_rows()", "holomap_beat_residents_update()", "holomap_beat_residents_all()",
               "holomap_household_residents_move()"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.execute("DROP TABLE beat_residents_gen")
    op.execute("DROP SEQUENCE beat_residents_gen_seq")
