"""The database program (api/*/sql/*.sql, api/dbprogram.py): the installed definitions are the files'.

Each test works in one owner transaction that is rolled back: it reads the program as installed (functions
with owner, grants and settings, policies, triggers, row-level security switches), applies the files as
`holomap migrate` does, and reads it again. Any difference means a function, policy or trigger was changed
in the database by hand, or a file was changed without `holomap migrate`.
"""
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from api import dbprogram

FUNCTIONS = r"""
SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid), pg_get_userbyid(p.proowner), p.proacl::text
FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'holomap\_%'
"""
POLICIES = """
SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check
FROM pg_policies WHERE schemaname = 'public'
"""
TRIGGERS = """
SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
"""
ROW_SECURITY = """
SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND (relrowsecurity OR relforcerowsecurity)
"""


@pytest.fixture()
def owner_tx(owner_engine) -> Iterator:
    """A psycopg connection of the owning role, in a transaction that is rolled back."""
    raw = owner_engine.raw_connection()
    conn = raw.driver_connection
    try:
        conn.rollback()
        yield conn
    finally:
        conn.rollback()
        raw.close()


def installed(conn) -> dict[str, set[tuple]]:
    """The program as the database has it now."""
    return {name: {tuple(row) for row in conn.execute(sql).fetchall()}
            for name, sql in (("functions", FUNCTIONS), ("policies", POLICIES), ("triggers", TRIGGERS),
                              ("row security", ROW_SECURITY))}


def drift(conn) -> list[str]:
    """What applying the files changes or leaves over, one line per object (empty: installed == files)."""
    before = installed(conn)
    stale = dbprogram.apply(conn)
    after = installed(conn)
    lines = [f"not in any file: {description}" for description, _ in stale]
    # CREATE OR REPLACE keeps a function's owner and grants: every function has the defaults (owned by the
    # owning role, which migrates; EXECUTE for PUBLIC), as SECURITY DEFINER relies on
    me = conn.execute("SELECT current_user").fetchone()[0]
    lines += [f"functions: {signature} is owned by {owner} with grants {acl}, not the defaults"
              for signature, _, owner, acl in sorted(after["functions"]) if owner != me or acl is not None]
    for kind in before:
        for row in sorted(before[kind] - after[kind], key=str):
            lines.append(f"{kind}: installed {row[:2]} differs from the files")
        for row in sorted(after[kind] - before[kind], key=str):
            lines.append(f"{kind}: the files define {row[:2]} differently or newly")
    return lines


def test_the_installed_program_is_the_files(owner_tx):
    problems = drift(owner_tx)
    assert not problems, "run `holomap migrate` (and see docs/CONVENTIONS.md):\n" + "\n".join(problems)


def test_a_function_changed_in_the_database_is_found(owner_tx):
    owner_tx.execute("CREATE OR REPLACE FUNCTION holomap_mask_id(id text) RETURNS text "
                     "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT id $$")
    assert any("holomap_mask_id" in line for line in drift(owner_tx))


def test_a_policy_or_grant_changed_in_the_database_is_found(owner_tx):
    owner_tx.execute("ALTER POLICY audit_log_admin_read ON audit_log USING (true)")
    owner_tx.execute("REVOKE EXECUTE ON FUNCTION holomap_request_user() FROM PUBLIC")
    problems = "\n".join(drift(owner_tx))
    assert "audit_log_admin_read" in problems
    assert "holomap_request_user" in problems


def test_a_file_changed_without_migrating_is_found(owner_tx, monkeypatch):
    original = dbprogram.source

    def edited(name: str) -> str:
        sql = original(name)
        return sql.replace("'beats', (SELECT coalesce(", "'beat_list', (SELECT coalesce(") \
            if name == "places/sql/fragments.sql" else sql

    monkeypatch.setattr(dbprogram, "source", edited)
    assert any("holomap_building_doc" in line for line in drift(owner_tx))


