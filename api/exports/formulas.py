"""Spreadsheet formula injection: text cells that Excel/WPS would run as a formula are made inert.

OWASP's rule: a text cell starting with = + - @ tab or carriage return gets a leading single quote, so
`=cmd|' /C calc'!A0` stored in a name opens as text, not as a formula. Values typed as numbers (a floor
of -1, a longitude) are left as they are: only text can carry a formula.
"""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: object) -> object:
    """The value for a CSV/XLSX cell: text that would start a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def inert_row(values) -> list:
    """Every cell of a row made inert."""
    return [inert_cell(v) for v in values]
