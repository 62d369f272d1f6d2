"""Chinese resident identity numbers (公民身份号码, GB 11643-1999): parse, validate, build, mask.

Layout of the 18 characters: 6-digit administrative region code, 8-digit birth date (YYYYMMDD),
3-digit sequence code whose last digit is odd for men and even for women, and one check character
(ISO 7064 MOD 11-2, ``0-9`` or ``X``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$", re.ASCII)
# Province-level prefixes of GB/T 2260 plus 71 Taiwan, 81 Hong Kong, 82 Macao, 83 Taiwan residence permit,
# and 91–99 for the 2023 foreigner's permanent residence ID card (9 + issuing province + nationality code).
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, *range(91, 100)}
)
_EARLIEST_BIRTH = date(1850, 1, 1)
_MAX_SEQ = 499


class IdNumberError(ValueError):
    """An identity number that is malformed, impossible or fails its checksum; `problem` names which."""

    def __init__(self, reason: str, problem: str = "invalid", params: dict | None = None):
        super().__init__(reason)
        self.problem = problem
        self.params = params or {}


@dataclass(frozen=True)
class IdInfo:
    """Facts encoded in a valid identity number."""

    id_number: str
    region_code: str
    birth_date: date
    gender: str  # 'M' or 'F'
    sequence: int  # the 3-digit sequence code, 0..999

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        return {
            "id_number": self.id_number,
            "region_code": self.region_code,
            "birth_date": self.birth_date.isoformat(),
            "gender": self.gender,
            "sequence": self.sequence,
        }


def checksum_char(first17: str) -> str:
    """Check character (``0-9`` or ``X``) for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise IdNumberError(f"前17位必须是数字 the first 17 characters must be digits, got {first17!r}",
                            "id_digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(id_number: str) -> str:
    """Fold full-width characters (NFKC), strip whitespace and upper-case a trailing ``x``."""
    return unicodedata.normalize("NFKC", id_number).strip().upper()


def parse(id_number: str) -> IdInfo:
    """Parse and fully validate an 18-character identity number; raises IdNumberError."""
    if not isinstance(id_number, str):
        raise IdNumberError("身份证号必须是字符串 the identity number must be a string", "id_invalid")
    value = normalize(id_number)
    if len(value) != 18:
        raise IdNumberError(f"身份证号长度错误 wrong length: expected 18 characters, got {len(value)}",
                            "id_length", {"length": len(value)})
    if not _ID_PATTERN.match(value):
        raise IdNumberError(
            "身份证号含非法字符 invalid characters: 17 digits followed by a digit or X are required", "id_characters"
        )
    region_code = value[:6]
    _check_region(region_code)
    birth = _birth_date(value[6:14])
    expected = checksum_char(value[:17])
    if value[17] != expected:
        raise IdNumberError(f"校验位错误 bad checksum: expected {expected}, got {value[17]}", "id_checksum")
    sequence = int(value[14:17])
    return IdInfo(
        id_number=value,
        region_code=region_code,
        birth_date=birth,
        gender="M" if sequence % 2 == 1 else "F",
        sequence=sequence,
    )


def is_valid(id_number: str) -> bool:
    """True when ``parse`` accepts the number."""
    try:
        parse(id_number)
    except IdNumberError:
        return False
    return True


def make(region_code: str, birth_date: date, seq: int, gender: str) -> str:
    """Build a valid number; ``seq`` 0..499 picks the sequence code ``2*seq`` (F) or ``2*seq+1`` (M)."""
    _check_region(region_code)
    if not _EARLIEST_BIRTH <= birth_date <= date.today():
        raise IdNumberError(f"出生日期不合理 implausible birth date {birth_date.isoformat()}")
    if not 0 <= seq <= _MAX_SEQ:
        raise IdNumberError(f"顺序号超出范围 seq must be 0..{_MAX_SEQ}, got {seq}")
    gender_code = gender.upper()
    if gender_code not in ("M", "F"):
        raise IdNumberError(f"性别必须是 M 或 F gender must be 'M' or 'F', got {gender!r}")
    sequence = 2 * seq + (1 if gender_code == "M" else 0)
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + checksum_char(first17)


def mask(id_number: str) -> str:
    """Keep the first 6 and last 4 characters, e.g. ``371602********1234``."""
    value = normalize(id_number)
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def age_on(birth_date: date, on_date: date) -> int:
    """Completed years of age on ``on_date`` (a 29 February birthday counts from 1 March)."""
    if on_date < birth_date:
        raise ValueError(f"date {on_date.isoformat()} is before birth {birth_date.isoformat()}")
    before_birthday = (on_date.month, on_date.day) < (birth_date.month, birth_date.day)
    return on_date.year - birth_date.year - int(before_birthday)


def _check_region(region_code: str) -> None:
    """Reject region codes that are not 6 digits with a known province prefix."""
    if len(region_code) != 6 or not region_code.isascii() or not region_code.isdigit():
        raise IdNumberError(f"地区码必须是6位数字 region code must be 6 digits, got {region_code!r}", "id_region")
    if int(region_code[:2]) not in _PROVINCES:
        raise IdNumberError(f"地区码省份无效 unknown province prefix {region_code[:2]} in region code",
                            "id_province", {"prefix": region_code[:2]})


def _birth_date(digits: str) -> date:
    """Birth date from YYYYMMDD; it must exist and lie between 1850 and today."""
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError(f"出生日期无效 invalid birth date {digits}", "id_birth_invalid") from None
    if not _EARLIEST_BIRTH <= birth <= date.today():
        raise IdNumberError(f"出生日期不合理 implausible birth date {birth.isoformat()}", "id_birth_implausible")
    return birth
