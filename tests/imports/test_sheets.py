"""Reading spreadsheets: the XLSX reader (calamine) gives the same cell texts as openpyxl did."""
import datetime
import io

from openpyxl import Workbook

from api.imports import sheets


def workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["某村实有人口台账"])
    sheet.append(["姓名", "公民身份号码", "出生日期", "单元", "x"])
    sheet.append(["张三", 371602199001011234, datetime.date(1990, 1, 1), 3, 2.5])
    sheet.append(["李四", "37160219900101123X", datetime.datetime(1990, 1, 1, 8, 30), "3单元", None])
    sheet.append([None, None, None, None, True])
    sheet["G7"] = "far"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_calamine_reads_what_openpyxl_reads():
    data = workbook()
    fast = list(sheets._xlsx_rows(data))
    assert fast == list(sheets._openpyxl_rows(data))  # (the sheet starts at A1: same columns)
    assert [n for n, _ in fast] == list(range(1, 8))  # the spreadsheet's own row numbers, blank rows kept
    assert fast[2][1][:4] == ["张三", "3.716021990010113e+17", "1990-01-01", "3"]  # a number loses digits
    assert fast[3][1][2] == "1990-01-01 08:30:00" and fast[6][1][6] == "far"


def test_header_below_a_title_row_in_xlsx():
    sheet = sheets.read_sheet(workbook(), "people.xlsx")
    assert sheet.header_row == 2 and sheet.headers[:2] == ["姓名", "公民身份号码"]
    assert next(sheet.rows)[0] == 3


def test_leading_empty_rows_and_columns_keep_row_numbers():
    book = Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"], sheet["B4"], sheet["C4"] = "姓名", "公民身份号码", "张三", "x"
    out = io.BytesIO()
    book.save(out)
    read = sheets.read_sheet(out.getvalue(), "people.xlsx")
    assert read.header_row == 3 and [h for h in read.headers if h] == ["姓名", "公民身份号码"]
    row_no, cells = next(read.rows)
    assert row_no == 4 and [c for c in cells if c] == ["张三", "x"]


def test_a_very_large_sheet_is_streamed_with_openpyxl(monkeypatch):
    data = workbook()
    monkeypatch.setattr(sheets, "XLSX_IN_MEMORY_XML_BYTES", 100)
    used = []
    monkeypatch.setattr(sheets, "_openpyxl_rows", lambda d, real=sheets._openpyxl_rows: used.append(1) or real(d))
    rows = list(sheets._xlsx_rows(data))
    assert used and rows[2][1][:2] == ["张三", "3.716021990010113e+17"]
