"""Kazakhstan individual (IIN) and business (BIN) identification numbers.

Both are 12 digits whose last digit is a check digit over the first 11 (rules for forming
IIN/BIN, Government decree No. 406 of 22 May 2007, adilet P070000406_):

* first pass: weights 1..11, sum mod 11;
* if that gives 10, second pass: weights 3,4,5,6,7,8,9,10,11,1,2, sum mod 11;
* if that gives 10 again, the number is never issued.

IIN: ``YYMMDD`` birth date, a century/gender digit (1/2 = 1800s, 3/4 = 1900s, 5/6 = 2000s; odd
male, even female), a 4-digit serial, the check digit. Since 2013 numbers are no longer tied to
personal data, so the date and gender are returned as hints, never checked against a person.

BIN: ``YYMM`` registration, the entity type (4 resident legal entity, 5 non-resident legal
entity, 6 individual entrepreneur working as a joint venture), the attribute (0 head unit, 1
branch, 2 representative office, 3 peasant (farm) household working as a joint venture), a
5-digit serial, the check digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import AfterValidator

ID_LENGTH = 12
_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


class IdErrorCode(StrEnum):
    WRONG_LENGTH = "WRONG_LENGTH"
    NOT_DIGITS = "NOT_DIGITS"
    BAD_CHECK_DIGIT = "BAD_CHECK_DIGIT"
    NEVER_ISSUED = "NEVER_ISSUED"
    BAD_CENTURY_DIGIT = "BAD_CENTURY_DIGIT"
    BAD_BIRTH_DATE = "BAD_BIRTH_DATE"
    BAD_ENTITY_TYPE = "BAD_ENTITY_TYPE"
    BAD_ATTRIBUTE = "BAD_ATTRIBUTE"
    BAD_REGISTRATION_DATE = "BAD_REGISTRATION_DATE"
    BAD_SERIAL = "BAD_SERIAL"


class IdError(ValueError):
    """An IIN or BIN that is malformed or can never be valid.

    A ``ValueError`` so that pydantic turns it into a validation error inside models.
    """

    def __init__(self, code: IdErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Gender(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"


class EntityType(IntEnum):
    """BIN digit 5."""

    RESIDENT_LEGAL_ENTITY = 4
    NON_RESIDENT_LEGAL_ENTITY = 5
    JOINT_ENTREPRENEUR = 6  # individual entrepreneur working as a joint venture (IP(S))


class BinAttribute(IntEnum):
    """BIN digit 6."""

    HEAD_UNIT = 0
    BRANCH = 1
    REPRESENTATIVE_OFFICE = 2
    PEASANT_FARM = 3  # peasant (farm) household working as a joint venture


# century/gender digit -> (first year of the century, gender)
_CENTURY_GENDER: dict[int, tuple[int, Gender]] = {
    1: (1800, Gender.MALE),
    2: (1800, Gender.FEMALE),
    3: (1900, Gender.MALE),
    4: (1900, Gender.FEMALE),
    5: (2000, Gender.MALE),
    6: (2000, Gender.FEMALE),
}


def _require_digits(s: str, length: int) -> None:
    if not isinstance(s, str):
        raise TypeError(f"expected str, got {type(s).__name__}")
    if len(s) != length:
        raise IdError(IdErrorCode.WRONG_LENGTH, f"expected {length} digits, got {len(s)}: {s!r}")
    # str.isdigit() accepts other scripts' digits ("١٢"); only ASCII 0-9 are valid here.
    if not all("0" <= ch <= "9" for ch in s):
        raise IdError(IdErrorCode.NOT_DIGITS, f"only the digits 0-9 are allowed: {s!r}")


def path_key(value: object) -> str:
    """An IIN or BIN about to become a URL path segment (``/persons/{iin}``): twelve ASCII
    digits, checked before any call. Only the shape: whether such a number was ever issued is
    the registry's answer. A value like ``..`` would otherwise be a path step and reach
    another resource (``/persons/..`` is ``/``)."""
    if not isinstance(value, str):
        raise IdError(IdErrorCode.NOT_DIGITS, f"expected {ID_LENGTH} digits, got {value!r}")
    _require_digits(value, ID_LENGTH)
    return value


def _weighted_mod11(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11


def check_digit(first11: str) -> int | None:
    """The check digit for the first 11 digits, or ``None`` if such a number is never issued."""
    _require_digits(first11, ID_LENGTH - 1)
    result = _weighted_mod11(first11, _WEIGHTS_FIRST)
    if result == 10:
        result = _weighted_mod11(first11, _WEIGHTS_SECOND)
    return None if result == 10 else result


def _verify_check_digit(s: str) -> None:
    expected = check_digit(s[:11])
    if expected is None:
        raise IdError(
            IdErrorCode.NEVER_ISSUED,
            f"{s}: both check-digit passes give 10, so this number is never issued",
        )
    if int(s[11]) != expected:
        raise IdError(
            IdErrorCode.BAD_CHECK_DIGIT, f"{s}: check digit is {s[11]}, expected {expected}"
        )


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class IinInfo:
    iin: str
    century_digit: int
    serial: str
    birth_date: date | None  # hint: None when digits 1-6 are not a calendar date
    gender: Gender  # hint


@dataclass(frozen=True)
class BinInfo:
    bin: str
    registration_yy: int  # hint: two-digit year; the century is not encoded
    registration_month: int | None  # hint: None when digits 3-4 are not 01-12
    entity_type: EntityType
    attribute: BinAttribute
    serial: str


def parse_iin(s: str, *, strict_date: bool = False) -> IinInfo:
    """Validate an IIN and return what it encodes.

    Errors (:class:`IdError`): WRONG_LENGTH, NOT_DIGITS, BAD_CENTURY_DIGIT (digit 7 not 1-6),
    NEVER_ISSUED, BAD_CHECK_DIGIT; with ``strict_date=True`` also BAD_BIRTH_DATE when digits
    1-6 are not a calendar date. By default an impossible date only leaves ``birth_date`` empty.
    """
    _require_digits(s, ID_LENGTH)
    century_digit = int(s[6])
    if century_digit not in _CENTURY_GENDER:
        raise IdError(
            IdErrorCode.BAD_CENTURY_DIGIT, f"{s}: digit 7 is {century_digit}, expected 1-6"
        )
    _verify_check_digit(s)
    century, gender = _CENTURY_GENDER[century_digit]
    birth_date = _make_date(century + int(s[0:2]), int(s[2:4]), int(s[4:6]))
    if birth_date is None and strict_date:
        raise IdError(IdErrorCode.BAD_BIRTH_DATE, f"{s}: digits 1-6 are not a calendar date")
    return IinInfo(
        iin=s, century_digit=century_digit, serial=s[7:11], birth_date=birth_date, gender=gender
    )


def parse_bin(s: str) -> BinInfo:
    """Validate a BIN and return what it encodes.

    Errors (:class:`IdError`): WRONG_LENGTH, NOT_DIGITS, BAD_ENTITY_TYPE (digit 5 not 4-6),
    BAD_ATTRIBUTE (digit 6 not 0-3), NEVER_ISSUED, BAD_CHECK_DIGIT.
    """
    _require_digits(s, ID_LENGTH)
    if int(s[4]) not in EntityType._value2member_map_:
        raise IdError(IdErrorCode.BAD_ENTITY_TYPE, f"{s}: digit 5 is {s[4]}, expected 4, 5 or 6")
    if int(s[5]) not in BinAttribute._value2member_map_:
        raise IdError(IdErrorCode.BAD_ATTRIBUTE, f"{s}: digit 6 is {s[5]}, expected 0-3")
    _verify_check_digit(s)
    month = int(s[2:4])
    return BinInfo(
        bin=s,
        registration_yy=int(s[0:2]),
        registration_month=month if 1 <= month <= 12 else None,
        entity_type=EntityType(int(s[4])),
        attribute=BinAttribute(int(s[5])),
        serial=s[6:11],
    )


def _complete(first11: str) -> str:
    digit = check_digit(first11)
    if digit is None:
        raise IdError(
            IdErrorCode.NEVER_ISSUED,
            f"{first11}?: this serial gives a never-issued number; use another serial",
        )
    return f"{first11}{digit}"


def make_iin(birth_date: date, gender: Gender, serial: int) -> str:
    """A valid IIN for the given birth date (1800-2099), gender and serial (0-9999).

    Raises ``IdError(NEVER_ISSUED)`` for the rare serials whose check digit does not exist;
    callers generating populations skip to the next serial.
    """
    if not 1800 <= birth_date.year <= 2099:
        raise IdError(IdErrorCode.BAD_BIRTH_DATE, f"birth year {birth_date.year} not in 1800-2099")
    if not 0 <= serial <= 9999:
        raise IdError(IdErrorCode.BAD_SERIAL, f"serial must be 0-9999, got {serial}")
    century_digit = next(
        digit
        for digit, (century, g) in _CENTURY_GENDER.items()
        if g is gender and century <= birth_date.year < century + 100
    )
    return _complete(f"{birth_date:%y%m%d}{century_digit}{serial:04d}")


def make_bin(
    registered: date,
    entity_type: EntityType = EntityType.RESIDENT_LEGAL_ENTITY,
    attribute: BinAttribute = BinAttribute.HEAD_UNIT,
    serial: int = 0,
) -> str:
    """A valid BIN registered in ``registered``'s year and month, serial 0-99999.

    Raises ``IdError(NEVER_ISSUED)`` for the rare serials whose check digit does not exist.
    """
    if not 0 <= serial <= 99999:
        raise IdError(IdErrorCode.BAD_SERIAL, f"serial must be 0-99999, got {serial}")
    return _complete(
        f"{registered:%y%m}{EntityType(entity_type).value}{BinAttribute(attribute).value}"
        f"{serial:05d}"
    )


def _validate_iin(value: str) -> str:
    parse_iin(value)
    return value


def _validate_bin(value: str) -> str:
    parse_bin(value)
    return value


Iin = Annotated[str, AfterValidator(_validate_iin)]
"""An IIN string, validated when used as a pydantic field type."""

Bin = Annotated[str, AfterValidator(_validate_bin)]
"""A BIN string, validated when used as a pydantic field type."""
