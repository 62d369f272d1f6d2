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
    assert fast == list(sheets._openpyxl_rows(data))
    assert [n for n, _ in fast] == list(range(1, 8))  # the spreadsheet's own row numbers, blank rows kept
    assert fast[2][1][:4] == ["张三", "3.716021990010113e+17", "1990-01-01", "3"]  # a number loses digits
    assert fast[3][1][2] == "1990-01-01 08:30:00" and fast[6][1][6] == "far"


def test_header_below_a_title_row_in_xlsx():
    sheet = sheets.read_sheet(workbook(), "people.xlsx")
    assert sheet.header_row == 2 and sheet.headers[:2] == ["姓名", "公民身份号码"]
    assert next(sheet.rows)[0] == 3
