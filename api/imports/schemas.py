"""The import report as sent (api/imports/report.py ImportReport.to_dict)."""
from typing import Any

from pydantic import BaseModel, Field


class RowProblem(BaseModel):
    row: int  # spreadsheet row number
    column: str  # header as written in the file
    value: str  # ID numbers masked
    reason: str  # Chinese and English, as the command line prints it
    problem: str = Field(description="the problem's stable name; the web app words it in Chinese by it "
                         "(admin.row_problems), e.g. date_format, id_checksum, unknown_address, geometry")
    params: dict[str, Any] = Field(description="the values of the problem's sentence")


class ImportReportOut(BaseModel):
    """Outcome of one import; `written` is false when nothing changed (invalid, or a dry run)."""

    kind: str
    filename: str
    mode: str  # all_or_nothing | valid_only
    dry_run: bool
    written: bool
    message: str
    rows: int
    valid_rows: int
    invalid_rows: int
    counts: dict[str, dict[str, int]]  # table → inserted / updated / unchanged
    columns: dict[str, str]  # file header → template field
    ignored_columns: list[str]
    error_count: int
    errors_by_reason: dict[str, int] = Field(description="how many problems of each kind, by the problem's "
                                             "stable name (RowProblem.problem), most frequent first")
    errors: list[RowProblem]
    errors_truncated: bool
    seconds: float
    timings: dict[str, float]
