"""Bulk loading in one transaction: TRUNCATE, COPY … FREEZE, secondary indexes rebuilt per table after its
data is in, foreign keys re-added at the end, sequences moved past the generated ids, ANALYZE.

The database work runs in a thread fed by a queue, so generating the next tables (numpy, Python) overlaps
the server's parsing, checking and indexing of the previous ones.
"""

import queue
import threading
from collections.abc import Iterable

import psycopg
from psycopg import sql
from tqdm import tqdm

from seed.organisations import seed_organisations
from seed.scales import ANCHOR
from seed.tables import Table

# holomap.bulk_load: the row triggers of the quality cache and the move history stand aside (a whole district
# is new: the board counts every beat afresh; moves in are written once below, set-based)
SETTINGS = {"maintenance_work_mem": "1GB", "synchronous_commit": "off", "holomap.bulk_load": "on"}
# After the load: a controlled number of each register defect the 数据质量 board looks for (ids by modulus, so
# reproducible): buildings without a standard address code (~1 in 211), households whose head is not marked
# (~1 in 173), owner-occupied rooms whose residents all moved out, unmarked (~1 in 251), rentals whose
# tenants moved out (~1 in 97); then the move history of the seeded residents, the residents' and vehicles'
# beats and the households' last visits, set-based.
AFTER_LOAD = (
    "TRUNCATE quality_dirty",
    "UPDATE building SET std_address_code = NULL WHERE id %% 211 = 5",
    "UPDATE person SET relation_to_head = '其他' WHERE relation_to_head = '户主' AND household_id %% 173 = 3",
    "UPDATE person p SET moved_out = greatest(p.moved_in, CAST(%(anchor)s AS date) - 90) FROM household h "
    "WHERE h.id = p.household_id AND p.moved_out IS NULL AND ((h.kind = 'owner' AND h.id %% 251 = 11) "
    "OR (h.kind = 'rental' AND h.id %% 97 = 1))",
    "INSERT INTO person_move (person_id, household_id, kind, moved_on) "
    "SELECT id, household_id, 'in', moved_in FROM person WHERE household_id IS NOT NULL AND moved_in IS NOT NULL "
    "UNION ALL SELECT id, household_id, 'out', moved_out FROM person "
    "WHERE household_id IS NOT NULL AND moved_out IS NOT NULL",
    # what the triggers of api/people/sql/vehicle_beat.sql, person_beat.sql and api/visits/sql/last_visit.sql keep
    # (migrations 0009, 0014)
    "UPDATE person p SET beat_id = h.beat_id FROM household h WHERE h.id = p.household_id",
    "UPDATE vehicle v SET beat_id = h.beat_id FROM vehicle v2 LEFT JOIN person o ON o.id = v2.owner_person_id "
    "JOIN household h ON h.id = coalesce(v2.household_id, o.household_id) WHERE v2.id = v.id",
    "UPDATE household h SET last_visited_at = lv.at FROM (SELECT household_id, max(visited_at) AS at FROM visit "
    "GROUP BY household_id) lv WHERE lv.household_id = h.id",
)
_DONE, _ABORT = object(), object()
# Derived data other features keep in SQL, rebuilt once the seeded rows are in (when the function exists).
REFRESHES = (("holomap_refresh_area_stats(integer)", "SELECT holomap_refresh_area_stats(NULL)", "area_stats"),)

# Indexes of the loaded tables that do not back a primary key or a constraint.
SECONDARY_INDEXES = """
SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid)
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
 WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(%s) AND NOT x.indisprimary
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)
 ORDER BY c.relname, i.relname
"""
# Unique and foreign-key constraints of the loaded tables, foreign keys first (they are dropped first).
CONSTRAINTS = """
SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
 WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(%s) AND k.contype IN ('u', 'f')
 ORDER BY k.contype, c.relname, k.conname
"""


def conninfo(engine_url: str) -> str:
    """A libpq connection string from a SQLAlchemy URL (postgresql+psycopg://…, one host or several)."""
    from api.db import libpq_url

    return libpq_url(engine_url)


def is_empty(engine_url: str) -> bool:
    """True when no station has been loaded yet."""
    with psycopg.connect(conninfo(engine_url)) as conn:
        return conn.execute("SELECT NOT EXISTS (SELECT 1 FROM station)").fetchone()[0]


