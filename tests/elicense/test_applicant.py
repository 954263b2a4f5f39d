"""Who the applicant of an E-licensing request is: the individual, or the legal entity when a
BIN is given (the portal sends the BIN together with the IIN of the head who signed for it)."""

from __future__ import annotations

from datetime import date

import pytest

from elicense_svc.domain.errors import Invalid
from elicense_svc.domain.request import Applicant
from shared.ids import Gender, make_bin, make_iin

IIN = make_iin(date(1988, 6, 12), Gender.FEMALE, 411)
BIN = make_bin(date(2015, 3, 1), serial=1234)


def test_an_iin_alone_is_an_individual() -> None:
    applicant = Applicant.parse(IIN, None)
    assert (applicant.kind, applicant.id, applicant.registry) == (
        "individual",
        IIN,
        "registry.person",
    )


@pytest.mark.parametrize("iin", [None, IIN])
def test_a_bin_makes_the_entity_the_applicant(iin: str | None) -> None:
    applicant = Applicant.parse(iin, BIN)
    assert (applicant.kind, applicant.id, applicant.registry) == (
        "legal_entity",
        BIN,
        "registry.legal_entity",
    )


@pytest.mark.parametrize(
    ("iin", "bin_"),
    [
        (None, None),
        ("123", None),  # a malformed IIN
        (IIN[:-1] + str((int(IIN[-1]) + 1) % 10), None),  # a wrong check digit
        (None, BIN[:-1] + str((int(BIN[-1]) + 1) % 10)),
        ("123", BIN),  # the signing head's IIN is checked too
    ],
)
def test_a_missing_or_invalid_identifier_is_refused(iin: str | None, bin_: str | None) -> None:
    with pytest.raises(Invalid) as refused:
        Applicant.parse(iin, bin_)
    assert refused.value.code == "APPLICANT_ID"