def test_objects_no_file_defines_are_found(owner_tx):
    owner_tx.execute("CREATE FUNCTION holomap_retired(integer) RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$")
    owner_tx.execute("CREATE POLICY retired_policy ON household FOR SELECT USING (false)")
    owner_tx.execute("CREATE TRIGGER retired_trigger AFTER INSERT ON station "
                     "FOR EACH STATEMENT EXECUTE FUNCTION holomap_bump_auth()")
    stale = dict(dbprogram.apply(owner_tx))
    assert stale == {
        "TRIGGER retired_trigger ON station": "DROP TRIGGER retired_trigger ON station",
        "POLICY retired_policy ON household": "DROP POLICY retired_policy ON household",
        "FUNCTION holomap_retired(integer)": "DROP FUNCTION holomap_retired(integer)",
    }
    for drop in stale.values():  # as `holomap migrate --prune` does, in this order
        owner_tx.execute(drop)
    assert dbprogram.apply(owner_tx) == []


def test_every_sql_file_is_applied_once():
    found = {str(p.relative_to(dbprogram.API)) for p in dbprogram.API.glob("*/sql/*.sql")}
    assert found == set(dbprogram.FILES)
    assert len(dbprogram.FILES) == len(set(dbprogram.FILES))


def test_each_function_is_defined_in_one_file_only():
    seen: dict[str, str] = {}
    for name in dbprogram.FILES:
        for fn in re.findall(r"CREATE OR REPLACE FUNCTION (\w+)", dbprogram.source(name)):
            assert fn not in seen, f"{fn} is defined in {seen[fn]} and {name}"
            seen[fn] = name
    migrations = Path(dbprogram.API).parent / "migrations" / "versions"
    for path in migrations.glob("*.py"):  # the baseline only creates the CHECK's function, from its file
        assert "CREATE OR REPLACE FUNCTION" not in path.read_text(encoding="utf-8"), path.name


def test_the_shared_fragments_are_inlined(db):
    """holomap_building_doc / holomap_household_open_disputes cost what the SQL they replaced cost: the
    planner inlines them (no Function Scan) into the floorplan, as into the lookup's statement."""
    from api.places import queries

    building = db.execute(text("SELECT building_id FROM household WHERE beat_id IS NOT NULL LIMIT 1")).scalar()
    beats = db.execute(text("SELECT array_agg(id) FROM beat")).scalar()
    plan = "\n".join(r[0] for r in db.execute(text("EXPLAIN (VERBOSE) " + queries.FLOORPLAN),
                                               {"building_id": building, "beats": beats}))
    assert "Function Scan" not in plan, plan


def test_the_offline_pack_inlines_the_lookups_fragments(db):
    """The offline pack shows buildings, households and organisations through the lookup's own fragments
    (holomap_building_doc, holomap_household_doc, holomap_building_organisations), inlined: no Function Scan."""
    from api.offline import queries

    assert all(name in queries.PACK for name in ("holomap_building_doc", "holomap_household_doc",
                                                 "holomap_building_organisations"))
    beats = db.execute(text("SELECT array_agg(id) FROM (SELECT id FROM beat LIMIT 1) b")).scalar()
    plan = "\n".join(r[0] for r in db.execute(text("EXPLAIN (VERBOSE) " + queries.PACK),
                                               {"beats": beats, "visits": 5}))
    assert "Function Scan" not in plan, plan


def test_the_lookups_calls_of_the_fragments_are_inlined(db):
    """holomap_lookup is PL/pgSQL, so its plan cannot be EXPLAINed from outside: its two fragment calls, written
    as lookup.sql writes them, inline (no Function Scan) — the household's row passed as a whole, the
    organisations with the user's beats."""
    building, beats = db.execute(text("SELECT building_id, array_agg(DISTINCT beat_id) FROM household"
                                      " WHERE beat_id IS NOT NULL GROUP BY building_id LIMIT 1")).one()
    households = text("""
        EXPLAIN (VERBOSE) SELECT json_agg(hd.doc ORDER BY h.unit, h.floor, h.room)
        FROM household h CROSS JOIN LATERAL holomap_household_doc(h, 5) hd
        WHERE h.building_id = :b AND h.beat_id + 0 = ANY (CAST(:beats AS integer[]))""")
    organisations = text("EXPLAIN (VERBOSE) SELECT od.doc"
                         " FROM holomap_building_organisations(:b, CAST(:beats AS integer[])) od")
    page = text("EXPLAIN (VERBOSE) SELECT hh.doc"  # the lookup's first page (issue 22)
                " FROM holomap_household_page(:b, CAST(:beats AS integer[]), 5, 0, 10) hh")
    for statement in (households, organisations, page):
        plan = "\n".join(r[0] for r in db.execute(statement, {"b": building, "beats": beats}))
        assert "Function Scan" not in plan, plan
