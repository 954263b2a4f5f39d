"""Signing a synchronous HTTP request, and checking that a signed request is fresh.

There is no envelope around a GET, so the caller signs a small canonical description of the
request instead: method, target (path and query), the SHA-256 of the body, a timestamp and a
nonce. Binding the target stops a signature for one IIN's lookup being replayed for another's;
binding the timestamp and the nonce stops a captured call being replayed at all: the service
refuses a timestamp outside its window (REQUEST_EXPIRED) and a nonce it has already accepted
inside that window (REQUEST_REPLAYED). The nonces live in the service's own event store
(``EventStore.claim_nonce``), so a restart does not forget them and replicas share them.

Every caller signs with :func:`sign_request` (or :func:`signed_request_headers`) and every service
checks with :class:`SignedCalls`; nobody builds the signed bytes by hand.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from shared.canonical import canonical_json
from shared.signing import Signer, SignerIdentity, VerificationCode, VerificationResult

if TYPE_CHECKING:
    from starlette.requests import Request

SIGNATURE_HEADER = "X-Egov-Signature"
# The caller's system id; the gateway checks it is the signing certificate's subject.
SENDER_HEADER = "X-Egov-Sender"
# When the call was signed (RFC 3339, UTC) and a random value used once; both are signed.
TIMESTAMP_HEADER = "X-Egov-Timestamp"
NONCE_HEADER = "X-Egov-Nonce"

DEFAULT_WINDOW_S = 300
NONCE_BYTES = 16  # 128 bits: two honest calls never draw the same nonce
_MIN_NONCE_CHARS = 22  # base64url of 16 bytes, unpadded
_MAX_NONCE_CHARS = 128


def request_signing_bytes(
    method: str, target: str, body: bytes = b"", *, timestamp: str, nonce: str
) -> bytes:
    """The bytes a signed call's ``X-Egov-Signature`` covers (RFC 8785 canonical JSON)."""
    return canonical_json(
        {
            "method": method.upper(),
            "target": target,
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "timestamp": timestamp,
            "nonce": nonce,
        }
    )


def received_signing_bytes(
    method: str, target: str, body: bytes, headers: Mapping[str, str]
) -> bytes:
    """:func:`request_signing_bytes` of a received call, its timestamp and nonce read from its
    headers (empty when absent, so the signature will not verify). For a relying party that
    checks only who signed (a test double); a service checks freshness too: :class:`SignedCalls`."""
    return request_signing_bytes(
        method,
        target,
        body,
        timestamp=headers.get(TIMESTAMP_HEADER, ""),
        nonce=headers.get(NONCE_HEADER, ""),
    )


