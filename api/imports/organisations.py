"""Importing 实有单位 (organisations) from a spreadsheet, in the caller's transaction.

Validate then write, like the people import (api/imports/people.py): every row is checked in Python (all the
problems of a row in one pass), then staged once and matched in SQL (api/imports/org_queries.py): its building
by standard address code or address, the stored organisation by 统一社会信用代码 or by name in the building.
Everything happens inside a savepoint, released only when the outcome is kept (a valid sheet, or "valid rows
only"), so nothing is ever half-written; a dry run counts what would change and rolls back. Re-importing the
same sheet changes nothing (counted as unchanged). Organisations are far fewer than residents (a county: some
10,000), so the rows are staged in one statement rather than COPYed in chunks.
"""
import json
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from api.imports import org_queries as queries
from api.imports import values as cell
from api.imports.org_template import ORG_FIELD_BY_KEY, ORG_KINDS, ORG_STATUSES, YES_NO, org_header_lookup
from api.imports.people_rows import RowError, cell_error
from api.imports.report import ImportReport
from api.imports.sheet_import import SheetImport, run_sheet_import
from geo import creditcode

SAVEPOINT = "holomap_import_organisations"
_TEXTS = {"name": 100, "legal_rep": 50, "person_in_charge": 50, "room": 16, "notes": 1000}


