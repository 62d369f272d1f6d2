"""GB 32100 统一社会信用代码: check character, alphabet, normalisation — with real published codes."""
import pytest

from geo import creditcode

# codes printed on real business licences (published by the companies)
REAL = [
    "91350100M000100Y43",  # the standard's worked example
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code):
    assert creditcode.is_valid(code)
    parsed = creditcode.parse(code)
    assert parsed.code == code and parsed.division == code[2:8] and parsed.organisation_code == code[8:17]


@pytest.mark.parametrize("code", REAL)
def test_every_single_character_change_is_caught(code):
    for i in range(18):
        for c in creditcode.ALPHABET:
            if c != code[i] and (i < 2 or i > 7 or c.isdigit()):
                wrong = code[:i] + c + code[i + 1:]
                assert not creditcode.is_valid(wrong), wrong


def test_adjacent_transpositions_are_mostly_caught():
    code = REAL[1]
    swaps = [code[:i] + code[i + 1] + code[i] + code[i + 2:] for i in range(17) if code[i] != code[i + 1]]
    assert sum(creditcode.is_valid(s) for s in swaps) == 0


@pytest.mark.parametrize("bad, reason", [
    ("91330100799655058", "长度"),
    ("91330100799655058BB", "长度"),
    ("91330100799655O58B", "含非法字符"),  # letter O for zero
    ("9133010079965I058B", "含非法字符"),
    ("91A30100799655058B", "行政区划"),
    ("91330100799655058C", "校验位"),
    ("", "长度"),
])
def test_invalid_codes_say_why(bad, reason):
    with pytest.raises(creditcode.CreditCodeError) as exc:
        creditcode.parse(bad)
    assert str(exc.value).startswith(reason)


def test_input_is_normalised():
    assert creditcode.parse(" 9133 0100-7996 5505 8b ").code == "91330100799655058B"
    assert creditcode.parse("９１３３０１００７９９６５５０５８Ｂ").code == "91330100799655058B"


def test_make_builds_valid_codes():
    assert creditcode.make("91350100M000100Y4") == "91350100M000100Y43"
    assert creditcode.is_valid(creditcode.make("92371602MA3C00001"))
