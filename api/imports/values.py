"""Parsing single cell values of the people template: dates, phones, plates, small integers, texts.

Each parser returns the clean value or raises CellProblem (a ValueError) with a reason in Chinese and English
for the command line, and `problem` + `params` that the web app words in Chinese (admin.row_problems).
"""
import re
import unicodedata
from datetime import date

_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]0?0:00(?::00)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
_PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"^[{_PROVINCE_CHARS}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{5,6}}|[A-HJ-NP-Z0-9]{{4}}[挂学警港澳])$"
)
_LEADING_INT = re.compile(r"^(-?\d+)(?:单元|层|楼|F|f)?$")
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\]")
NATIONALITY_NAMES = {"中国": "CHN", "中华人民共和国": "CHN"}


class CellProblem(ValueError):
    """A cell value refused: the reason (str), its stable name (`problem`) and the values of its sentence."""

    def __init__(self, reason: str, problem: str, params: dict | None = None):
        super().__init__(reason)
        self.problem = problem
        self.params = params or {}


def fold(value: str) -> str:
    """NFKC-fold (full-width digits and letters to ASCII) only when the text is not plain ASCII."""
    return value if value.isascii() else unicodedata.normalize("NFKC", value).strip()


def parse_date(value: str) -> date:
    """YYYY-MM-DD, YYYY/M/D, YYYY.MM.DD, YYYYMMDD or YYYY年M月D日."""
    text = fold(value)
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    if match is None:
        raise CellProblem("日期格式错误 not a date: write it as YYYY-MM-DD", "date_format")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellProblem("日期不存在 no such date", "date_missing") from None


def parse_phone(value: str) -> str:
    """A mobile number as 11 digits (+86 dropped) or a landline 区号-号码 as written."""
    if len(value) == 11 and value.isdigit() and value[0] == "1" and value[1] in "3456789":
        return value  # the common case, without regular expressions
    text = fold(value).replace(" ", "")
    mobile = _MOBILE.match(text.replace("-", ""))
    if mobile:
        return mobile[1]
    if _LANDLINE.match(text):
        return text
    raise CellProblem("电话号码格式错误 not a mobile number (11 digits starting with 1) "
                      "or a landline (区号-号码)", "phone_format")


def parse_plate(value: str) -> str:
    """A Chinese plate like 鲁M12345 or 鲁MD12345 (dots, dashes and spaces dropped)."""
    text = fold(value).upper().replace(" ", "").replace("·", "").replace("-", "").replace("•", "")
    if not _PLATE.match(text):
        raise CellProblem("车牌号格式错误 not a plate number like 鲁M12345 or 鲁MD12345", "plate_format")
    return text


def parse_small_int(value: str, low: int, high: int) -> int:
    """An integer in [low, high]; a trailing 单元/层/楼 is allowed ("3单元")."""
    if value.isdigit() and value.isascii() and low <= int(value) <= high:
        return int(value)
    match = _LEADING_INT.match(fold(value).replace(" ", ""))
    if match is None:
        raise CellProblem("应为整数 not a whole number", "not_integer")
    number = int(match[1])
    if not low <= number <= high:
        raise CellProblem(f"超出范围 out of range {low}..{high}", "out_of_range", {"low": low, "high": high})
    return number


def parse_text(value: str, max_length: int) -> str:
    """Free text without control characters or backslashes, at most max_length characters."""
    if _FORBIDDEN.search(value):
        raise CellProblem("含有控制字符 contains control characters (line breaks, tabs) or a backslash",
                          "control_characters")
    if len(value) > max_length:
        raise CellProblem(f"太长 longer than {max_length} characters", "too_long", {"max": max_length})
    return value


def parse_nationality(value: str) -> str:
    """ISO 3166 alpha-3 code (CHN, USA, …); 中国 is accepted for CHN."""
    text = fold(value).upper()
    if text in NATIONALITY_NAMES:
        return NATIONALITY_NAMES[text]
    if len(text) == 3 and text.isascii() and text.isalpha():
        return text
    raise CellProblem("国籍应为三位字母代码 nationality must be a 3-letter ISO code such as CHN", "nationality")


def split_list(value: str, separators: str) -> list[str]:
    """Split a cell holding several items (tags, plates) on any of the separators."""
    for sep in separators[1:]:
        value = value.replace(sep, separators[0])
    return [part for part in value.split(separators[0]) if part]
