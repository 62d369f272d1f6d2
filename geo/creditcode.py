"""统一社会信用代码 (GB 32100-2015): the 18-character unified social credit code of an organisation.

Layout: 1 registration authority (登记管理部门), 2 organisation category (机构类别), 3–8 administrative
division (行政区划码), 9–17 the organisation code (组织机构代码, GB 11714), 18 the check character. The
alphabet is the digits and the capital letters without I, O, S, V and Z (31 characters). The check
character: 31 − (Σ value(cᵢ) · 3ⁱ⁻¹ mod 31, i = 1…17) mod 31, the weights 3ⁱ⁻¹ taken mod 31.
"""
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28


class CreditCodeError(ValueError):
    """The code is not a valid 统一社会信用代码 (bilingual message: Chinese lead, then English)."""


@dataclass(frozen=True)
class CreditCode:
    code: str
    authority: str
    category: str
    division: str
    organisation_code: str


def check_character(first17: str) -> str:
    """The check character (18th) of the first 17 characters."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    """Spaces and hyphens removed, full-width folded, letters upper-cased."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKC", code) if c not in " -\u3000").upper()


def parse(code: str) -> CreditCode:
    """The code, normalised, when valid; CreditCodeError (with the reason) otherwise."""
    value = normalize(code)
    if len(value) != 18:
        raise CreditCodeError(f"长度应为18位 must be 18 characters, got {len(value)}")
    bad = sorted({c for c in value if c not in _VALUE})
    if bad:
        raise CreditCodeError(f"含非法字符 invalid characters {''.join(bad)} (I, O, S, V, Z are never used)")
    if not value[2:8].isdigit():
        raise CreditCodeError("行政区划码应为6位数字 characters 3–8 must be the 6-digit division code")
    if check_character(value[:17]) != value[17]:
        raise CreditCodeError(f"校验位错误 bad check character: expected {check_character(value[:17])}")
    return CreditCode(code=value, authority=value[0], category=value[1], division=value[2:8],
                      organisation_code=value[8:17])


def is_valid(code: str) -> bool:
    try:
        parse(code)
    except CreditCodeError:
        return False
    return True


def make(first17: str) -> str:
    """A valid code from its first 17 characters (seed data, tests)."""
    return first17 + check_character(first17)
