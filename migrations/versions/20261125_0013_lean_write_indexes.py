"""lean write indexes: cheaper inserts into person, household and vehicle — issue 8

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25

Every row written into `person` paid for nine indexes; the people import writes 100,000s of rows at a
time (bench/import.py measured the GIN trigram index on `id_number`, ~19 trigrams a row, as the single
most expensive one). Search looks an ID number up by its whole value or by its tail (`LIKE '%1234'`),
never by a fragment in the middle, so a btree on reverse(id_number) (a tail is a prefix of the reversed
text) answers it with one index entry per row instead of ~19 GIN entries.

The other indexes become partial, so that rows that cannot match them cost nothing to insert:
- `created_by` / `updated_by` (officer statistics, migration 0009): seeded and imported rows have no
  author (NULL). Queries `created_by = ANY(...)` and foreign-key checks imply NOT NULL, so they still
  use them.
- `phone` trigram indexes (person, household): only rows with a phone (`phone LIKE ...` implies it).
- `tags` GIN: only residents with a care tag (queries add `tags <> '{}'`, see api/worklist/queries.py).
"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

AUTHOR_INDEXES = [(table, column) for table in ("household", "person", "vehicle")
                  for column in ("created_by", "updated_by")]


def upgrade() -> None:
    op.drop_index("ix_person_id_number_trgm", table_name="person")
    op.execute("CREATE INDEX ix_person_id_number_rev ON person (reverse(id_number::text) text_pattern_ops)")
    for table, column in AUTHOR_INDEXES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.execute(f"CREATE INDEX ix_{table}_{column} ON {table} ({column}) WHERE {column} IS NOT NULL")
    for table in ("person", "household"):
        op.drop_index(f"ix_{table}_phone_trgm", table_name=table)
        op.execute(f"CREATE INDEX ix_{table}_phone_trgm ON {table} USING gin (phone gin_trgm_ops)"
                   " WHERE phone IS NOT NULL")
    op.drop_index("ix_person_tags", table_name="person")
    op.execute("CREATE INDEX ix_person_tags ON person USING gin (tags) WHERE tags <> '{}'")


def downgrade() -> None:
    op.drop_index("ix_person_tags", table_name="person")
    op.execute("CREATE INDEX ix_person_tags ON person USING gin (tags)")
    for table in ("person", "household"):
        op.drop_index(f"ix_{table}_phone_trgm", table_name=table)
        op.execute(f"CREATE INDEX ix_{table}_phone_trgm ON {table} USING gin (phone gin_trgm_ops)")
    for table, column in AUTHOR_INDEXES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.execute(f"CREATE INDEX ix_{table}_{column} ON {table} ({column})")
    op.drop_index("ix_person_id_number_rev", table_name="person")
    op.execute("CREATE INDEX ix_person_id_number_trgm ON person USING gin (id_number gin_trgm_ops)")