def load(
    engine_url: str,
    tables: Iterable[Table],
    names: list[str],
    *,
    progress: bool = True,
    defer_indexes: bool = True,
) -> dict[str, int]:
    """Replace the contents of the tables `names` with `tables` (in that order), atomically.

    Returns rows per table. If producing a table raises, the transaction is rolled back.
    """
    feed: queue.Queue = queue.Queue(maxsize=2)
    outcome: dict = {}
    worker = threading.Thread(
        target=_worker, args=(engine_url, names, feed, outcome, progress, defer_indexes), daemon=True
    )
    worker.start()
    try:
        for table in tables:
            if "error" in outcome:
                break
            feed.put(table)
    except BaseException:
        feed.put(_ABORT)
        worker.join()
        raise
    feed.put(_DONE)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["counts"]


def _worker(engine_url: str, names: list[str], feed: queue.Queue, outcome: dict, progress: bool, defer: bool) -> None:
    """The database side of `load`: one connection, one transaction."""
    try:
        with psycopg.connect(conninfo(engine_url)) as conn, conn.cursor() as cur:
            for name, value in SETTINGS.items():
                cur.execute("SELECT set_config(%s, %s, true)", (name, value))
            cur.execute(
                sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, names)))
            )
            indexes, constraints = _drop_secondary(cur, names) if defer else ([], [])
            counts: dict[str, int] = {}
            while (table := feed.get()) is not _DONE:
                if table is _ABORT:
                    conn.rollback()
                    return
                counts[table.name] = _copy(cur, table, progress)
                _restore(
                    cur,
                    [i for i in indexes if i[0] == table.name],
                    [c for c in constraints if c[0] == table.name and c[2] == "u"],
                )
            _restore(cur, [], [c for c in constraints if c[2] == "f"])
            for name in names:  # ids were generated: continue the sequences after them
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                    (name, max(counts.get(name, 0), 1), counts.get(name, 0) > 0),
                )
            seed_organisations(cur)  # 实有单位, derived from the loaded buildings (issue 17)
            for statement in AFTER_LOAD:
                cur.execute(statement, {"anchor": ANCHOR})
            for name in names + _refresh_derived(cur):
                cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(name)))
            conn.commit()
            outcome["counts"] = counts
    except BaseException as error:  # reported to the caller's thread
        outcome["error"] = error
        while (item := feed.get()) is not _DONE and item is not _ABORT:  # let the producer finish
            del item


def _refresh_derived(cur: psycopg.Cursor) -> list[str]:
    """Run the refresh functions that exist; returns the tables they rebuilt."""
    rebuilt = []
    for signature, statement, table in REFRESHES:
        if cur.execute("SELECT to_regprocedure(%s) IS NOT NULL", (signature,)).fetchone()[0]:
            cur.execute(statement)
            rebuilt.append(table)
    return rebuilt


def _copy(cur: psycopg.Cursor, table: Table, progress: bool) -> int:
    """COPY one table from its rendered text, chunk by chunk."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FREEZE)").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, table.columns))
    )
    with tqdm(total=len(table), desc=f"COPY {table.name}", unit="rows", disable=not progress, leave=False) as bar:
        with cur.copy(statement) as copy:
            for rows, text in table.chunks():
                copy.write(text)
                bar.update(rows)
    return len(table)


def _drop_secondary(cur: psycopg.Cursor, names: list[str]) -> tuple[list[tuple], list[tuple]]:
    """Drop secondary indexes, unique and foreign-key constraints (rebuilt faster after the load)."""
    indexes = cur.execute(SECONDARY_INDEXES, (names,)).fetchall()
    constraints = cur.execute(CONSTRAINTS, (names,)).fetchall()
    for table, name, _kind, _definition in constraints:
        cur.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name)))
    for _table, name, _definition in indexes:
        cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return indexes, constraints


def _restore(cur: psycopg.Cursor, indexes: list[tuple], constraints: list[tuple]) -> None:
    """Recreate dropped indexes, then constraints, from their catalogued definitions."""
    for _table, _name, definition in indexes:
        cur.execute(sql.SQL(definition))
    for table, name, _kind, definition in constraints:
        cur.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
            )
        )