def format_timestamp(at: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, to the second (``2026-03-02T09:30:15Z``)."""
    if at.tzinfo is None:
        raise ValueError("a signed call's timestamp must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_nonce() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(NONCE_BYTES)).rstrip(b"=").decode("ascii")


def _real_now() -> datetime:
    return datetime.now(UTC)


def sign_request(
    signer: Signer,
    method: str,
    target: str,
    body: bytes = b"",
    *,
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The signature, timestamp and nonce headers of one call. Each call draws a new nonce, so
    the headers are good for one request only. The timestamp is the real time (not a simulated
    business date): freshness is about when the call was made."""
    timestamp = format_timestamp(now or _real_now())
    nonce = nonce or new_nonce()
    payload = request_signing_bytes(method, target, body, timestamp=timestamp, nonce=nonce)
    return {
        SIGNATURE_HEADER: signer.sign(payload),
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
    }


def signed_request_headers(
    signer: Signer, sender: str, method: str, target: str, body: bytes = b""
) -> dict[str, str]:
    """:func:`sign_request`'s headers plus the caller's system id (which the gateway checks
    against the signing certificate)."""
    return {**sign_request(signer, method, target, body), SENDER_HEADER: sender}


# --- the service's side -------------------------------------------------------------------------


class SignedCallRefused(Exception):
    """A signed call the service does not accept. ``code`` is SIGNATURE_MISSING (a header is
    absent), REQUEST_EXPIRED (the timestamp is malformed or outside the window),
    REQUEST_REPLAYED (the nonce was accepted before), or the verifier's code (BAD_SIGNATURE,
    CERT_REVOKED, ...) with ``verification`` set."""

    def __init__(
        self, code: str, detail: str, *, verification: VerificationResult | None = None
    ) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.verification = verification

    def answer_code(self, own: str) -> str:
        """The error code a service answers this refusal with, given its own spelling of it
        (``own``: lower case, ``signature_``-prefixed, ...). A revoked certificate is the
        exception: it is named by the verifier's code, ``CERT_REVOKED``, exactly, so that a
        client tells "this certificate is finished, get a new one" from a call it can mend the
        same way at every service (docs/security.md, "Revocation counts everywhere at once")."""
        return self.code if self.code == VerificationCode.CERT_REVOKED else own


class NonceMemory(Protocol):
    """Where a service remembers the nonces it accepted (its event store)."""

    async def claim_nonce(
        self, nonce: str, seen_at: datetime, *, forget_before: datetime
    ) -> bool: ...


VerifyDetached = Callable[[bytes, str], Awaitable[VerificationResult]]


def request_target(request: Request) -> str:
    """The target a caller signs: the path and, if any, the query."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


@dataclass(frozen=True)
class SignedCalls:
    """Checks a signed call: its headers, the timestamp's window, the signature, the nonce.

    ``verify`` is the service's own detached-signature check (chain, validity, revocation; run
    off the event loop where it may block). ``now`` is the *real* clock, never the service's
    simulated business clock: a signature's freshness is about wall time (when the bytes were
    captured), and a simulated date moved by weeks must not turn every call stale or make a
    captured one fresh again."""

    verify: VerifyDetached
    nonces: NonceMemory
    window_s: float = DEFAULT_WINDOW_S
    now: Callable[[], datetime] = _real_now

    def __post_init__(self) -> None:
        if self.window_s <= 0:
            raise ValueError(f"the signed-call window must be positive, got {self.window_s}")

    async def check(
        self, method: str, target: str, body: bytes, headers: Mapping[str, str]
    ) -> SignerIdentity:
        """The verified signer of the call, or :class:`SignedCallRefused`. The nonce is claimed
        only after the signature verifies, so unsigned junk cannot fill the nonce memory or
        burn an honest caller's nonce."""
        signature = headers.get(SIGNATURE_HEADER)
        if not signature:
            raise SignedCallRefused(
                "SIGNATURE_MISSING", f"sign the request: the {SIGNATURE_HEADER} header is missing"
            )
        timestamp = headers.get(TIMESTAMP_HEADER)
        nonce = headers.get(NONCE_HEADER)
        for name, value in ((TIMESTAMP_HEADER, timestamp), (NONCE_HEADER, nonce)):
            if not value:
                raise SignedCallRefused(
                    "REQUEST_EXPIRED",
                    f"the {name} header is missing: a signed call binds a timestamp and a nonce "
                    "so that it cannot be replayed",
                )
        assert timestamp is not None  # noqa: S101 - checked just above
        assert nonce is not None  # noqa: S101 - checked just above
        now = self.now()
        signed_at = _parse_timestamp(timestamp)
        window = timedelta(seconds=self.window_s)
        if abs(now - signed_at) > window:
            raise SignedCallRefused(
                "REQUEST_EXPIRED",
                f"{TIMESTAMP_HEADER} {timestamp} is more than {self.window_s:g} s from this "
                f"service's time {format_timestamp(now)}",
            )
        if not _MIN_NONCE_CHARS <= len(nonce) <= _MAX_NONCE_CHARS or not _is_b64url(nonce):
            raise SignedCallRefused(
                "REQUEST_EXPIRED",
                f"{NONCE_HEADER} must be at least {NONCE_BYTES} random bytes in base64url "
                f"({_MIN_NONCE_CHARS}..{_MAX_NONCE_CHARS} characters)",
            )
        payload = request_signing_bytes(method, target, body, timestamp=timestamp, nonce=nonce)
        result = await self.verify(payload, signature)
        if not result.ok or result.identity is None:
            raise SignedCallRefused(result.code.value, result.detail, verification=result)
        # A call is acceptable until signed_at + window, and signed_at may be up to a window
        # ahead of now: remember each nonce for two windows so none is forgotten while its call
        # could still pass the timestamp check.
        if not await self.nonces.claim_nonce(nonce, now, forget_before=now - 2 * window):
            raise SignedCallRefused(
                "REQUEST_REPLAYED", f"the nonce {nonce} was already used: a call is accepted once"
            )
        return result.identity

    async def check_request(self, request: Request) -> SignerIdentity:
        """:meth:`check` for a web framework request (method, path and query, body, headers)."""
        return await self.check(
            request.method, request_target(request), await request.body(), request.headers
        )


def _parse_timestamp(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or len(text) > 40:
        raise SignedCallRefused(
            "REQUEST_EXPIRED",
            f"{TIMESTAMP_HEADER} {text[:40]!r} is not an RFC 3339 time with a zone "
            "(e.g. 2026-03-02T09:30:15Z)",
        )
    return parsed


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _is_b64url(text: str) -> bool:
    return all(c in _B64URL for c in text)
