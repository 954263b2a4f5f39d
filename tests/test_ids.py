"""IIN/BIN validation and generation.

The expected check digits are worked out by hand below (digit by digit) and by an independent
reference written here, never by calling the code under test.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.ids import (
    Bin,
    BinAttribute,
    EntityType,
    Gender,
    IdError,
    IdErrorCode,
    Iin,
    check_digit,
    make_bin,
    make_iin,
    parse_bin,
    parse_iin,
)


def reference_check_digit(first11: str) -> int | None:
    """The published algorithm, written out independently of shared.ids."""
    digits = [int(c) for c in first11]
    total = 0
    for position, digit in enumerate(digits):
        total += digit * (position + 1)
    if total % 11 != 10:
        return total % 11
    # second pass: the weights 1..11 shifted by two, wrapping 12 -> 1 and 13 -> 2
    total = 0
    for position, digit in enumerate(digits):
        weight = position + 3
        if weight > 11:
            weight -= 11
        total += digit * weight
    return None if total % 11 == 10 else total % 11


# --- hand-worked vectors ------------------------------------------------------------------

# 900515300018: man born 15 May 1990 (digit 7 = 3: 1900s, odd), serial 0001.
#   9*1 + 0*2 + 0*3 + 5*4 + 1*5 + 5*6 + 3*7 + 0*8 + 0*9 + 0*10 + 1*11
#   = 9 + 0 + 0 + 20 + 5 + 30 + 21 + 0 + 0 + 0 + 11 = 96;  96 mod 11 = 8
IIN_FIRST_PASS = "900515300018"

# 850120400607: woman born 20 January 1985 (digit 7 = 4), serial 0060.
#   first pass: 8*1 + 5*2 + 0*3 + 1*4 + 2*5 + 0*6 + 4*7 + 0*8 + 0*9 + 6*10 + 0*11
#             = 8 + 10 + 0 + 4 + 10 + 0 + 28 + 0 + 0 + 60 + 0 = 120;  120 mod 11 = 10
#   second:   8*3 + 5*4 + 0*5 + 1*6 + 2*7 + 0*8 + 4*9 + 0*10 + 0*11 + 6*1 + 0*2
#             = 24 + 20 + 0 + 6 + 14 + 0 + 36 + 0 + 0 + 6 + 0 = 106;  106 mod 11 = 7
IIN_SECOND_PASS = "850120400607"

# 04092460008?: woman born 24 September 2004 (digit 7 = 6), serial 0008.
#   first pass: 0*1 + 4*2 + 0*3 + 9*4 + 2*5 + 4*6 + 6*7 + 0*8 + 0*9 + 0*10 + 8*11
#             = 0 + 8 + 0 + 36 + 10 + 24 + 42 + 0 + 0 + 0 + 88 = 208;  208 mod 11 = 10
#   second:   0*3 + 4*4 + 0*5 + 9*6 + 2*7 + 4*8 + 6*9 + 0*10 + 0*11 + 0*1 + 8*2
#             = 0 + 16 + 0 + 54 + 14 + 32 + 54 + 0 + 0 + 0 + 16 = 186;  186 mod 11 = 10
#   -> never issued, whatever the 12th digit.
IIN_NEVER_PREFIX = "04092460008"

# 901315300013: month 13 is no date, but the check digit is right.
#   9*1 + 0*2 + 1*3 + 3*4 + 1*5 + 5*6 + 3*7 + 0*8 + 0*9 + 0*10 + 1*11
#   = 9 + 0 + 3 + 12 + 5 + 30 + 21 + 0 + 0 + 0 + 11 = 91;  91 mod 11 = 3
IIN_NOT_A_DATE = "901315300013"

# 100140012344: registered January 2010, resident legal entity (4), head unit (0), serial 01234.
#   1*1 + 0*2 + 0*3 + 1*4 + 4*5 + 0*6 + 0*7 + 1*8 + 2*9 + 3*10 + 4*11
#   = 1 + 0 + 0 + 4 + 20 + 0 + 0 + 8 + 18 + 30 + 44 = 125;  125 mod 11 = 4
BIN_FIRST_PASS = "100140012344"

# 070140000602: registered January 2007, resident legal entity, head unit, serial 00060.
#   first pass: 0*1 + 7*2 + 0*3 + 1*4 + 4*5 + 0*6 + 0*7 + 0*8 + 0*9 + 6*10 + 0*11 = 98 -> 10
#   second:     0*3 + 7*4 + 0*5 + 1*6 + 4*7 + 0*8 + 0*9 + 0*10 + 0*11 + 6*1 + 0*2
#             = 0 + 28 + 0 + 6 + 28 + 0 + 0 + 0 + 0 + 6 + 0 = 68;  68 mod 11 = 2
BIN_SECOND_PASS = "070140000602"

# 150741000014: registered July 2015, resident legal entity, branch (1), serial 00001.
#   first pass: 1 + 10 + 0 + 28 + 20 + 6 + 0 + 0 + 0 + 0 + 11 = 76 -> 10
#   second:     1*3 + 5*4 + 0*5 + 7*6 + 4*7 + 1*8 + 0 + 0 + 0 + 0*1 + 1*2 = 103;  103 mod 11 = 4
BIN_BRANCH = "150741000014"

# 15074100004?: first pass 1 + 10 + 0 + 28 + 20 + 6 + 0 + 0 + 0 + 0 + 44 = 109 -> 10;
#   second 3 + 20 + 0 + 42 + 28 + 8 + 0 + 0 + 0 + 0 + 8 = 109 -> 10: never issued.
BIN_NEVER_PREFIX = "15074100004"

# str.isdigit() is True for these, yet they are not an identifier.
FULLWIDTH_IIN = "".join(chr(0xFF10 + int(c)) for c in IIN_FIRST_PASS)


@pytest.mark.parametrize(
    ("first11", "expected"),
    [
        (IIN_FIRST_PASS[:11], 8),
        (IIN_SECOND_PASS[:11], 7),
        (IIN_NEVER_PREFIX, None),
        (BIN_FIRST_PASS[:11], 4),
        (BIN_SECOND_PASS[:11], 2),
        (BIN_BRANCH[:11], 4),
        (BIN_NEVER_PREFIX, None),
    ],
)
def test_check_digit_matches_hand_worked_vectors(first11: str, expected: int | None) -> None:
    assert reference_check_digit(first11) == expected  # the reference agrees with the hand work
    assert check_digit(first11) == expected


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_check_digit_agrees_with_reference_everywhere(first11: str) -> None:
    assert check_digit(first11) == reference_check_digit(first11)


def test_parses_iin_with_first_pass_check_digit() -> None:
    info = parse_iin(IIN_FIRST_PASS)
    assert info.birth_date == date(1990, 5, 15)
    assert info.gender is Gender.MALE
    assert info.century_digit == 3
    assert info.serial == "0001"


def test_parses_iin_with_second_pass_check_digit() -> None:
    info = parse_iin(IIN_SECOND_PASS)
    assert info.birth_date == date(1985, 1, 20)
    assert info.gender is Gender.FEMALE


@pytest.mark.parametrize(
    ("first11", "century_digit", "year", "gender"),
    [
        ("9005151", 1, 1890, Gender.MALE),
        ("9005152", 2, 1890, Gender.FEMALE),
        ("0505155", 5, 2005, Gender.MALE),
        ("0505156", 6, 2005, Gender.FEMALE),
    ],
)
def test_century_digit_gives_century_and_gender(
    first11: str, century_digit: int, year: int, gender: Gender
) -> None:
    prefix = f"{first11}0002"
    digit = reference_check_digit(prefix)
    assert digit is not None
    info = parse_iin(f"{prefix}{digit}")
    assert info.century_digit == century_digit
    assert info.birth_date is not None
    assert info.birth_date.year == year
    assert info.gender is gender


def test_impossible_birth_date_is_only_a_missing_hint_unless_strict() -> None:
    assert parse_iin(IIN_NOT_A_DATE).birth_date is None
    with pytest.raises(IdError) as excinfo:
        parse_iin(IIN_NOT_A_DATE, strict_date=True)
    assert excinfo.value.code is IdErrorCode.BAD_BIRTH_DATE


@pytest.mark.parametrize(
    ("value", "code", "why"),
    [
        ("90051530001", IdErrorCode.WRONG_LENGTH, "11 digits"),
        ("9005153000185", IdErrorCode.WRONG_LENGTH, "13 digits"),
        ("", IdErrorCode.WRONG_LENGTH, "empty"),
        ("90051530001a", IdErrorCode.NOT_DIGITS, "a letter"),
        (" 90051530001", IdErrorCode.NOT_DIGITS, "leading space"),
        (FULLWIDTH_IIN, IdErrorCode.NOT_DIGITS, "full-width digits are not 0-9"),
        ("900515300017", IdErrorCode.BAD_CHECK_DIGIT, "check digit 7, the sum gives 8"),
        ("850120400601", IdErrorCode.BAD_CHECK_DIGIT, "second pass gives 7, not 1"),
        (IIN_NEVER_PREFIX + "0", IdErrorCode.NEVER_ISSUED, "both passes give 10"),
        (IIN_NEVER_PREFIX + "9", IdErrorCode.NEVER_ISSUED, "both passes give 10"),
        ("900515000018", IdErrorCode.BAD_CENTURY_DIGIT, "digit 7 is 0"),
        ("900515700018", IdErrorCode.BAD_CENTURY_DIGIT, "digit 7 is 7"),
    ],
)
def test_rejects_invalid_iin_with_specific_reason(value: str, code: IdErrorCode, why: str) -> None:
    with pytest.raises(IdError) as excinfo:
        parse_iin(value)
    assert excinfo.value.code is code, why
    assert str(code) in str(excinfo.value)


def test_parses_bins() -> None:
    first = parse_bin(BIN_FIRST_PASS)
    assert (first.registration_yy, first.registration_month) == (10, 1)
    assert first.entity_type is EntityType.RESIDENT_LEGAL_ENTITY
    assert first.attribute is BinAttribute.HEAD_UNIT
    assert first.serial == "01234"
    assert parse_bin(BIN_SECOND_PASS).registration_yy == 7
    assert parse_bin(BIN_BRANCH).attribute is BinAttribute.BRANCH


@pytest.mark.parametrize(
    ("value", "code", "why"),
    [
        ("10014001234", IdErrorCode.WRONG_LENGTH, "11 digits"),
        ("1001400123-4", IdErrorCode.NOT_DIGITS, "a dash"),
        ("100140012345", IdErrorCode.BAD_CHECK_DIGIT, "check digit 5, the sum gives 4"),
        (BIN_NEVER_PREFIX + "4", IdErrorCode.NEVER_ISSUED, "both passes give 10"),
        ("100130012344", IdErrorCode.BAD_ENTITY_TYPE, "digit 5 is 3"),
        ("100170012344", IdErrorCode.BAD_ENTITY_TYPE, "digit 5 is 7"),
        ("100144012344", IdErrorCode.BAD_ATTRIBUTE, "digit 6 is 4"),
        ("100149012344", IdErrorCode.BAD_ATTRIBUTE, "digit 6 is 9"),
    ],
)
def test_rejects_invalid_bin_with_specific_reason(value: str, code: IdErrorCode, why: str) -> None:
    with pytest.raises(IdError) as excinfo:
        parse_bin(value)
    assert excinfo.value.code is code, why


def test_an_iin_is_not_a_bin_by_structure() -> None:
    # 900515300018 has 1 in digit 5, which no BIN entity type uses.
    with pytest.raises(IdError) as excinfo:
        parse_bin(IIN_FIRST_PASS)
    assert excinfo.value.code is IdErrorCode.BAD_ENTITY_TYPE


def test_make_iin_reproduces_hand_worked_numbers() -> None:
    assert make_iin(date(1990, 5, 15), Gender.MALE, 1) == IIN_FIRST_PASS
    assert make_iin(date(1985, 1, 20), Gender.FEMALE, 60) == IIN_SECOND_PASS
    with pytest.raises(IdError) as excinfo:
        make_iin(date(2004, 9, 24), Gender.FEMALE, 8)
    assert excinfo.value.code is IdErrorCode.NEVER_ISSUED


def test_make_bin_reproduces_hand_worked_numbers() -> None:
    assert make_bin(date(2010, 1, 1), serial=1234) == BIN_FIRST_PASS
    assert make_bin(date(2015, 7, 1), attribute=BinAttribute.BRANCH, serial=1) == BIN_BRANCH
    with pytest.raises(IdError) as excinfo:
        make_bin(date(2015, 7, 1), attribute=BinAttribute.BRANCH, serial=4)
    assert excinfo.value.code is IdErrorCode.NEVER_ISSUED


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: make_iin(date(1799, 12, 31), Gender.MALE, 1), IdErrorCode.BAD_BIRTH_DATE),
        (lambda: make_iin(date(2100, 1, 1), Gender.MALE, 1), IdErrorCode.BAD_BIRTH_DATE),
        (lambda: make_iin(date(1990, 1, 1), Gender.MALE, 10000), IdErrorCode.BAD_SERIAL),
        (lambda: make_iin(date(1990, 1, 1), Gender.MALE, -1), IdErrorCode.BAD_SERIAL),
        (lambda: make_bin(date(2010, 1, 1), serial=100000), IdErrorCode.BAD_SERIAL),
    ],
)
def test_generators_refuse_out_of_range_inputs(call: object, code: IdErrorCode) -> None:
    assert callable(call)
    with pytest.raises(IdError) as excinfo:
        call()
    assert excinfo.value.code is code


@given(
    birth=st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)),
    gender=st.sampled_from(Gender),
    serial=st.integers(min_value=0, max_value=9999),
)
def test_every_generated_iin_validates_and_round_trips(
    birth: date, gender: Gender, serial: int
) -> None:
    century_digit = {18: 1, 19: 3, 20: 5}[birth.year // 100] + (gender is Gender.FEMALE)
    prefix = f"{birth.year % 100:02d}{birth.month:02d}{birth.day:02d}{century_digit}{serial:04d}"
    if reference_check_digit(prefix) is None:
        with pytest.raises(IdError, match="NEVER_ISSUED"):
            make_iin(birth, gender, serial)
        return
    iin = make_iin(birth, gender, serial)
    assert iin[:11] == prefix
    assert reference_check_digit(iin[:11]) == int(iin[11])
    info = parse_iin(iin, strict_date=True)
    assert (info.birth_date, info.gender, int(info.serial)) == (birth, gender, serial)


@given(
    registered=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    entity_type=st.sampled_from(EntityType),
    attribute=st.sampled_from(BinAttribute),
    serial=st.integers(min_value=0, max_value=99999),
)
def test_every_generated_bin_validates_and_round_trips(
    registered: date, entity_type: EntityType, attribute: BinAttribute, serial: int
) -> None:
    prefix = f"{registered.year % 100:02d}{registered.month:02d}{entity_type}{attribute}"
    prefix += f"{serial:05d}"
    if reference_check_digit(prefix) is None:
        with pytest.raises(IdError, match="NEVER_ISSUED"):
            make_bin(registered, entity_type, attribute, serial)
        return
    bin_ = make_bin(registered, entity_type, attribute, serial)
    assert bin_[:11] == prefix
    assert reference_check_digit(bin_[:11]) == int(bin_[11])
    info = parse_bin(bin_)
    assert info.registration_yy == registered.year % 100
    assert info.registration_month == registered.month
    assert (info.entity_type, info.attribute, int(info.serial)) == (entity_type, attribute, serial)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_wrong_last_digit_is_refused(number: str) -> None:
    expected = reference_check_digit(number[:11])
    if number[6] not in "123456":
        return
    if expected is None:
        with pytest.raises(IdError, match="NEVER_ISSUED"):
            parse_iin(number)
    elif int(number[11]) != expected:
        with pytest.raises(IdError, match="BAD_CHECK_DIGIT"):
            parse_iin(number)
    else:
        assert parse_iin(number).iin == number


class Applicant(BaseModel):
    iin: Iin
    employer_bin: Bin | None = None


def test_annotated_types_validate_inside_pydantic_models() -> None:
    model = Applicant(iin=IIN_FIRST_PASS, employer_bin=BIN_FIRST_PASS)
    assert model.iin == IIN_FIRST_PASS
    with pytest.raises(ValidationError, match="BAD_CHECK_DIGIT"):
        Applicant(iin="900515300017")
    with pytest.raises(ValidationError, match="BAD_ATTRIBUTE"):
        Applicant(iin=IIN_FIRST_PASS, employer_bin="100144012344")
    with pytest.raises(ValidationError):
        Applicant.model_validate({"iin": 900515300018})  # a number is not an identifier string
