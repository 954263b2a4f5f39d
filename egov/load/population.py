"""The synthetic population: applicants with valid IINs (shared.ids) and certificates of the
simulated НУЦ, the akimat staff the bots act as (employees of each workstation's department),
and the form each application fills.

Everything is drawn from one seeded :class:`random.Random`, so a run is repeatable; IINs are
random birth dates and serials (not 0, 1, 2, ...), so two runs against the same long-running
topology almost never draw the same person, and one that does is logged in instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from portal_svc.sdk import Attachment
from provider_svc.domain.workstations import workstation
from shared.ids import Gender, IdError, make_iin
from shared.regulation.model import Definition, FieldType

SURNAMES = ("Seitkaliyev", "Omarov", "Nurlanov", "Akhmetov", "Zhakupov", "Ivanov", "Kim")
GIVEN = ("Aigerim", "Erlan", "Dana", "Nursultan", "Asel", "Timur", "Madina", "Arman")
# The smallest file the portal takes as a PDF (it checks the media type, not the content).
SCAN = b"%PDF-1.4\n% egov load synthetic scan\n"


@dataclass(frozen=True)
class Person:
    iin: str
    surname: str
    given_name: str

    @property
    def name(self) -> str:
        return f"{self.surname} {self.given_name}"

    @property
    def password(self) -> str:
        # Known to the generator only, so a person drawn again in a later run can log in.
        return f"Load-{self.iin[::-1]}-Qz9"


def people(rng: random.Random, count: int, *, taken: set[str] | None = None) -> list[Person]:
    """``count`` distinct persons born 1950-2000 with valid IINs (never-issued serials are
    skipped, as :func:`shared.ids.make_iin` asks)."""
    seen = taken if taken is not None else set()
    found: list[Person] = []
    first = date(1950, 1, 1)
    while len(found) < count:
        born = first + timedelta(days=rng.randrange(365 * 50))
        gender = rng.choice((Gender.MALE, Gender.FEMALE))
        try:
            iin = make_iin(born, gender, rng.randrange(10_000))
        except IdError:
            continue
        if iin in seen:
            continue
        seen.add(iin)
        found.append(Person(iin, rng.choice(SURNAMES), rng.choice(GIVEN)))
    return found


def person_holder(person: Person) -> dict[str, Any]:
    """The НУЦ issuing call for an individual's signing certificate."""
    return {
        "kind": "individual",
        "iin": person.iin,
        "surname": person.surname,
        "given_name": person.given_name,
    }


def staff_holder(person: Person, system_id: str) -> dict[str, Any]:
    """An employee's certificate of the akimat department behind workstation ``system_id``
    (its BIN: the workstation accepts no other)."""
    department = workstation(system_id)
    return {
        **person_holder(person),
        "kind": "legal_entity",
        "bin": department.bin,
        "organization": department.name,
        "role": "employee",
    }


def form_for(definition: Definition, person: Person, number: int) -> dict[str, Any]:
    """A valid form of ``definition`` for ``person``: every field filled by its type (the
    portal overwrites the prefilled ones with the applicant's own IIN anyway)."""
    form: dict[str, Any] = {}
    for spec in definition.form:
        value: Any
        if spec.type is FieldType.IIN_BIN:
            value = person.iin
        elif spec.type is FieldType.DATE:
            value = "2020-03-01"
        elif spec.type is FieldType.INTEGER:
            value = 1 + number % 9
        elif spec.type is FieldType.ENUM:
            value = spec.choices[number % len(spec.choices)]
        elif spec.type is FieldType.EMAIL:
            value = f"applicant{number}@example.kz"
        else:
            value = f"load test {spec.name} {number}"
        if isinstance(value, str) and spec.max_length is not None:
            value = value[: spec.max_length]
        form[spec.name] = value
    return form


def attachments_for(definition: Definition) -> list[Attachment]:
    """One scan for every document the definition requires."""
    return [
        Attachment(doc.code, f"{doc.code}.pdf", "application/pdf", SCAN)
        for doc in definition.required_documents
    ]
