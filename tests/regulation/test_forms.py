from __future__ import annotations

from datetime import date

import pytest

from shared.ids import Gender, make_iin
from shared.regulation.catalog import Catalog
from shared.regulation.forms import validate_form


@pytest.fixture
def iin() -> str:
    return make_iin(date(1985, 3, 14), Gender.FEMALE, 1234)


def test_valid_archive_request_has_no_problems(catalog: Catalog, iin: str) -> None:
    form = {
        "applicant_iin_bin": iin,
        "subject": "Employment record 1979-1985",
        "period_from": "1979-01-01",
        "delivery": "email",
        "email": "a@example.kz",
    }
    assert validate_form(catalog.get("E", "astana-2012"), form) == []


def test_each_problem_is_named(catalog: Catalog, iin: str) -> None:
    bad_iin = iin[:-1] + str((int(iin[-1]) + 1) % 10)
    form = {
        "applicant_iin_bin": bad_iin,
        "period_from": "14.03.1985",
        "delivery": "pigeon",
        "email": "nobody",
        "colour": "red",
    }
    problems = {(p.field, p.code) for p in validate_form(catalog.get("E", "astana-2012"), form)}
    assert problems == {
        ("colour", "UNKNOWN_FIELD"),
        ("applicant_iin_bin", "INVALID"),
        ("subject", "REQUIRED"),
        ("period_from", "INVALID"),
        ("delivery", "NOT_A_CHOICE"),
        ("email", "INVALID"),
    }


def test_length_and_pattern_limits(catalog: Catalog, iin: str) -> None:
    d = catalog.get("C", "almaty-2019")
    form = {"applicant_iin_bin": "12345", "site_address": "x" * 301, "cadastral_number": "1"}
    problems = {(p.field, p.code) for p in validate_form(d, form)}
    assert problems == {("applicant_iin_bin", "PATTERN"), ("site_address", "TOO_LONG")}
