"""Tests for geo.idnumber and geo.masking."""

from datetime import date, timedelta

import pytest

from geo import idnumber
from geo.idnumber import IdNumberError
from geo.masking import mask_name, mask_phone, mask_plate

# Worked examples printed in GB 11643-1999 itself.
STANDARD_FEMALE = "11010519491231002X"
STANDARD_MALE = "440524188001010014"


def test_checksum_char_matches_standard_examples():
    assert idnumber.checksum_char(STANDARD_FEMALE[:17]) == "X"
    assert idnumber.checksum_char(STANDARD_MALE[:17]) == "4"


def test_checksum_char_rejects_non_digits():
    with pytest.raises(IdNumberError):
        idnumber.checksum_char("1101051949123100X")
    with pytest.raises(IdNumberError):
        idnumber.checksum_char("123")


def test_parse_standard_example():
    info = idnumber.parse(STANDARD_FEMALE)
    assert info.region_code == "110105"
    assert info.birth_date == date(1949, 12, 31)
    assert info.sequence == 2
    assert info.gender == "F"
    assert info.to_dict()["birth_date"] == "1949-12-31"


def test_parse_male_and_lowercase_x():
    assert idnumber.parse(STANDARD_MALE).gender == "M"
    info = idnumber.parse(" 11010519491231002x ")
    assert info.id_number == STANDARD_FEMALE
    assert idnumber.parse("１１０１０５１９４９１２３１００２ｘ").id_number == STANDARD_FEMALE


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1101051949123100", "wrong length"),
        ("11010519491231002X1", "wrong length"),
        ("1101051949123100AX", "invalid characters"),
        ("11010519491231002\u0663", "invalid characters"),  # Arabic-Indic digit
        ("110105194902300021", "invalid birth date"),
        ("900105194912310021", "province"),
        ("110105184912310021", "implausible birth date"),
    ],
)
def test_parse_rejects_malformed(value, fragment):
    with pytest.raises(IdNumberError, match=fragment):
        idnumber.parse(value)


def test_parse_reports_expected_checksum():
    with pytest.raises(IdNumberError) as caught:
        idnumber.parse("110105194912310025")
    assert str(caught.value) == "校验位错误 bad checksum: expected X, got 5"


def test_parse_rejects_future_birth_date():
    future = date.today() + timedelta(days=2)
    first17 = f"371602{future:%Y%m%d}001"
    with pytest.raises(IdNumberError, match="implausible"):
        idnumber.parse(first17 + idnumber.checksum_char(first17))


def test_every_single_digit_substitution_is_detected():
    for position in range(18):
        for replacement in "0123456789X":
            if replacement == STANDARD_MALE[position]:
                continue
            changed = STANDARD_MALE[:position] + replacement + STANDARD_MALE[position + 1:]
            assert not idnumber.is_valid(changed), changed


def test_is_valid():
    assert idnumber.is_valid(STANDARD_MALE)
    assert not idnumber.is_valid("")
    assert not idnumber.is_valid("440524188001010015")


def test_make_round_trips_through_parse():
    birth = date(1987, 2, 28)
    for seq in (0, 1, 17, 250, 499):
        for gender in ("M", "F"):
            number = idnumber.make("371602", birth, seq, gender)
            info = idnumber.parse(number)
            assert len(number) == 18
            assert info.region_code == "371602"
            assert info.birth_date == birth
            assert info.gender == gender
            assert info.sequence == 2 * seq + (gender == "M")


def test_make_is_unique_per_seq_and_gender():
    numbers = {idnumber.make("371602", date(2001, 5, 4), seq, g) for seq in range(500) for g in "MF"}
    assert len(numbers) == 1000
    assert all(idnumber.is_valid(number) for number in numbers)


@pytest.mark.parametrize(
    ("region", "birth", "seq", "gender"),
    [
        ("371602", date(1990, 1, 1), 500, "M"),
        ("371602", date(1990, 1, 1), -1, "M"),
        ("371602", date(1990, 1, 1), 3, "X"),
        ("37160", date(1990, 1, 1), 3, "M"),
        ("001602", date(1990, 1, 1), 3, "M"),
        ("371602", date.today() + timedelta(days=1), 3, "F"),
    ],
)
def test_make_rejects_bad_input(region, birth, seq, gender):
    with pytest.raises(IdNumberError):
        idnumber.make(region, birth, seq, gender)


def test_mask_keeps_first_six_and_last_four():
    assert idnumber.mask("371602199001011234") == "371602********1234"
    assert idnumber.mask(STANDARD_FEMALE.lower()) == "110105********002X"
    assert idnumber.mask("12345") == "*****"


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1990, 6, 15), date(2024, 6, 14), 33),
        (date(1990, 6, 15), date(2024, 6, 15), 34),
        (date(2000, 2, 29), date(2023, 2, 28), 22),
        (date(2000, 2, 29), date(2023, 3, 1), 23),
        (date(2000, 2, 29), date(2024, 2, 29), 24),
        (date(2024, 1, 1), date(2024, 1, 1), 0),
    ],
)
def test_age_on(born, on, age):
    assert idnumber.age_on(born, on) == age


def test_age_on_rejects_date_before_birth():
    with pytest.raises(ValueError):
        idnumber.age_on(date(2000, 1, 2), date(2000, 1, 1))


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0543-3212345", "****-***2345"),
        ("110", "***"),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("plate", "masked"),
    [("鲁M12345", "鲁M1**45"), ("鲁md12345", "鲁MD***45"), ("鲁M1", "鲁**")],
)
def test_mask_plate(plate, masked):
    assert mask_plate(plate) == masked


def test_mask_name():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李"


def test_foreigner_permanent_residence_number_is_accepted():
    """The 2023 foreigner's permanent residence ID card starts with 9 and uses the same checksum."""
    number = idnumber.make("937410", date(1985, 3, 2), 12, "F")
    assert idnumber.is_valid(number)
    assert idnumber.parse(number).birth_date == date(1985, 3, 2)
