"""Reading a spreadsheet (CSV in UTF-8 or GB18030, or XLSX) as a header row and numbered data rows."""
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from api.errors import InvalidInput
from api.imports.archives import XLSX_LIMITS, check_archive
from api.imports.template import header_lookup, normalize_header

SPREADSHEET_SUFFIXES = (".csv", ".xlsx")
_HEADER_SEARCH_ROWS = 10  # a title row ("XX村实有人口台账") may sit above the header
XLSX_IN_MEMORY_XML_BYTES = 256 * 1024 * 1024  # ≈ 250,000–400,000 template rows, ≲ 0.7 GB in calamine


@dataclass
class Sheet:
    """Header texts as written in the file, the header's row number, and the data rows after it."""

    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[str]]]  # (spreadsheet row number, cell texts)
    total_rows: int | None = None  # known for CSV (for a progress bar)


def read_sheet(source: bytes | Path, filename: str, known: dict[str, str] | None = None) -> Sheet:
    """Open a CSV or XLSX file; 422 with a clear message when it is not one or cannot be read. The header row
    is the first naming two columns of `known` (a template's header lookup; default the people template)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise InvalidInput(
            f"不支持的文件类型 unsupported file type {suffix or '(none)'!r}: "
            "upload a .csv or .xlsx spreadsheet", code="import.unsupported_sheet", params={"suffix": suffix}
        )
    data = source.read_bytes() if isinstance(source, Path) else source
    if not data.strip():
        raise InvalidInput("文件为空 the file is empty", code="import.file_empty")
    rows = _csv_rows(data) if suffix == ".csv" else _xlsx_rows(data)
    return _with_header(rows, total=_count_lines(data) if suffix == ".csv" else None,
                        known=known or header_lookup())


def _with_header(rows: Iterator[tuple[int, list[str]]], total: int | None, known: dict[str, str]) -> Sheet:
    """Find the header among the first rows: the first one naming at least two template columns."""
    seen = []
    for row_no, cells in rows:
        seen.append(cells)
        if sum(normalize_header(c) in known for c in cells) >= 2:
            return Sheet(headers=cells, header_row=row_no, rows=rows,
                         total_rows=None if total is None else max(total - row_no, 0))
        if len(seen) >= _HEADER_SEARCH_ROWS:
            break
    first = next((c for c in seen if any(x.strip() for x in c)), [])
    raise InvalidInput(
        "找不到表头 no header row found: the first rows name none of the template's columns "
        f"(first row: {', '.join(first[:8])!s}); use the template's headers (docs/import-template.md) "
        "or pass a header mapping", code="import.no_header_row", params={"first_row": first[:8]}
    )


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 as saved by Chinese Excel."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise InvalidInput("无法识别文件编码 the CSV is neither UTF-8 nor GB18030 text; "
                           "save it as UTF-8 CSV", code="import.encoding_unknown") from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    if "\x00" in text[:65536]:
        raise InvalidInput("文件不是文本 the .csv file contains binary data; is it really a CSV?",
                           code="import.csv_binary")
    sample = text[:8192]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            raise InvalidInput(f"CSV格式错误 malformed CSV near line {reader.line_num}: {exc}",
                               code="import.csv_malformed",
                               params={"line": reader.line_num}) from None

    return rows()


def _count_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Rows of the first sheet, read with calamine (Rust; ~13× openpyxl's read-only mode).

    calamine holds the whole sheet in memory (100,000 template rows: 109 MB of sheet XML, 184 MB of memory);
    a sheet whose XML is larger than XLSX_IN_MEMORY_XML_BYTES is streamed with openpyxl instead (slower).
    The zip is checked first (api.imports.archives): a bomb is refused before either reader sees it.
    """
    check_archive(data, XLSX_LIMITS)
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - python-calamine is a dependency; openpyxl stays a fallback
        return _openpyxl_rows(data)
    if _sheet_xml_bytes(data) > XLSX_IN_MEMORY_XML_BYTES:
        return _openpyxl_rows(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not book.sheet_names:
            raise InvalidInput("XLSX没有工作表 the workbook has no sheet", code="import.xlsx_no_sheet")
        sheet = book.get_sheet_by_index(0)
    except InvalidInput:
        raise
    except Exception as exc:  # CalamineError, zip and XML errors of a damaged or foreign file
        raise InvalidInput(f"无法读取XLSX the .xlsx file cannot be read ({type(exc).__name__}); "
                           "save it again from Excel/WPS as .xlsx", code="import.xlsx_unreadable") from None
    # iter_rows starts at the sheet's first row (leading empty rows included, so row numbers are the
    # spreadsheet's) and leaves out leading empty columns, which changes no header's column
    return ((row_no, [cell_text(v) for v in row]) for row_no, row in enumerate(sheet.iter_rows(), start=1))


def _sheet_xml_bytes(data: bytes) -> int:
    """Uncompressed size of the largest worksheet in the XLSX (0 when it is not a readable zip)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return max((i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/")),
                       default=0)
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0


def _openpyxl_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(f"无法读取XLSX the .xlsx file cannot be read ({type(exc).__name__}); "
                           "save it again from Excel/WPS as .xlsx", code="import.xlsx_unreadable") from None
    except Exception as exc:  # openpyxl raises its own InvalidFileException and friends
        raise InvalidInput(f"无法读取XLSX the .xlsx file cannot be read: {exc}",
                           code="import.xlsx_unreadable") from None
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise InvalidInput("XLSX没有工作表 the workbook has no sheet", code="import.xlsx_no_sheet")

    def rows() -> Iterator[tuple[int, list[str]]]:
        for row_no, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield row_no, [cell_text(v) for v in values]
        book.close()

    return rows()


def cell_text(value: object) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole numbers without '.0', empty cells as ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # an 18-digit ID stored as a number shows up as 3.7e+17: reported as such
    return str(value)
