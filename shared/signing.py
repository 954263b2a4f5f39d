"""The Signer/Verifier seam. The envelope and result documents are signed through it.

The real implementation (detached JWS with the X.509 chain in ``x5c``, checked against the
simulated National Certification Authority) lives in ``shared.pki``. Until a service is given
one, tests use :class:`InsecureTestSigner`, whose name says what it is.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
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
    # The certificate's EKU and policy OIDs (dotted), which say what kind of holder this is
    # and which roles it has (shared.authz reads them); empty for a test signer's claim.
    oids: frozenset[str] = frozenset()


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
        """Check ``signature`` (a detached JWS: envelopes, signed calls) over ``payload``; with
        ``expected_iin``/``expected_bin``, also that the certificate's IIN/BIN equals it
        (condition 2 of every seed regulation)."""
        ...

    def verify_document(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        """:meth:`verify` for a person's signature over a document (a request, a login
        challenge, a result document, a permit), which may also be a CMS SignedData: the
        signature NCALayer (or ``egov signer``) makes in a browser. Same checks, same codes."""
        ...


# --- test-only signing ------------------------------------------------------------------------
#
# HMAC with a shared key: anyone who can verify can also forge, so this proves nothing about who
# signed. It exists so that envelopes can be signed and checked in tests before a service has
# its certificate; the names say so, and production code paths never build one.

_TEST_ALG = "HS256"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _test_mac(key: bytes, header_b64: str, payload: bytes) -> bytes:
    # RFC 7515 signing input: BASE64URL(header) '.' BASE64URL(payload); the payload is detached
    # (RFC 7515 appendix F), so the compact form is "header..signature".
    signing_input = f"{header_b64}.{_b64url(payload)}".encode("ascii")
    return hmac.new(key, signing_input, hashlib.sha256).digest()


@dataclass(frozen=True)
class InsecureTestSigner:
    """Detached-JWS-shaped HMAC-SHA256 signer for tests. Not a signature: see above."""

    key: bytes
    claimed: SignerIdentity

    @property
    def identity(self) -> SignerIdentity:
        return self.claimed

    def sign(self, payload: bytes) -> str:
        header = {"alg": _TEST_ALG, "sub": self.claimed.subject}
        if self.claimed.iin is not None:
            header["iin"] = self.claimed.iin
        if self.claimed.bin is not None:
            header["bin"] = self.claimed.bin
        header_b64 = _b64url(json.dumps(header, sort_keys=True).encode())
        return f"{header_b64}..{_b64url(_test_mac(self.key, header_b64, payload))}"


@dataclass(frozen=True)
class InsecureTestVerifier:
    """Checks :class:`InsecureTestSigner` signatures made with the same key."""

    key: bytes

    def verify(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        parts = signature.split(".")
        if len(parts) != 3 or parts[1] != "":
            return _bad("not a detached JWS (expected 'header..signature')")
        header_b64, _, mac_b64 = parts
        try:
            header = json.loads(_b64url_decode(header_b64))
            mac = _b64url_decode(mac_b64)
        except (ValueError, UnicodeDecodeError) as exc:
            return _bad(f"malformed signature: {exc}")
        if not isinstance(header, dict) or header.get("alg") != _TEST_ALG:
            return _bad(f"test verifier accepts only alg {_TEST_ALG}")
        if not hmac.compare_digest(mac, _test_mac(self.key, header_b64, payload)):
            return _bad("signature does not match the payload")
        identity = SignerIdentity(
            subject=str(header.get("sub", "")), iin=header.get("iin"), bin=header.get("bin")
        )
        if expected_iin is not None and identity.iin != expected_iin:
            return VerificationResult(
                VerificationCode.SUBJECT_MISMATCH, identity, "IIN differs from the signer's"
            )
        if expected_bin is not None and identity.bin != expected_bin:
            return VerificationResult(
                VerificationCode.SUBJECT_MISMATCH, identity, "BIN differs from the signer's"
            )
        return VerificationResult(VerificationCode.OK, identity)

    def verify_document(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        """The test signer makes no CMS: the same check as :meth:`verify`."""
        return self.verify(payload, signature, expected_iin=expected_iin, expected_bin=expected_bin)


def _bad(detail: str) -> VerificationResult:
    return VerificationResult(VerificationCode.BAD_SIGNATURE, detail=detail)


async def verify_off_loop(
    verifier: Verifier,
    payload: bytes,
    signature: str,
    *,
    expected_iin: str | None = None,
    expected_bin: str | None = None,
    document: bool = False,
) -> VerificationResult:
    """:meth:`Verifier.verify` (with ``document``, :meth:`Verifier.verify_document`: a person's
    signature over a document, JWS or CMS) from async code. Verification may ask an OCSP
    responder or fetch a CRL over blocking HTTP (shared.pki.revocation_client), which must not
    stall the event loop: it runs on a worker thread (the verifier and its caches are safe to
    share between threads, docs/pki.md)."""
    check = verifier.verify_document if document else verifier.verify
    return await asyncio.to_thread(
        check, payload, signature, expected_iin=expected_iin, expected_bin=expected_bin
    )


async def verify_delivered(
    verifier: Verifier,
    payload: bytes,
    signature: str,
    *,
    expected_iin: str | None = None,
    expected_bin: str | None = None,
    document: bool = False,
    wait_s: float = 30.0,
    every_s: float = 1.0,
) -> VerificationResult:
    """:func:`verify_off_loop` for a consumer of delivered messages. REVOCATION_UNKNOWN says
    nothing about the signature: the НУЦ's responder did not answer (it is restarting, the
    network is down). Such a message must be retried, never parked as a bad one, so the check
    is repeated every ``every_s`` for up to ``wait_s`` seconds and then
    :class:`VerificationUnavailable` is raised, which the bus retries with backoff. Any other
    result is returned as it is. (The fault tests, tests/faults/, found requests parked for good
    by a workstation while the registry was being restarted.)"""
    deadline = time.monotonic() + wait_s
    while True:
        result = await verify_off_loop(
            verifier,
            payload,
            signature,
            expected_iin=expected_iin,
            expected_bin=expected_bin,
            document=document,
        )
        if result.code is not VerificationCode.REVOCATION_UNKNOWN:
            return result
        if time.monotonic() >= deadline:
            raise VerificationUnavailable(result.detail)
        await asyncio.sleep(every_s)


class VerificationUnavailable(Exception):
    """A delivered message's signature cannot be checked now (revocation status unknown); not
    a verdict on the message: retry it later."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"revocation status unknown, retry later: {detail}")
        self.detail = detail
