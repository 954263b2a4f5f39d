"""Reading a holder's identity back out of a certificate shaped by :mod:`shared.pki.profiles`."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

from shared.signing import SignerIdentity


def _single(name: x509.Name, oid: ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _prefixed(value: str | None, prefix: str) -> str | None:
    # НУЦ writes the IIN as SERIALNUMBER=IIN<12 digits> and the BIN as OU=BIN<12 digits>.
    if value is not None and value.startswith(prefix) and value[len(prefix) :].isdigit():
        return value[len(prefix) :]
    return None


def serial_hex(certificate: x509.Certificate) -> str:
    return format(certificate.serial_number, "x")


def certificate_oids(certificate: x509.Certificate) -> frozenset[str]:
    """The EKU OIDs (purposes, НУЦ's holder types, the simulator's roles) and the policy OIDs."""
    found: set[str] = set()
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        found.update(oid.dotted_string for oid in usages)
    except x509.ExtensionNotFound:
        pass
    try:
        policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies).value
        found.update(p.policy_identifier.dotted_string for p in policies)
    except x509.ExtensionNotFound:
        pass
    return frozenset(found)


def identity_of(certificate: x509.Certificate) -> SignerIdentity:
    subject = certificate.subject
    return SignerIdentity(
        subject=_single(subject, NameOID.COMMON_NAME) or subject.rfc4514_string(),
        iin=_prefixed(_single(subject, NameOID.SERIAL_NUMBER), "IIN"),
        bin=_prefixed(_single(subject, NameOID.ORGANIZATIONAL_UNIT_NAME), "BIN"),
        serial=serial_hex(certificate),
        oids=certificate_oids(certificate),
    )


def public_key_bits(certificate: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING's value: for EC the uncompressed point, for RSA the
    PKCS#1 DER (what OCSP's CertID issuerKeyHash and ResponderID byKey hash, RFC 6960)."""
    public = certificate.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        return public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    if isinstance(public, rsa.RSAPublicKey):
        return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    raise TypeError(f"unsupported key type {type(public).__name__}")
