"""An in-process CA endpoint standing in for registry_svc's /ocsp and /crl."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from shared.clock import Clock
from shared.pki.ca import CaCredentials
from shared.pki.revocation import CertState, Revocation, SerialStatus, answer_ocsp, build_crl
from shared.pki.revocation_client import RevocationError
from tests.pki.conftest import CaPair


@dataclass
class FakeCaEndpoint:
    ca: CaPair
    clock: Clock
    revoked: dict[int, Revocation] = field(default_factory=dict)
    ocsp_up: bool = True
    crl_up: bool = True
    ocsp_calls: int = 0
    crl_calls: int = 0
    asked: list[str] = field(default_factory=list)  # every URL asked, in order
    # Who signs the OCSP answers: the issuing CA itself when None, else this (delegated) key.
    responder: CaCredentials | None = None

    def revoke(self, certificate: x509.Certificate, reason: x509.ReasonFlags) -> None:
        serial = certificate.serial_number
        self.revoked[serial] = Revocation(serial, self.clock.now(), reason)

    def _status(self, serial: int) -> SerialStatus:
        revocation = self.revoked.get(serial)
        if revocation is not None:
            return SerialStatus(CertState.REVOKED, revocation)
        return SerialStatus(CertState.GOOD)

    def post_ocsp(self, url: str, request_der: bytes) -> bytes:
        self.ocsp_calls += 1
        self.asked.append(url)
        if not self.ocsp_up:
            raise RevocationError(f"{url}: connection refused")
        return answer_ocsp(
            request_der,
            self.responder or self.ca.issuing,
            self._status,
            now=self.clock.now(),
            issuer=self.ca.issuing.certificate,
        )

    def get_crl(self, url: str) -> bytes:
        self.crl_calls += 1
        self.asked.append(url)
        if not self.crl_up:
            raise RevocationError(f"{url}: connection refused")
        crl = build_crl(self.ca.issuing, self.revoked.values(), now=self.clock.now(), crl_number=1)
        return crl.public_bytes(serialization.Encoding.DER)
