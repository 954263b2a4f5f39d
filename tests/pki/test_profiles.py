"""Certificates carry НУЦ's subject fields, key usages, holder-type and policy OIDs."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    NameOID,
    ObjectIdentifier,
)

from shared.ids import parse_bin
from shared.pki.keys import KeyAlgorithm
from shared.pki.profiles import (
    SIMULATOR_OPERATOR_BIN,
    EntityRole,
    Individual,
    InformationSystem,
    KeyPurpose,
    LegalEntitySigner,
)
from tests.pki.conftest import ALICE, IssueFn


def _attr(cert: x509.Certificate, oid: ObjectIdentifier) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    assert len(values) == 1
    return str(values[0].value)


def _eku(cert: x509.Certificate) -> set[str]:
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    return {oid.dotted_string for oid in usage}


def _policies(cert: x509.Certificate) -> set[str]:
    value = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    return {p.policy_identifier.dotted_string for p in value}


def test_individual_signing_certificate_has_nuc_subject_and_usage(issue: IssueFn) -> None:
    cert = issue(ALICE, KeyPurpose.SIGNING).certificate
    assert _attr(cert, NameOID.SERIAL_NUMBER) == "IIN900101300126"
    assert _attr(cert, NameOID.SURNAME) == "СЕЙТҚАЛИЕВА"
    assert _attr(cert, NameOID.GIVEN_NAME) == "НҰРЛАНҚЫЗЫ"  # НУЦ puts the patronymic in G
    assert _attr(cert, NameOID.COMMON_NAME) == "СЕЙТҚАЛИЕВА АЙГЕРІМ"
    assert _attr(cert, NameOID.COUNTRY_NAME) == "KZ"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert not usage.key_encipherment
    assert _eku(cert) == {"1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.1"}
    assert _policies(cert) == {"1.2.398.3.3.2.3"}  # НУЦ: individual, signing


def test_individual_ec_auth_certificate_is_for_client_auth(issue: IssueFn) -> None:
    cert = issue(ALICE, KeyPurpose.AUTH).certificate
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    # RFC 5480 3 as updated by RFC 8813: an EC key never gets keyEncipherment; ECDH is
    # keyAgreement.
    assert not usage.key_encipherment
    assert usage.key_agreement
    assert not usage.content_commitment
    assert _eku(cert) == {"1.3.6.1.5.5.7.3.2", "1.2.398.3.3.4.1.1"}
    assert _policies(cert) == {"1.2.398.3.3.2.4"}  # НУЦ: individual, authentication


def test_rsa_auth_certificate_keeps_key_encipherment(issue: IssueFn) -> None:
    cert = issue(ALICE, KeyPurpose.AUTH, algorithm=KeyAlgorithm.RS256).certificate
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.key_encipherment  # RSA key transport in TLS
    assert not usage.key_agreement
    assert not usage.content_commitment


@pytest.mark.parametrize(
    ("role", "holder_oid"),
    [
        (EntityRole.FIRST_HEAD, "1.2.398.3.3.4.1.2.1"),
        (EntityRole.SIGNER, "1.2.398.3.3.4.1.2.2"),
        (EntityRole.EMPLOYEE, "1.2.398.3.3.4.1.2.5"),
    ],
)
def test_legal_entity_signer_carries_bin_and_role(
    issue: IssueFn, role: EntityRole, holder_oid: str
) -> None:
    holder = LegalEntitySigner(ALICE, bin="050140000656", organization="Дала Жер", role=role)
    cert = issue(holder).certificate
    assert _attr(cert, NameOID.ORGANIZATIONAL_UNIT_NAME) == "BIN050140000656"
    assert _attr(cert, NameOID.ORGANIZATION_NAME) == "Дала Жер"
    assert _attr(cert, NameOID.SERIAL_NUMBER) == "IIN900101300126"
    # The legal-entity OID itself and the role below it.
    assert _eku(cert) == {
        ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string,
        "1.2.398.3.3.4.1.2",
        holder_oid,
    }
    assert _policies(cert) == {"1.2.398.3.3.2.1"}  # НУЦ: legal entity, signing


def test_legal_entity_auth_certificate_has_legal_entity_auth_policy(issue: IssueFn) -> None:
    holder = LegalEntitySigner(
        ALICE, bin="050140000656", organization="Дала Жер", role=EntityRole.FIRST_HEAD
    )
    cert = issue(holder, KeyPurpose.AUTH).certificate
    assert _eku(cert) == {"1.3.6.1.5.5.7.3.2", "1.2.398.3.3.4.1.2", "1.2.398.3.3.4.1.2.1"}
    assert _policies(cert) == {"1.2.398.3.3.2.2"}  # НУЦ: legal entity, authentication


def test_system_certificate_is_named_by_system_id_and_owner_bin(issue: IssueFn) -> None:
    cert = issue(InformationSystem("gateway")).certificate
    assert _attr(cert, NameOID.COMMON_NAME) == "gateway"
    # A system belongs to a legal entity: its BIN (the simulator's operator by default) and
    # НУЦ's "information system of a legal entity" holder OID.
    assert _attr(cert, NameOID.ORGANIZATIONAL_UNIT_NAME) == f"BIN{SIMULATOR_OPERATOR_BIN}"
    assert _eku(cert) == {
        "1.3.6.1.5.5.7.3.4",
        "1.3.6.1.5.5.7.3.2",
        "1.2.398.3.3.4.1.2",
        "1.2.398.3.3.4.1.2.6",
    }
    assert _policies(cert) == {"1.2.398.3.3.2.1"}
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    owned = issue(InformationSystem("provider.x", organization="Дала Жер", bin="050140000656"))
    assert _attr(owned.certificate, NameOID.ORGANIZATIONAL_UNIT_NAME) == "BIN050140000656"


def test_simulator_operator_bin_has_a_valid_check_digit() -> None:
    assert parse_bin(SIMULATOR_OPERATOR_BIN).bin == SIMULATOR_OPERATOR_BIN


def test_system_rejects_malformed_bin() -> None:
    with pytest.raises(ValueError, match="BIN must be exactly 12 digits"):
        InformationSystem("portal", bin="BIN1")


def test_certificate_points_to_ocsp_ca_issuers_and_crl(issue: IssueFn) -> None:
    cert = issue().certificate
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [(d.access_method, d.access_location.value) for d in aia] == [
        (AuthorityInformationAccessOID.OCSP, "http://registry.test/ocsp"),
        (AuthorityInformationAccessOID.CA_ISSUERS, "http://registry.test/ca/issuing.crt"),
    ]
    dps = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert dps[0].full_name is not None
    assert dps[0].full_name[0].value == "http://registry.test/crl"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"iin": "12345", "surname": "A", "given_name": "B"}, "IIN must be exactly 12 digits"),
        ({"iin": "900101300126", "surname": " ", "given_name": "B"}, "surname must not be empty"),
    ],
)
def test_individual_rejects_bad_input(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Individual(**kwargs)


def test_legal_entity_rejects_malformed_bin() -> None:
    with pytest.raises(ValueError, match="BIN must be exactly 12 digits"):
        LegalEntitySigner(ALICE, bin="BIN1", organization="X", role=EntityRole.SIGNER)
