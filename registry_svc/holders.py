"""Turning an issuance request (HTTP or CLI) into a certificate holder, with specific errors."""

from __future__ import annotations

from registry_svc.errors import RegistryError
from registry_svc.registry_service import checked_bin, checked_iin
from shared.pki.profiles import EntityRole, Holder, Individual, InformationSystem, LegalEntitySigner


class BadHolder(RegistryError):
    status = 422
    code = "invalid_holder"


def _need(value: str | None, what: str, kind: str) -> str:
    if not value:
        article = "an" if kind[0] in "aeiou" else "a"
        raise BadHolder(f"{article} {kind} certificate needs {what}")
    return value


def build_holder(
    kind: str,
    *,
    iin: str | None = None,
    surname: str | None = None,
    given_name: str | None = None,
    patronymic: str = "",
    bin_: str | None = None,
    organization: str | None = None,
    role: EntityRole | None = None,
    system_id: str | None = None,
) -> Holder:
    try:
        if kind == "system":
            # Without a BIN of its own a system belongs to the simulator's operator (the
            # profile's default owner): НУЦ always names a system's owning legal entity.
            return InformationSystem(
                _need(system_id, "system_id", kind),
                **({"organization": organization} if organization else {}),
                **({"bin": checked_bin(bin_)} if bin_ else {}),
            )
        person = Individual(
            iin=checked_iin(_need(iin, "iin", kind)),
            surname=_need(surname, "surname", kind),
            given_name=_need(given_name, "given_name", kind),
            patronymic=patronymic,
        )
        if kind == "individual":
            return person
        if kind == "legal_entity":
            if role is None:
                raise BadHolder("a legal_entity certificate needs a role")
            return LegalEntitySigner(
                person,
                bin=checked_bin(_need(bin_, "bin", kind)),
                organization=_need(organization, "organization", kind),
                role=role,
            )
    except ValueError as exc:
        raise BadHolder(str(exc)) from exc
    raise BadHolder(f"unknown holder kind {kind!r}: individual, legal_entity or system")
