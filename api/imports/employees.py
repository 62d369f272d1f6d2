"""Importing 从业人员 (the employees of organisations) from a spreadsheet, in the caller's transaction.

The organisations import's way (api/imports/organisations.py): every row checked in Python (all its problems in
one pass), staged once, matched in SQL (api/imports/employee_queries.py) — the organisation by 统一社会信用代码,
else by its name in the building of the standard address code or address; the registered resident by ID
number — inside a savepoint released only when the outcome is kept, so nothing is half-written. An employee is
one (organisation, ID number): re-importing the same sheet changes nothing; an empty cell never erases.
"""
import json
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from api.imports import employee_queries as queries
from api.imports import org_queries
from api.imports import values as cell
from api.imports.org_template import EMPLOYEE_FIELD_BY_KEY, employee_header_lookup
from api.imports.organisations import _Validator
from api.imports.people_rows import RowError, cell_error
from api.imports.report import ImportReport
from api.imports.sheet_import import SheetImport, run_sheet_import
from geo import idnumber

SAVEPOINT = "holomap_import_employees"
TABLE = "employees"  # the report's counts


def import_employees(
    *,
    connection: Connection,
    source: bytes | Path,
    filename: str,
    mapping: dict[str, str] | None = None,
    valid_only: bool = False,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Validate and import an employees spreadsheet; returns the report (the caller commits). One
    organisations or employees import at a time (the employees of an organisation being imported)."""
    return run_sheet_import(_IMPORT, connection=connection, source=source, filename=filename, mapping=mapping,
                            valid_only=valid_only, dry_run=dry_run, today=today)


def _apply(connection: Connection, report: ImportReport, columns, rows: list[dict], bad: set[int],
           valid_only: bool) -> bool:
    """Stage, match organisations and residents, report unmatched organisations and repeated employees,
    and (when kept) write; kept or not."""
    def sql(step: str, statement: str, params: dict | None = None):
        clock = time.perf_counter()
        result = connection.execute(text(statement), params or {})
        report.timed(step, time.perf_counter() - clock)
        return result

    def header(key: str) -> str:
        return columns.get(key, (0, EMPLOYEE_FIELD_BY_KEY[key].header))[1]

    sql("stage", queries.DROP_STAGING)
    sql("stage", queries.STAGE, {"rows": json.dumps(rows, ensure_ascii=False, default=str)})
    sql("match organisations", queries.LOCATE)
    errors: list[RowError] = []
    for p in sql("match organisations", queries.ORGANISATION_PROBLEMS).all():
        key, value = ("credit_code", p.credit_code) if p.credit_code else ("organisation", p.organisation)
        if p.matches == 0:
            errors.append(cell_error(p.row_no, header(key), value, "找不到该单位 no organisation is registered "
                                     "so; check it or import the organisations first", "unknown_organisation"))
        else:
            errors.append(cell_error(p.row_no, header(key), value, f"单位不唯一 {p.matches} organisations match; "
                                     "use the credit code", "ambiguous_organisation", {"matches": p.matches}))
    bad.update(e.row for e in errors)
    if bad:
        sql("match organisations", queries.SKIP_ROWS, {"rows": sorted(bad)})
    for row_no, first in sql("match organisations", queries.SAME_EMPLOYEE).all():
        bad.add(row_no)
        value = next(r["id_number"] for r in rows if r["row_no"] == row_no)
        errors.append(cell_error(row_no, header("id_number"), value, f"与第{first}行是同一单位的同一人 the same "
                                 f"employee of the same organisation as row {first}", "employee_duplicate",
                                 {"row": first}))
    report.errors.extend(errors)
    report.invalid_rows = len(bad)
    keep = (valid_only or not bad) and report.rows > len(bad)
    if not keep:
        return False
    sql("match organisations", queries.SKIP_ROWS, {"rows": sorted(bad)})
    sql("match persons", queries.LINK_PERSONS)
    updated = sql("update employees", queries.UPDATE).rowcount
    inserted = sql("insert employees", queries.INSERT).rowcount
    report.count(TABLE, "inserted", inserted)
    report.count(TABLE, "updated", updated)
    report.count(TABLE, "unchanged", report.rows - len(bad) - inserted - updated)
    return True


class _EmployeeValidator(_Validator):
    """One employee row: the organisation named (credit code, or name + address), the person, the dates."""

    fields = EMPLOYEE_FIELD_BY_KEY

    def row(self, row_no: int, cells: list[str]) -> dict:
        self.row_no, self.cells = row_no, cells
        out: dict = {"row_no": row_no, "name": self._text("name", 50, required=True),
                     "role": self._text("role", 50), "phone": self._parsed("phone", cell.parse_phone),
                     "id_number": self._id_number(), "since": self._date("since"), "left_on": self._date("left_on")}
        if out["since"] and out["left_on"] and out["left_on"] < out["since"]:
            self._error("left_on", self._value("left_on"), "离职日期早于入职日期 left before starting",
                        "left_before_since")
        out["credit_code"] = self._credit_code()
        self.first_row_of_code.clear()  # one organisation's code on many rows is the point of this sheet
        out["organisation"] = self._text("organisation", 100)
        out["std_address_code"] = self._text("std_address_code", 64)
        address = self._text("address", 200)
        out["address"] = None if out["std_address_code"] is not None or address is None else cell.fold(address)
        if out["credit_code"] is None and not self._value("credit_code"):
            if out["organisation"] is None:
                self._error("organisation", "", "必填 required: the organisation's credit code or its name",
                            "organisation_required")
            elif out["std_address_code"] is None and out["address"] is None:
                self._error("address", "", "必填 required: with the organisation's name, its standard address "
                            "code or address", "address_required")
        out["valid"] = row_no not in self.bad
        return out

    def _id_number(self) -> str | None:
        value = self._value("id_number")
        if not value:
            self._error("id_number", value, "必填 required", "required")
            return None
        if "E+" in value or "." in value:
            self._error("id_number", value, "身份证号被存成了数字 the ID number was stored as a number and lost "
                        "digits; format the column as text and type it again", "id_as_number")
            return None
        try:
            return idnumber.parse(cell.fold(value).upper()).id_number
        except idnumber.IdNumberError as exc:
            self._error("id_number", value, str(exc), exc.problem, exc.params)
            return None


def _summary(report: ImportReport) -> str:
    counts = report.counts.get(TABLE, {})
    changes = (f"{counts.get('inserted', 0)} employees new, {counts.get('updated', 0)} updated, "
               f"{counts.get('unchanged', 0)} unchanged")
    if report.rows == 0:
        return "文件没有数据行 no data rows"
    if report.invalid_rows and report.mode != "valid_only":
        return (f"未导入 nothing imported: {report.invalid_rows} of {report.rows} rows have problems; "
                "fix them or choose to import the valid rows only")
    if report.dry_run and report.rows > report.invalid_rows:
        return f"试运行 dry run, nothing written: would give {changes}"
    if not report.written:
        return "没有有效行 no valid rows to import"
    skipped = f"; {report.invalid_rows} invalid rows skipped" if report.invalid_rows else ""
    return f"已导入 imported {report.rows - report.invalid_rows} rows: {changes}{skipped}"


_IMPORT = SheetImport(kind="employees", savepoint=SAVEPOINT, lookup=employee_header_lookup,
                      by_key=EMPLOYEE_FIELD_BY_KEY, required=("name", "id_number"), validator=_EmployeeValidator,
                      apply=_apply, lock=org_queries.LOCK, drop_staging=queries.DROP_STAGING, summary=_summary)
