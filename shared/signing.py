"""The Signer/Verifier seam. The envelope and result documents are signed through it.

The real implementation (detached JWS with the X.509 chain in ``x5c``, checked against the
simulated National Certification Authority) lives in ``shared.pki``. Until a service is given
one, tests use :class:`InsecureTestSigner`, whose name says what it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class VerificationCode(StrEnum):
    OK = "OK"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    UNTRUSTED_CHAIN = "UNTRUSTED_CHAIN"
    CERT_EXPIRED = "CERT_EXPIRED"
    CERT_NOT_YET_VALID = "CERT_NOT_YET_VALID"
    CERT_REVOKED = "CERT_REVOKED"
    REVOCATION_UNKNOWN = "REVOCATION_UNKNOWN"
    WRONG_KEY_USAGE = "WRONG_KEY_USAGE"
    SUBJECT_MISMATCH = "SUBJECT_MISMATCH"


@dataclass(frozen=True)
class SignerIdentity:
    """Who signed, as read from the verified certificate (or the test signer's claim)."""

    subject: str  # system id ("portal", "provider.almaty.culture") or the person's common name
    iin: str | None = None
    bin: str | None = None
    serial: str | None = None


@dataclass(frozen=True)
class VerificationResult:
    code: VerificationCode
    identity: SignerIdentity | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.code is VerificationCode.OK


class Signer(Protocol):
    @property
    def identity(self) -> SignerIdentity: ...

    def sign(self, payload: bytes) -> str:
        """Return a detached JWS (``header..signature``) over ``payload``."""
        ...


class Verifier(Protocol):
    def verify(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        """Check ``signature`` over ``payload``; with ``expected_iin``/``expected_bin``, also
        that the certificate's IIN/BIN equals it (condition 2 of every seed regulation)."""
        ...