def import_organisations(
    *,
    connection: Connection,
    source: bytes | Path,
    filename: str,
    mapping: dict[str, str] | None = None,
    valid_only: bool = False,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Validate and import an organisations spreadsheet; returns the report (the caller commits)."""
    return run_sheet_import(_IMPORT, connection=connection, source=source, filename=filename, mapping=mapping,
                            valid_only=valid_only, dry_run=dry_run, today=today)


def _apply(connection: Connection, report: ImportReport, columns, rows: list[dict], bad: set[int],
           valid_only: bool) -> bool:
    """Stage, match, report the rows' place problems and duplicates, and (when kept) write; kept or not."""
    def sql(step: str, statement: str, params: dict | None = None):
        clock = time.perf_counter()
        result = connection.execute(text(statement), params or {})
        report.timed(step, time.perf_counter() - clock)
        return result

    def header(key: str) -> str:
        return columns.get(key, (0, ORG_FIELD_BY_KEY[key].header))[1]

    sql("stage", queries.DROP_STAGING)
    sql("stage", queries.STAGE, {"rows": json.dumps(rows, ensure_ascii=False, default=str)})
    sql("match buildings", queries.LOCATE)
    errors: list[RowError] = []
    for p in sql("match buildings", queries.PLACE_PROBLEMS).all():
        key, value = ("std_address_code", p.std_address_code) if p.std_address_code else ("address", p.address)
        if p.matches == 0:
            errors.append(cell_error(p.row_no, header(key), value or "", "找不到该地址的房屋 no building has this "
                                     "address; check it or import the buildings first", "unknown_address"))
        elif p.matches > 1:
            errors.append(cell_error(p.row_no, header(key), value or "", f"地址不唯一 {p.matches} buildings have "
                                     "this address; use the standard address code", "ambiguous_address",
                                     {"matches": p.matches}))
        if p.matches == 1 and p.unit is not None and p.unit > p.units:
            errors.append(cell_error(p.row_no, header("unit"), str(p.unit), f"该房屋只有 {p.units} 个单元 the "
                                     f"building has units 1–{p.units}", "unit_outside_building", {"max": p.units}))
        if p.matches == 1 and p.floor is not None and p.floor > p.floors:
            errors.append(cell_error(p.row_no, header("floor"), str(p.floor), f"该房屋只有 {p.floors} 层 the "
                                     f"building has floors 1–{p.floors}", "floor_outside_building",
                                     {"max": p.floors}))
    bad.update(e.row for e in errors)
    if bad:
        sql("match organisations", queries.SKIP_ROWS, {"rows": sorted(bad)})
    sql("match organisations", queries.MATCH)
    for row_no, first in sql("match organisations", queries.SAME_ORGANISATION).all():
        bad.add(row_no)
        errors.append(cell_error(row_no, header("name"), next(r["name"] for r in rows if r["row_no"] == row_no),
                                 f"与第{first}行是同一单位 the same organisation as row {first}",
                                 "organisation_duplicate", {"row": first}))
    report.errors.extend(errors)
    report.invalid_rows = len(bad)
    keep = (valid_only or not bad) and report.rows > len(bad)
    if not keep:
        return False
    sql("match organisations", queries.SKIP_ROWS, {"rows": sorted(bad)})
    updated = sql("update organisations", queries.UPDATE).rowcount
    inserted = sql("insert organisations", queries.INSERT).rowcount
    report.count("organisations", "inserted", inserted)
    report.count("organisations", "updated", updated)
    report.count("organisations", "unchanged", report.rows - len(bad) - inserted - updated)
    return True


class _Validator:
    """Checks one row at a time; every problem of the row is reported, the row's staged values kept."""

    fields = ORG_FIELD_BY_KEY

    def __init__(self, columns: dict[str, tuple[int, str]], today: date):
        self.columns, self.today = columns, today
        self.errors: list[RowError] = []
        self.bad: set[int] = set()
        self.first_row_of_code: dict[str, int] = {}

    def row(self, row_no: int, cells: list[str]) -> dict:
        self.row_no, self.cells = row_no, cells
        out: dict = {"row_no": row_no}
        for key, limit in _TEXTS.items():
            out[key] = self._text(key, limit, required=key == "name")
        out["kind"] = self._choice("kind", ORG_KINDS, required=True)
        out["status"] = self._choice("status", ORG_STATUSES)
        out["small_venue"] = self._choice("small_venue", YES_NO)
        out["key_unit"] = self._choice("key_unit", YES_NO)
        out["credit_code"] = self._credit_code()
        out["phone"] = self._parsed("phone", cell.parse_phone)
        out["unit"] = self._parsed("unit", lambda v: cell.parse_small_int(v, 1, 100))
        out["floor"] = self._parsed("floor", _floor)
        out["opened_on"] = self._date("opened_on")
        out["fire_check_on"] = self._date("fire_check_on")
        code = self._text("std_address_code", 64)
        address = self._text("address", 200)
        if code is None and address is None:
            self._error("address", "", "必填 required: a standard address code or an address", "address_required")
        out["std_address_code"] = code
        out["address"] = None if code is not None or address is None else cell.fold(address)
        out["valid"] = row_no not in self.bad
        return out

    def _value(self, key: str) -> str:
        spec = self.columns.get(key)
        if spec is None or spec[0] >= len(self.cells):
            return ""
        return self.cells[spec[0]].strip()

    def _error(self, key: str, value: str, reason: str, problem: str, params: dict | None = None) -> None:
        self.bad.add(self.row_no)
        header = self.columns[key][1] if key in self.columns else self.fields[key].header
        self.errors.append(cell_error(self.row_no, header, value, reason, problem, params))

    def _parsed(self, key: str, parse):
        value = self._value(key)
        if not value:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            self._error(key, value, str(exc), getattr(exc, "problem", "other"), getattr(exc, "params", None))
            return None

    def _text(self, key: str, limit: int, required: bool = False) -> str | None:
        value = self._value(key)
        if not value:
            if required:
                self._error(key, value, "必填 required", "required")
            return None
        return self._parsed(key, lambda v: cell.parse_text(v, limit))

    def _choice(self, key: str, choices: dict, required: bool = False):
        value = self._value(key)
        if not value:
            if required:
                self._error(key, value, "必填 required", "required")
            return None
        if value in choices:
            return choices[value]
        allowed = "、".join(k for k in choices if not k.isascii())
        self._error(key, value, f"不是允许的值 not one of: {allowed}", "not_allowed", {"allowed": allowed})
        return None

    def _date(self, key: str) -> str | None:
        day = self._parsed(key, cell.parse_date)
        if day is not None and day > self.today:
            self._error(key, self._value(key), "日期在将来 the date is in the future", "date_in_future")
            return None
        return day.isoformat() if day else None

    def _credit_code(self) -> str | None:
        value = self._value("credit_code")
        if not value:
            return None
        try:
            code = creditcode.parse(value).code
        except creditcode.CreditCodeError as exc:
            self._error("credit_code", value, f"统一社会信用代码无效 invalid credit code: {exc}",
                        "credit_code_invalid", {"reason": str(exc).split(" ", 1)[0]})
            return None
        first = self.first_row_of_code.setdefault(code, self.row_no)
        if first != self.row_no:
            self._error("credit_code", value, f"统一社会信用代码重复 duplicate credit code, first on row {first}",
                        "credit_code_duplicate", {"first": first})
        return code


def _floor(value: str) -> int:
    floor = cell.parse_small_int(value, -5, 200)
    if floor == 0:
        raise cell.CellProblem("楼层不能为 0 there is no floor 0 (basements are -1…-5)", "floor_zero")
    return floor


def _summary(report: ImportReport) -> str:
    counts = report.counts.get("organisations", {})
    changes = (f"{counts.get('inserted', 0)} organisations new, {counts.get('updated', 0)} updated, "
               f"{counts.get('unchanged', 0)} unchanged")
    if report.rows == 0:
        return "文件没有数据行 the file has no data rows"
    if report.invalid_rows and report.mode != "valid_only":
        return (f"未导入 nothing imported: {report.invalid_rows} of {report.rows} rows have problems; "
                "fix them or choose to import the valid rows only")
    if report.dry_run and report.rows > report.invalid_rows:
        return f"试运行 dry run, nothing written: would give {changes}"
    if not report.written:
        return "没有有效行 no valid rows to import"
    skipped = f"; {report.invalid_rows} invalid rows skipped" if report.invalid_rows else ""
    return f"已导入 imported {report.rows - report.invalid_rows} rows: {changes}{skipped}"


_IMPORT = SheetImport(kind="organisations", savepoint=SAVEPOINT, lookup=org_header_lookup, by_key=ORG_FIELD_BY_KEY,
                      required=("name", "kind"), validator=_Validator, apply=_apply, lock=queries.LOCK,
                      drop_staging=queries.DROP_STAGING, summary=_summary)
