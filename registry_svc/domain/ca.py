"""The certification authority's state as a fold of its events (stream ``ca``).

Events never hold a private key: the log holds the certificates, the key files go only to the
holder, and the CA's own keys stay in the data directory.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from shared.pki.certinfo import identity_of, serial_hex
from shared.pki.revocation import CertState, Revocation, SerialStatus

CA_STREAM = "ca"
CA_CREATED = "CaCreated.v1"
CERTIFICATE_ISSUED = "CertificateIssued.v1"
CERTIFICATE_REVOKED = "CertificateRevoked.v1"


def der_b64(certificate: x509.Certificate) -> str:
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")


def from_der_b64(text: str) -> x509.Certificate:
    return x509.load_der_x509_certificate(base64.b64decode(text))


def ca_created(root: x509.Certificate, issuing: x509.Certificate) -> dict[str, str]:
    return {"root": der_b64(root), "issuing": der_b64(issuing)}


def certificate_issued(
    certificate: x509.Certificate, *, holder_kind: str, purpose: str, role: str | None
) -> dict[str, str | None]:
    identity = identity_of(certificate)
    return {
        "serial": serial_hex(certificate),
        "subject": identity.subject,
        "iin": identity.iin,
        "bin": identity.bin,
        "holder_kind": holder_kind,
        "role": role,
        "purpose": purpose,
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "certificate": der_b64(certificate),
    }


def certificate_revoked(serial: int, reason: x509.ReasonFlags, at: datetime) -> dict[str, str]:
    return {"serial": format(serial, "x"), "reason": reason.value, "revoked_at": at.isoformat()}


@dataclass(frozen=True)
class IssuedCertificate:
    serial: int
    subject: str
    iin: str | None
    bin: str | None
    holder_kind: str
    role: str | None
    purpose: str
    not_before: datetime
    not_after: datetime
    certificate_der_b64: str

    @property
    def certificate(self) -> x509.Certificate:
        return from_der_b64(self.certificate_der_b64)


class CaStateError(ValueError):
    """The ``ca`` stream breaks an invariant (revoking an unknown serial, a second creation)."""


@dataclass
class CaState:
    version: int = 0
    root_der_b64: str | None = None
    issuing_der_b64: str | None = None
    issued: dict[int, IssuedCertificate] = field(default_factory=dict)
    revoked: dict[int, Revocation] = field(default_factory=dict)

    def apply(self, version: int, event_type: str, data: dict[str, object]) -> None:
        if event_type == CA_CREATED:
            if self.root_der_b64 is not None:
                raise CaStateError("the CA was created twice")
            self.root_der_b64 = str(data["root"])
            self.issuing_der_b64 = str(data["issuing"])
        elif event_type == CERTIFICATE_ISSUED:
            serial = int(str(data["serial"]), 16)
            self.issued[serial] = IssuedCertificate(
                serial=serial,
                subject=str(data["subject"]),
                iin=_optional(data.get("iin")),
                bin=_optional(data.get("bin")),
                holder_kind=str(data["holder_kind"]),
                role=_optional(data.get("role")),
                purpose=str(data["purpose"]),
                not_before=datetime.fromisoformat(str(data["not_before"])),
                not_after=datetime.fromisoformat(str(data["not_after"])),
                certificate_der_b64=str(data["certificate"]),
            )
        elif event_type == CERTIFICATE_REVOKED:
            serial = int(str(data["serial"]), 16)
            if serial not in self.issued:
                raise CaStateError(f"revocation of serial {serial:x}, which was never issued")
            self.revoked[serial] = Revocation(
                serial=serial,
                revoked_at=datetime.fromisoformat(str(data["revoked_at"])),
                reason=x509.ReasonFlags(str(data["reason"])),
            )
        self.version = version

    def status(self, serial: int) -> SerialStatus:
        if serial not in self.issued:
            return SerialStatus(CertState.UNKNOWN)
        revocation = self.revoked.get(serial)
        if revocation is not None:
            return SerialStatus(CertState.REVOKED, revocation)
        return SerialStatus(CertState.GOOD)


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
