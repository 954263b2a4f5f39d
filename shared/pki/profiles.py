"""Certificate profiles shaped like НУЦ's: who the holder is (subject) and what the key may do
(key usage, extended key usage with the holder-type OID, certificate policy).

An individual's subject carries CN, SURNAME, G (НУЦ puts the patronymic in givenName),
SERIALNUMBER=IIN<12 digits> and C=KZ; a legal-entity signer adds O and OU=BIN<12 digits>; an
information system's carries its id as CN, its owner as O and the owner's OU=BIN<12 digits>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

from shared.pki import oids

_TWELVE_DIGITS = re.compile(r"\d{12}")

# The legal entity that owns the simulator's own information systems (portal, gateway,
# elicense, registry, provider workstations) unless a system names another owner: a synthetic
# BIN (January 2004, resident legal entity, head unit) with a valid check digit.
SIMULATOR_OPERATOR_BIN = "040140000018"


class KeyPurpose(StrEnum):
    """НУЦ hands out two keys per holder: one to sign documents, one to authenticate."""

    SIGNING = "signing"
    AUTH = "auth"


class EntityRole(StrEnum):
    """A legal-entity certificate holder's role; the value is the last arc of its holder OID."""

    FIRST_HEAD = "first_head"
    SIGNER = "signer"
    FINANCE = "finance"
    HR = "hr"
    EMPLOYEE = "employee"

    @property
    def holder_oid(self) -> ObjectIdentifier:
        arc = list(EntityRole).index(self) + 1
        return ObjectIdentifier(f"{oids.HOLDER_LEGAL_ENTITY_ARC}.{arc}")


def _check_twelve_digits(kind: str, value: str) -> None:
    # Only the shape is checked here: check digits are the registries' business, and the CA
    # must be able to issue for any number the registry vouches for.
    if not _TWELVE_DIGITS.fullmatch(value):
        raise ValueError(f"{kind} must be exactly 12 digits, got {value!r}")


def _check_name_part(kind: str, value: str) -> None:
    if not value.strip():
        raise ValueError(f"{kind} must not be empty")


@dataclass(frozen=True)
class Individual:
    iin: str
    surname: str
    given_name: str
    patronymic: str = ""

    def __post_init__(self) -> None:
        _check_twelve_digits("IIN", self.iin)
        _check_name_part("surname", self.surname)
        _check_name_part("given name", self.given_name)


@dataclass(frozen=True)
class LegalEntitySigner:
    """A person acting for a legal entity (first head, signer, employee such as a CSC operator
    or a provider's staff member)."""

    person: Individual
    bin: str
    organization: str
    role: EntityRole
    # The simulator's operator roles (shared.pki.oids ROLE_*), carried next to the holder OIDs;
    # given only by provisioning, never through the CA's HTTP API.
    operator_roles: tuple[ObjectIdentifier, ...] = ()

    def __post_init__(self) -> None:
        _check_twelve_digits("BIN", self.bin)
        _check_name_part("organization", self.organization)


@dataclass(frozen=True)
class InformationSystem:
    """One certificate per information system (portal, gateway, elicense, registry, each
    provider workstation). ``system_id`` becomes the CN and the verified sender identity;
    ``bin`` is the owning legal entity's, as НУЦ writes it into a system's certificate."""

    system_id: str
    organization: str = "Electronic Government of the Republic of Kazakhstan (simulated)"
    bin: str = SIMULATOR_OPERATOR_BIN

    def __post_init__(self) -> None:
        _check_name_part("system id", self.system_id)
        _check_twelve_digits("BIN", self.bin)


Holder = Individual | LegalEntitySigner | InformationSystem

SIMULATOR_OPERATOR_ORGANIZATION = "Electronic Government of the Republic of Kazakhstan (simulated)"


