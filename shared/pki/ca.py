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

from shared.pki import oids
from shared.pki.keys import PrivateKey, PublicKey
from shared.pki.profiles import Holder, KeyPurpose, profile_for, subject_name

ROOT_VALIDITY = timedelta(days=365 * 20)
ISSUING_VALIDITY = timedelta(days=365 * 10)
END_ENTITY_VALIDITY = timedelta(days=365)
# The delegated OCSP responder's certificate is short-lived: it carries id-pkix-ocsp-nocheck,
# so nobody checks its revocation, and RFC 6960 4.2.2.2.1 asks for a short lifetime instead.
OCSP_RESPONDER_VALIDITY = timedelta(days=7)
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
    """Where relying parties fetch revocation status and the CA certificates (put into the
    authority information access and CRL distribution points extensions).

    ``ocsp`` and ``crl`` are the issuing CA's responder and CRL; ``issuing_certificate`` is
    where its certificate is served (caIssuers of end-entity certificates); ``root_crl`` and
    ``root_certificate`` are the root's CRL and certificate (CRL distribution point and
    caIssuers of the issuing CA's certificate). The optional ones are left out of the
    certificates when not given."""

    ocsp: str
    crl: str
    issuing_certificate: str | None = None
    root_crl: str | None = None
    root_certificate: str | None = None

    @classmethod
    def under(cls, base_url: str) -> CaUrls:
        """The routes registry_svc serves them on, below ``base_url``."""
        base = base_url.rstrip("/")
        return cls(
            ocsp=f"{base}/ocsp",
            crl=f"{base}/crl",
            issuing_certificate=f"{base}/ca/issuing.crt",
            root_crl=f"{base}/crl/root",
            root_certificate=f"{base}/ca/root.crt",
        )


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
        # A CA may sign OCSP answers itself (RFC 6960 4.2.2.2); registry_svc delegates them.
        digital_signature=True,
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
    urls: CaUrls | None = None,
) -> CaCredentials:
    """The issuing CA under ``root``. With ``urls`` its certificate names the root's CRL
    (CRL distribution point) and the root's certificate (AIA caIssuers), so a relying party
    can check the issuing CA's own revocation status (``openssl verify -crl_check_all``)."""
    if now + validity > root.certificate.not_valid_after_utc:
        validity = root.certificate.not_valid_after_utc - now  # never outlive the root
    builder = (
        _issued_by(root, key.public_key())
        .subject_name(_ca_name(common_name))
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
    )
    if urls is not None:
        builder = _with_locations(
            builder, ocsp=None, ca_issuers=urls.root_certificate, crl=urls.root_crl
        )
    return CaCredentials(builder.sign(root.key, hashes.SHA256()), key)


def _with_locations(
    builder: x509.CertificateBuilder,
    *,
    ocsp: str | None,
    ca_issuers: str | None,
    crl: str | None,
) -> x509.CertificateBuilder:
    """Authority information access (OCSP, caIssuers: RFC 5280 4.2.2.1) and the CRL
    distribution point (4.2.1.13), each left out when not given."""
    access = [
        x509.AccessDescription(method, x509.UniformResourceIdentifier(uri))
        for method, uri in (
            (AuthorityInformationAccessOID.OCSP, ocsp),
            (AuthorityInformationAccessOID.CA_ISSUERS, ca_issuers),
        )
        if uri is not None
    ]
    if access:
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    if crl is not None:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return builder


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
    profile = profile_for(holder, purpose, public_key)
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
        builder = _with_locations(
            builder, ocsp=urls.ocsp, ca_issuers=urls.issuing_certificate, crl=urls.crl
        )
    return builder.sign(issuer.key, hashes.SHA256())


def issue_ocsp_responder(
    issuer: CaCredentials,
    key: PrivateKey,
    *,
    now: datetime,
    validity: timedelta = OCSP_RESPONDER_VALIDITY,
) -> CaCredentials:
    """A delegated OCSP responder for ``issuer`` (RFC 6960 4.2.2.2): issued by that CA, with
    id-kp-OCSPSigning as its only extended key usage and id-pkix-ocsp-nocheck, so the CA's
    own key signs certificates and CRLs only, as production CAs keep it."""
    start = now - BACKDATE
    end = min(now + validity, issuer.certificate.not_valid_after_utc)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"OCSP responder of {_common_name(issuer)}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, CA_ORGANIZATION),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    certificate = (
        _issued_by(issuer, key.public_key())
        .subject_name(name)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([oids.EKU_OCSP_SIGNING]), critical=False)
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )
    return CaCredentials(certificate, key)


def _common_name(credentials: CaCredentials) -> str:
    names = credentials.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else credentials.certificate.subject.rfc4514_string()
