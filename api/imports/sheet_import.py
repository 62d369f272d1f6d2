"""The run shared by the organisations and employees imports: read the sheet, map its columns, check every row
in Python, then stage, match and (when kept) write in SQL inside a savepoint released only when the outcome is
kept, so nothing is ever half-written. Each import gives its own parts (`SheetImport`)."""
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, IntegrityError

from api.clock import china_today
from api.errors import Conflict, InvalidInput
from api.imports.people import map_columns
from api.imports.report import ImportReport
from api.imports.sheets import read_sheet


@dataclass(frozen=True)
class SheetImport:
    kind: str  # the report's kind
    savepoint: str
    lookup: Callable[[], dict]  # header → field
    by_key: dict
    required: tuple[str, ...]
    validator: Callable  # (columns, today) → an object with .row(row_no, cells), .errors, .bad
    # (connection, report, columns, rows, bad, valid_only) → kept or not
    apply: Callable[[Connection, ImportReport, dict, list[dict], set[int], bool], bool]
    lock: str  # SQL: one organisations or employees import at a time
    drop_staging: str  # SQL
    summary: Callable[[ImportReport], str]


def run_sheet_import(spec: SheetImport, *, connection: Connection, source: bytes | Path, filename: str,
                     mapping: dict[str, str] | None, valid_only: bool, dry_run: bool,
                     today: date | None) -> ImportReport:
    """Validate and import one spreadsheet with `spec`'s parts; returns the report (the caller commits)."""
    started = time.perf_counter()
    lookup = spec.lookup()
    sheet = read_sheet(source, filename, known=lookup)
    columns, ignored = map_columns(sheet.headers, mapping, lookup=lookup, by_key=spec.by_key,
                                   required=spec.required)
    report = ImportReport(kind=spec.kind, filename=Path(filename).name, dry_run=dry_run,
                          mode="valid_only" if valid_only else "all_or_nothing", ignored_columns=ignored,
                          columns={header: key for key, (_, header) in columns.items()})
    report.timed("read file", time.perf_counter() - started)
    clock = time.perf_counter()
    validator = spec.validator(columns, today or china_today())
    rows = [validator.row(row_no, cells) for row_no, cells in sheet.rows if "".join(cells).strip()]
    report.timed("validate", time.perf_counter() - clock)
    report.rows = len(rows)
    report.errors.extend(validator.errors)
    bad = set(validator.bad)
    connection.execute(text(spec.lock))
    connection.execute(text(f"SAVEPOINT {spec.savepoint}"))
    try:
        keep = spec.apply(connection, report, columns, rows, bad, valid_only)
    except (IntegrityError, DataError) as exc:
        connection.execute(text(f"ROLLBACK TO SAVEPOINT {spec.savepoint}"))
        message = getattr(exc.orig, "diag", None) and exc.orig.diag.message_primary
        if isinstance(exc, IntegrityError):
            raise Conflict("导入与数据库中的数据冲突 the sheet conflicts with stored data "
                           f"(another import may be running): {message}", code="import.conflict") from None
        raise InvalidInput(f"数据格式错误 a value is malformed: {message}", code="import.value_malformed") from None
    report.valid_rows = report.rows - report.invalid_rows
    report.written = keep and not dry_run
    connection.execute(text(spec.drop_staging))
    if not report.written:
        connection.execute(text(f"ROLLBACK TO SAVEPOINT {spec.savepoint}"))
    connection.execute(text(f"RELEASE SAVEPOINT {spec.savepoint}"))
    report.message = spec.summary(report)
    report.seconds = time.perf_counter() - started
    return report
