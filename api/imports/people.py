"""Importing households, residents and vehicles from a spreadsheet, in the caller's transaction.

Pipeline: the calling thread reads and validates chunks of rows (pure Python, api.imports.people_rows)
while a loader thread COPYs the previous chunk into staging tables and runs the set-based SQL of
api.imports.queries on the same connection, so validation and the database work overlap. Everything
happens inside a savepoint: the savepoint is released only when the outcome is to be kept (a valid
file, or "valid rows only"), otherwise rolled back, so nothing is ever half-written. The caller owns
the transaction and commits it.
"""
import gc
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Connection

from api.errors import Conflict, InvalidInput
from api.imports import queries
from api.imports.people_rows import CheckedChunk, PeopleValidator, RowError, cell_error
from api.imports.report import ImportReport
from api.imports.sheets import read_sheet
from api.imports.template import FIELD_BY_KEY, header_lookup, normalize_header

CHUNK_ROWS = 20_000
SAVEPOINT = "holomap_import_people"
_PROBLEMS = {
    "unknown_address": "找不到该地址的房屋 no building has this address; check it or import the "
                       "buildings first",
    "ambiguous_address": "地址不唯一 {matches} buildings have this address; use the standard address code",
    "room_taken": "该房间已登记为另一户 this room already belongs to household 户号 {by_room_hukou} in the "
                  "database",
    "plate_taken": "该车牌已登记在另一人（{owner}）名下 this plate is registered to another resident ({owner}); "
                   "correct the plate, or have the vehicle's owner changed first",
}


def allow_import(session) -> None:
    """Open the `*_import` row-level policies for this transaction (they also require an active admin)."""
    session.execute(text(queries.ALLOW_IMPORT))


