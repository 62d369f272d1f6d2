"""Vectorised GB 11643 checks for a whole column of ID numbers at once (numpy).

The fast path accepts exactly what ``geo.idnumber.parse`` accepts; the rows it rejects are re-checked
one by one with ``geo.idnumber.parse`` to get the precise reason. That keeps validation of 100,000s
of rows well under a microsecond per row while the reasons stay those of the one reference module.
"""

import numpy as np

from api.clock import china_today

_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
_CHECK_CODES = np.array([ord(c) for c in "10X98765432"], dtype=np.uint32)
_PROVINCES = np.array(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83], dtype=np.int64,
)
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_ZERO = "0" * 18


def check_column(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(ok, is_male) for normalised 18-character values; ok is False for anything parse() rejects."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=n)
    ok = lengths == 18
    padded = values if ok.all() else [v if len(v) == 18 else _ZERO for v in values]
    codes = np.array(padded, dtype="<U18").view(np.uint32).reshape(n, 18)
    digits = codes.astype(np.int64) - 48
    ok &= ((digits[:, :17] >= 0) & (digits[:, :17] <= 9)).all(axis=1)
    last = codes[:, 17]
    ok &= ((last >= 48) & (last <= 57)) | (last == 88)
    safe = np.where(ok[:, None], digits[:, :17], 0)
    ok &= _CHECK_CODES[(safe * _WEIGHTS).sum(axis=1) % 11] == last
    ok &= np.isin(safe[:, 0] * 10 + safe[:, 1], _PROVINCES)
    year = safe[:, 6] * 1000 + safe[:, 7] * 100 + safe[:, 8] * 10 + safe[:, 9]
    month = safe[:, 10] * 10 + safe[:, 11]
    day = safe[:, 12] * 10 + safe[:, 13]
    month_ok = (month >= 1) & (month <= 12)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days_in_month = _DAYS[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    ok &= month_ok & (day >= 1) & (day <= days_in_month)
    today = china_today()
    ymd = year * 10000 + month * 100 + day
    ok &= (ymd >= 18500101) & (ymd <= today.year * 10000 + today.month * 100 + today.day)
    return ok, (safe[:, 16] % 2) == 1