def simulator_operator(
    person: Individual, roles: tuple[ObjectIdentifier, ...]
) -> LegalEntitySigner:
    """A person employed by the simulator's operator with operator ``roles`` (``oids.ROLE_*``):
    the registration authority, a registrar, the gateway's or the simulation's operator."""
    if not roles:
        raise ValueError("an operator's certificate names at least one role")
    return LegalEntitySigner(
        person,
        SIMULATOR_OPERATOR_BIN,
        SIMULATOR_OPERATOR_ORGANIZATION,
        EntityRole.EMPLOYEE,
        operator_roles=roles,
    )


def _person_attributes(person: Individual) -> list[x509.NameAttribute[str]]:
    common = f"{person.surname} {person.given_name}".upper()
    attrs = [
        x509.NameAttribute(NameOID.COMMON_NAME, common),
        x509.NameAttribute(NameOID.SURNAME, person.surname.upper()),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{person.iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    if person.patronymic:
        attrs.insert(2, x509.NameAttribute(NameOID.GIVEN_NAME, person.patronymic.upper()))
    return attrs


def subject_name(holder: Holder) -> x509.Name:
    if isinstance(holder, Individual):
        return x509.Name(_person_attributes(holder))
    if isinstance(holder, LegalEntitySigner):
        attrs = _person_attributes(holder.person)
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, holder.organization))
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{holder.bin}"))
        return x509.Name(attrs)
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, holder.system_id),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, holder.organization),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{holder.bin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )


def _key_usage(purpose: KeyPurpose, public_key: object) -> x509.KeyUsage:
    signing = purpose is KeyPurpose.SIGNING
    # An authentication key may also be used to set up a TLS session. An RSA key does that by
    # key transport (keyEncipherment); an EC key cannot encipher at all, so RFC 5480 3 (as
    # updated by RFC 8813) forbids keyEncipherment for it and allows keyAgreement (ECDH).
    elliptic = isinstance(public_key, ec.EllipticCurvePublicKey)
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=signing,  # nonRepudiation: only the document-signing key has it
        key_encipherment=not signing and not elliptic,
        data_encipherment=False,
        key_agreement=not signing and elliptic,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _holder_oids(holder: Holder) -> list[ObjectIdentifier]:
    """НУЦ's holder-type OIDs: an individual's, or the legal entity's plus the role (or
    "the legal entity's information system") below it."""
    if isinstance(holder, Individual):
        return [oids.HOLDER_INDIVIDUAL]
    if isinstance(holder, LegalEntitySigner):
        return [oids.HOLDER_LEGAL_ENTITY, holder.role.holder_oid, *holder.operator_roles]
    return [oids.HOLDER_LEGAL_ENTITY, oids.HOLDER_INFORMATION_SYSTEM]


def _policy(holder: Holder, purpose: KeyPurpose) -> ObjectIdentifier:
    individual = isinstance(holder, Individual)
    if purpose is KeyPurpose.SIGNING:
        return oids.POLICY_INDIVIDUAL_SIGNING if individual else oids.POLICY_LEGAL_ENTITY_SIGNING
    return oids.POLICY_INDIVIDUAL_AUTH if individual else oids.POLICY_LEGAL_ENTITY_AUTH


@dataclass(frozen=True)
class Profile:
    """The extensions that say what a holder's key may do."""

    key_usage: x509.KeyUsage
    extended_key_usage: x509.ExtendedKeyUsage
    policies: x509.CertificatePolicies


def profile_for(holder: Holder, purpose: KeyPurpose, public_key: object) -> Profile:
    """The profile of ``holder``'s ``purpose`` key; the key usage depends on the key's type
    (``public_key``: EC or RSA)."""
    usages = [oids.EKU_SIGNING if purpose is KeyPurpose.SIGNING else oids.EKU_AUTH]
    if isinstance(holder, InformationSystem) and purpose is KeyPurpose.SIGNING:
        # A system signs messages and also authenticates to the gateway's sync channel.
        usages.append(oids.EKU_AUTH)
    usages.extend(_holder_oids(holder))
    return Profile(
        key_usage=_key_usage(purpose, public_key),
        extended_key_usage=x509.ExtendedKeyUsage(usages),
        policies=x509.CertificatePolicies([x509.PolicyInformation(_policy(holder, purpose), None)]),
    )
