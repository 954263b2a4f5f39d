"""Certificate-authority mechanics: a self-signed root, an issuing CA under it, and end-entity
certificates from a :mod:`shared.pki.profiles` profile. Pure functions of their inputs; which
serials exist and which are revoked is the caller's state (registry_svc rebuilds it from
its event log)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from shared.pki.keys import PrivateKey, PublicKey
from shared.pki.profiles import Holder, KeyPurpose, profile_for, subject_name

ROOT_VALIDITY = timedelta(days=365 * 20)
ISSUING_VALIDITY = timedelta(days=365 * 10)
END_ENTITY_VALIDITY = timedelta(days=365)
# Certificates are back-dated a little so a verifier whose clock lags slightly still accepts
# a certificate issued a moment ago.
BACKDATE = timedelta(minutes=5)
CA_ORGANIZATION = "Simulated National Certification Authority"


@dataclass(frozen=True)
class CaCredentials:
    certificate: x509.Certificate
    key: PrivateKey


@dataclass(frozen=True)
class CaUrls:
    """Where relying parties fetch revocation status (put into AIA and CRL distribution points)."""

    ocsp: str
    crl: str


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, CA_ORGANIZATION),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,  # the issuing CA signs OCSP responses itself
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def create_root(
    key: PrivateKey, *, common_name: str, now: datetime, validity: timedelta = ROOT_VALIDITY
) -> CaCredentials:
    name = _ca_name(common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CaCredentials(certificate, key)


def create_issuing(
    root: CaCredentials,
    key: PrivateKey,
    *,
    common_name: str,
    now: datetime,
    validity: timedelta = ISSUING_VALIDITY,
) -> CaCredentials:
    if now + validity > root.certificate.not_valid_after_utc:
        validity = root.certificate.not_valid_after_utc - now  # never outlive the root
    certificate = (
        _issued_by(root, key.public_key())
        .subject_name(_ca_name(common_name))
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .sign(root.key, hashes.SHA256())
    )
    return CaCredentials(certificate, key)


def _issued_by(issuer: CaCredentials, public_key: PublicKey) -> x509.CertificateBuilder:
    issuer_ski = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    return (
        x509.CertificateBuilder()
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski.value),
            critical=False,
        )
    )


def issue_certificate(
    issuer: CaCredentials,
    holder: Holder,
    purpose: KeyPurpose,
    public_key: PublicKey,
    *,
    serial: int,
    now: datetime,
    validity: timedelta = END_ENTITY_VALIDITY,
    urls: CaUrls | None = None,
    not_before: datetime | None = None,
) -> x509.Certificate:
    """An end-entity certificate. ``not_before`` overrides the usual start (``now`` minus a
    small back-date), which is how tests make certificates that are not yet valid."""
    start = not_before if not_before is not None else now - BACKDATE
    end = start + validity
    if end > issuer.certificate.not_valid_after_utc:
        end = issuer.certificate.not_valid_after_utc  # RFC 5280 6.1: never outlive the issuer
    profile = profile_for(holder, purpose)
    builder = (
        _issued_by(issuer, public_key)
        .subject_name(subject_name(holder))
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(profile.key_usage, critical=True)
        .add_extension(profile.extended_key_usage, critical=False)
        .add_extension(profile.policies, critical=False)
    )
    if urls is not None:
        ocsp_uri = x509.UniformResourceIdentifier(urls.ocsp)
        crl_uri = x509.UniformResourceIdentifier(urls.crl)
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [x509.AccessDescription(AuthorityInformationAccessOID.OCSP, ocsp_uri)]
            ),
            critical=False,
        ).add_extension(
            x509.CRLDistributionPoints([x509.DistributionPoint([crl_uri], None, None, None)]),
            critical=False,
        )
    return builder.sign(issuer.key, hashes.SHA256())