def import_people(
    *,
    connection: Connection,
    source: bytes | Path,
    filename: str,
    mapping: dict[str, str] | None = None,
    valid_only: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Validate and import a people spreadsheet; returns the report (the caller commits)."""
    started = time.perf_counter()
    sheet = read_sheet(source, filename)
    opened = time.perf_counter()
    columns, ignored = map_columns(sheet.headers, mapping)
    report = ImportReport(kind="people", filename=Path(filename).name, dry_run=dry_run,
                          mode="valid_only" if valid_only else "all_or_nothing", ignored_columns=ignored,
                          columns={header: key for key, (_, header) in columns.items()})
    report.timed("read file", opened - started)
    validator = PeopleValidator(columns)
    raw = connection.connection.driver_connection
    gc_was_enabled = gc.isenabled()
    gc.disable()  # 100,000s of small lists and tuples: cyclic GC passes would cost a third of the time
    try:
        return _run(raw, sheet, validator, report, columns, valid_only, progress, chunk_rows, started)
    finally:
        if gc_was_enabled:
            gc.enable()


def _run(raw, sheet, validator, report, columns, valid_only, progress, chunk_rows, started) -> ImportReport:
    """The savepoint around staging, loading and the keep-or-roll-back decision."""
    with raw.cursor() as cur:
        jit = cur.execute(queries.JIT_OFF).fetchone()[0]
        cur.execute(f"SAVEPOINT {SAVEPOINT}")
        cur.execute(queries.CREATE_STAGING)
    loader = _Loader(raw, report, columns, valid_only=valid_only)
    try:
        loader.run_alongside(_validated(sheet.rows, validator, report, loader, chunk_rows, progress))
        keep = (valid_only or report.invalid_rows == 0) and report.rows - report.invalid_rows > 0
    except BaseException as exc:
        with raw.cursor() as cur:
            cur.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
            cur.execute(queries.SET_JIT, {"jit": jit})
        if isinstance(exc, psycopg.errors.IntegrityError):
            raise Conflict("导入与数据库中的数据冲突 the sheet conflicts with stored data "
                           f"(another import may be running): {exc.diag.message_primary}",
                           code="import.conflict") from None
        if isinstance(exc, psycopg.errors.DataError):
            raise InvalidInput(f"数据格式错误 a value is malformed: {exc.diag.message_primary}",
                               code="import.value_malformed") from None
        raise
    report.valid_rows = report.rows - report.invalid_rows
    report.written = keep and not report.dry_run
    with raw.cursor() as cur:
        if report.written:
            cur.execute(queries.DROP_STAGING)
            cur.execute(f"RELEASE SAVEPOINT {SAVEPOINT}")
        else:
            cur.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
            cur.execute(f"RELEASE SAVEPOINT {SAVEPOINT}")
        cur.execute(queries.SET_JIT, {"jit": jit})
    report.message = _summary(report)
    report.seconds = time.perf_counter() - started
    return report


def map_columns(
    headers: list[str], mapping: dict[str, str] | None, *, lookup: dict[str, str] | None = None,
    by_key: dict | None = None, required: tuple[str, ...] = ("name", "id_number"),
) -> tuple[dict[str, tuple[int, str]], list[str]]:
    """Template field of each header (via the optional mapping {file header: template header or key}); the
    people template unless another's `lookup` (header → key), `by_key` (key → Field) and `required` keys."""
    lookup = lookup or header_lookup()
    by_key = by_key or FIELD_BY_KEY
    wanted = {normalize_header(k): v for k, v in (mapping or {}).items()}
    present = {normalize_header(h) for h in headers}
    unknown_sources = [k for k in (mapping or {}) if normalize_header(k) not in present]
    if unknown_sources:
        raise InvalidInput(f"表头映射中的列不在文件中 the header mapping names columns not in the file: "
                           f"{', '.join(unknown_sources)}", code="import.mapping_unknown_columns",
                           params={"columns": unknown_sources})
    columns: dict[str, tuple[int, str]] = {}
    ignored = []
    for index, header in enumerate(headers):
        norm = normalize_header(header)
        if not norm:
            continue
        target = wanted.get(norm)
        key = lookup.get(normalize_header(target)) if target else lookup.get(norm)
        if target and key is None:
            raise InvalidInput(f"表头映射错误 the header mapping sends {header!r} to {target!r}, which is "
                               "not a template column (see docs/import-template.md)",
                               code="import.mapping_bad_target",
                               params={"header": header, "target": target})
        if key is None:
            ignored.append(header)
        elif key in columns:
            raise InvalidInput(f"列重复 columns {columns[key][1]!r} and {header!r} both mean "
                               f"{by_key[key].header}; keep one or map the other elsewhere",
                               code="import.duplicate_columns",
                               params={"first": columns[key][1], "second": header, "field": by_key[key].header})
        else:
            columns[key] = (index, header.strip())
    missing = [by_key[k].header for k in required if k not in columns]
    if "std_address_code" not in columns and "address" not in columns:
        missing.append("标准地址编码 或 地址")
    if missing:
        raise InvalidInput(f"缺少必需的列 missing required columns: {', '.join(missing)}; the file has "
                           f"{', '.join(h for h in headers if h.strip())}. Rename them or pass a header "
                           "mapping", code="import.missing_columns", params={"columns": missing})
    return columns, ignored


def _validated(rows, validator: PeopleValidator, report: ImportReport, loader: "_Loader", size: int,
               progress: Callable[[int], None] | None) -> Iterator[CheckedChunk]:
    """Checked chunks of the sheet's rows, counting rows and errors into the report."""
    clock = time.perf_counter()
    for chunk in _chunks(rows, size):
        report.timed("read rows", time.perf_counter() - clock)
        clock = time.perf_counter()
        checked = validator.check(chunk)
        report.timed("validate", time.perf_counter() - clock)
        report.rows += checked.rows
        report.invalid_rows += checked.invalid_rows
        report.errors.extend(checked.errors)
        if checked.errors:
            loader.has_errors = True
        if progress:
            progress(len(chunk))
        yield checked
        clock = time.perf_counter()


def _chunks(rows, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Loader:
    """Applies checked chunks on the import's connection, in a thread of its own."""

    def __init__(self, raw, report: ImportReport, columns: dict[str, tuple[int, str]], *, valid_only: bool):
        self.raw, self.report, self.columns, self.valid_only = raw, report, columns, valid_only
        self.has_errors = False
        self.error: BaseException | None = None
        self.chunk = 0

    def run_alongside(self, chunks: Iterator[CheckedChunk]) -> None:
        """Feed chunks produced by the calling thread to the loader thread; re-raise its failure."""
        pending: queue.Queue = queue.Queue(maxsize=2)
        worker = threading.Thread(target=self._consume, args=(pending,), name="holomap-import", daemon=True)
        worker.start()
        try:
            for checked in chunks:
                if self.error is not None:
                    break
                pending.put(checked)
        finally:
            pending.put(None)
            worker.join()
        if self.error is not None:
            raise self.error

    def _consume(self, pending: queue.Queue) -> None:
        while (checked := pending.get()) is not None:
            if self.error is None:
                try:
                    self.load(checked)
                except BaseException as exc:  # handed to the calling thread
                    self.error = exc

    def load(self, checked: CheckedChunk) -> None:
        """COPY one chunk into staging, match it, report problems and (unless failing) upsert it."""
        self.chunk += 1
        with self.raw.cursor() as cur:
            for step, sql, lines in (("copy persons to staging", queries.COPY_PERSON, checked.person_lines),
                                     ("copy households to staging", queries.COPY_HOUSEHOLD,
                                      checked.household_lines),
                                     ("copy vehicles to staging", queries.COPY_VEHICLE, checked.vehicle_lines),
                                     ("copy addresses to staging", queries.COPY_ADDRESS, checked.address_lines)):
                if lines:
                    clock = time.perf_counter()
                    with cur.copy(sql) as copy:
                        copy.write("\n".join(lines) + "\n")
                    self.report.timed(step, time.perf_counter() - clock)
            params = {"chunk": self.chunk}
            households = 0
            if checked.household_lines:
                households = self._sql(cur, "match households", queries.MATCH_HOUSEHOLDS, params).fetchone()[0]
            skipped = self._report_problems(cur)
            if checked.address_lines:
                self._report_invalid_row_addresses(cur)
            persons, vehicles = len(checked.person_lines) - len(skipped), len(checked.vehicle_lines)
            if skipped:
                vehicles -= self._sql(cur, "match households", queries.SKIP_ROWS, {"rows": skipped}).rowcount
            if persons and (not self.has_errors or self.valid_only):
                self._upsert(cur, params, staged={"households": households, "persons": persons,
                                                  "vehicles": vehicles})
            self._sql(cur, "truncate staging", queries.TRUNCATE_CHUNK)

    def _sql(self, cur, step: str, sql: str, params: dict | None = None):
        """Execute one statement, adding its time to the report's timings."""
        clock = time.perf_counter()
        cur.execute(sql, params)
        self.report.timed(step, time.perf_counter() - clock)
        return cur

    def _report_problems(self, cur) -> list[int]:
        """Report the rows that cannot be written (unknown address, room or plate taken); their numbers."""
        problems = self._sql(cur, "match households", queries.PROBLEM_ROWS).fetchall()
        plates = self._sql(cur, "match vehicles", queries.PLATE_TAKEN_ROWS).fetchall()
        if not problems and not plates:
            return []
        self.has_errors = True
        rows = set()
        errors = []
        for row_no, problem, code, address, matches, hukou, by_room_hukou in problems:
            rows.add(row_no)
            if problem == "room_taken":
                key, value = "hukou_no", hukou
            else:
                key, value = ("std_address_code", code) if code else ("address", address)
            header = self.columns.get(key, (0, FIELD_BY_KEY[key].header))[1]
            reason = _PROBLEMS[problem].format(matches=matches, by_room_hukou=by_room_hukou)
            errors.append(cell_error(row_no, header, value or "", reason, problem,
                                     {"matches": matches, "hukou": by_room_hukou}))
        header = self.columns.get("plate", (0, FIELD_BY_KEY["plate"].header))[1]
        for row_no, plate, owner in plates:
            rows.add(row_no)
            errors.append(cell_error(row_no, header, plate, _PROBLEMS["plate_taken"].format(owner=owner),
                                     "plate_taken", {"owner": owner}))
        errors.sort(key=lambda e: e.row)
        self.report.errors.extend(errors)
        self.report.invalid_rows += len(rows)
        return sorted(rows)

    def _report_invalid_row_addresses(self, cur) -> None:
        """Unknown or ambiguous addresses of rows already invalid (counted once, by the validator)."""
        for row_no, problem, code, address, matches in self._sql(cur, "match households",
                                                                 queries.INVALID_ROW_ADDRESSES).fetchall():
            key, value = ("std_address_code", code) if code else ("address", address)
            header = self.columns.get(key, (0, FIELD_BY_KEY[key].header))[1]
            self.report.errors.append(cell_error(row_no, header, value or "",
                                                 _PROBLEMS[problem].format(matches=matches, by_room_hukou=""),
                                                 problem, {"matches": matches}))

    def _upsert(self, cur, params: dict, *, staged: dict[str, int]) -> None:
        """Update what differs, insert what is new; counts inserted / updated / unchanged per table."""
        changed = {"households": self._update_then_insert(cur, "households", queries.UPDATE_HOUSEHOLDS,
                                                          queries.INSERT_HOUSEHOLDS, params)}
        joins = cur.execute(queries.PROBES_ONLY).fetchone()
        changed["persons"] = self._sql(cur, "upsert persons", queries.UPSERT_PERSONS, params).fetchone()
        cur.execute(queries.SET_JOINS, {"hash": joins[0], "merge": joins[1]})
        if "landlord_id_number" in self.columns:
            self._sql(cur, "link landlords", queries.LINK_LANDLORDS, params)
        if staged["vehicles"]:
            changed["vehicles"] = self._update_then_insert(cur, "vehicles", queries.UPDATE_VEHICLES,
                                                           queries.INSERT_VEHICLES, params)
        for table, (updated, inserted) in changed.items():
            self.report.count(table, "inserted", inserted)
            self.report.count(table, "updated", updated)
            self.report.count(table, "unchanged", staged[table] - inserted - updated)

    def _update_then_insert(self, cur, table: str, update: str, insert: str, params: dict) -> tuple[int, int]:
        updated = self._sql(cur, f"update {table}", update, params).rowcount
        return updated, self._sql(cur, f"insert {table}", insert, params).rowcount


def _summary(report: ImportReport) -> str:
    persons = report.counts.get("persons", {})
    changes = f"{persons.get('inserted', 0)} residents new, {persons.get('updated', 0)} updated, " \
              f"{persons.get('unchanged', 0)} unchanged"
    if report.rows == 0:
        return "文件没有数据行 the file has no data rows"
    if report.invalid_rows and not report.mode == "valid_only":
        return (f"未导入 nothing imported: {report.invalid_rows} of {report.rows} rows have problems; "
                "fix them or choose to import the valid rows only")
    if report.dry_run:
        return f"试运行 dry run, nothing written: would give {changes}"
    if not report.written:
        return "没有有效行 no valid rows to import"
    skipped = f"; {report.invalid_rows} invalid rows skipped" if report.invalid_rows else ""
    return f"已导入 imported {report.rows - report.invalid_rows} rows: {changes}{skipped}"


__all__ = ["import_people", "map_columns", "RowError"]
