"""The database program: SQL functions, triggers and row-level security policies, as `.sql` files beside
their domain (`api/<domain>/sql/*.sql`), applied by `holomap migrate` after Alembic's table changes.

Alembic (migrations/) holds tables, columns, indexes, constraints, grants and data changes; everything a
`CREATE OR REPLACE` can redefine lives here, written once with its current text. `apply` runs every file of
`FILES` in that order, in the caller's transaction, and each file is idempotent: `CREATE OR REPLACE
FUNCTION`, `DROP POLICY IF EXISTS` + `CREATE POLICY`, `DROP TRIGGER IF EXISTS` + `CREATE TRIGGER`,
`ALTER TABLE … ENABLE/FORCE ROW LEVEL SECURITY`. The order matters where the database checks a reference
when the object is created: a `LANGUAGE sql` function after the functions it calls, a policy or trigger
after its function. A function keeps its owner (the owning role, which runs `holomap migrate`), its grants
(EXECUTE for PUBLIC, as for every function) and the SECURITY DEFINER / search_path written in its file.

Objects the files no longer define (a function renamed or given another signature, a policy dropped) are
found by `apply`: every `holomap_*` function, policy and user trigger of the public schema that applying the
files did not (re)write. `holomap migrate` lists them, and drops them with `--prune`.
tests/test_dbprogram.py proves the installed definitions equal the files.
"""
from collections.abc import Callable
from pathlib import Path

API = Path(__file__).resolve().parent

# applied in this order (see the module docstring for why order matters)
FILES = (
    "people/sql/id_number.sql",
    "people/sql/masking.sql",
    "auth/sql/scope.sql",
    "auth/sql/request.sql",
    "auth/sql/generation.sql",
    "auth/sql/token_cutoff.sql",
    "auth/sql/policies.sql",
    "audit/sql/append_only.sql",
    "people/sql/keep_identity.sql",
    "tiles/sql/layer_version.sql",
    "tiles/sql/map_request.sql",
    "settings/sql/key_person_tags.sql",
    "analytics/sql/aggregates.sql",
    "analytics/sql/incident_chunks.sql",
    "analytics/sql/beat_residents.sql",
    "analytics/sql/near_repeat.sql",
    "analytics/sql/stored.sql",
    "plans/sql/area_stats.sql",
    "plans/sql/reassign_beats.sql",
    "places/sql/fragments.sql",
    "places/sql/bigrams.sql",
    "places/sql/lookup.sql",
    "places/sql/search.sql",
    "organisations/sql/place.sql",
    "quality/sql/quality.sql",
    "quality/sql/dirty.sql",
    "people/sql/moves.sql",
    "people/sql/vehicle_beat.sql",
    "people/sql/person_beat.sql",
    "visits/sql/last_visit.sql",
    "warnings/sql/zone.sql",
    "reports/sql/weekly.sql",
)

# the old chain's last revision, and the baseline that replaced the chain (same schema): see `restamp`
OLD_HEAD = "0020"
BASELINE = "0001"

# the program's catalog rows (public schema): holomap_* functions, policies, user triggers, with their row
# versions (ctid): CREATE OR REPLACE and DROP + CREATE give an object a new row version, so a row whose
# version applying the files did not change belongs to an object no file defines
PROGRAM_ROWS = r"""
SELECT 'FUNCTION ' || p.oid::regprocedure::text AS object, 'DROP FUNCTION ' || p.oid::regprocedure::text AS drop,
       3 AS rank, 'pg_proc' AS catalog, p.oid, p.ctid::text AS version
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'holomap\_%'
UNION ALL
SELECT format('POLICY %I ON %s', pol.polname, pol.polrelid::regclass),
       format('DROP POLICY %I ON %s', pol.polname, pol.polrelid::regclass), 2, 'pg_policy', pol.oid, pol.ctid::text
FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid
WHERE c.relnamespace = 'public'::regnamespace
UNION ALL
SELECT format('TRIGGER %I ON %s', t.tgname, t.tgrelid::regclass),
       format('DROP TRIGGER %I ON %s', t.tgname, t.tgrelid::regclass), 1, 'pg_trigger', t.oid, t.ctid::text
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
ORDER BY rank, object  -- triggers and policies before the functions they call
"""


def paths() -> list[Path]:
    """The program's files, in the order they are applied."""
    return [API / name for name in FILES]


def source(name: str) -> str:
    """The text of one file of FILES (e.g. "people/sql/id_number.sql")."""
    return (API / name).read_text(encoding="utf-8")


def apply(dbapi_connection, *, echo: Callable[[str], None] = lambda _: None) -> list[tuple[str, str]]:
    """Run every file, in order, in the connection's current transaction (the caller commits or rolls back).

    `dbapi_connection` is a psycopg connection (SQLAlchemy: `conn.connection.driver_connection`): a file is
    sent as one query without parameters, so its `%` and `:name` are plain text. Returns the stale objects
    as (description, DROP statement).
    """
    before = {(row[3], row[4], row[5]) for row in dbapi_connection.execute(PROGRAM_ROWS).fetchall()}
    for name in FILES:
        dbapi_connection.execute(source(name))
    echo(f"[holomap] database program applied ({len(FILES)} files of api/*/sql)")
    # untouched by the files: not defined by any of them
    return [(row[0], row[1]) for row in dbapi_connection.execute(PROGRAM_ROWS).fetchall()
            if (row[3], row[4], row[5]) in before]


# a table the current chain's 0002 creates: the old chain never had it, so its absence tells an old-chain
# database at "0020" from one the current chain has brought to its own revision 0020
AFTER_BASELINE = "idempotency_key"


def restamp(dbapi_connection) -> bool:
    """A database at the old chain's head ("0020") has the baseline's schema: record it as the baseline.

    Migrations 0001–0020 were squashed into one baseline "0001" (nothing had been deployed); developers'
    and test databases migrated before that still say "0020". The current chain reaches a "0020" of its own
    too, so only a database without the tables that came after the baseline is restamped. Returns True when
    it restamped.
    """
    exists = dbapi_connection.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()[0]
    if not exists:
        return False
    cur = dbapi_connection.execute(
        "UPDATE alembic_version SET version_num = %s WHERE version_num = %s AND to_regclass(%s) IS NULL",
        (BASELINE, OLD_HEAD, AFTER_BASELINE))
    return cur.rowcount > 0


def upgrade(url: str, *, prune: bool = False, echo: Callable[[str], None] = lambda _: None) -> list[str]:
    """`holomap migrate`: Alembic to head (tables…), then the program's files in one transaction.

    Returns the stale objects left in place (all dropped, and none returned, with `prune`).
    """
    import psycopg
    from alembic import command

    from api.cli import _alembic_config
    from api.db import libpq_url

    dsn = libpq_url(url)  # one host or several (a Patroni cluster: target_session_attrs=read-write)
    with psycopg.connect(dsn) as conn:  # commits on leaving the block
        if restamp(conn):
            echo(f"[holomap] database at the old head {OLD_HEAD}: stamped as the baseline {BASELINE} (same schema)")
    command.upgrade(_alembic_config(url), "head")
    with psycopg.connect(dsn) as conn:
        found = apply(conn, echo=echo)
        if prune:
            for description, drop in found:
                echo(f"[holomap] dropping {description} (no file defines it)")
                conn.execute(drop)
            found = []
    for description, _ in found:
        echo(f"[holomap] warning: {description} is defined in the database but in no file of api/*/sql"
             " (holomap migrate --prune drops it)")
    return [description for description, _ in found]
