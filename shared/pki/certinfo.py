"""Reading a holder's identity back out of a certificate shaped by :mod:`shared.pki.profiles`."""

from __future__ import annotations

from cryptography import x509
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


def identity_of(certificate: x509.Certificate) -> SignerIdentity:
    subject = certificate.subject
    return SignerIdentity(
        subject=_single(subject, NameOID.COMMON_NAME) or subject.rfc4514_string(),
        iin=_prefixed(_single(subject, NameOID.SERIAL_NUMBER), "IIN"),
        bin=_prefixed(_single(subject, NameOID.ORGANIZATIONAL_UNIT_NAME), "BIN"),
        serial=serial_hex(certificate),
    )
