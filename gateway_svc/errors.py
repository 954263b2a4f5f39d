"""The gateway's named error codes. Every rejection and every sync fault carries one of these;
docs/gateway-errors.md gives each code's cause and what the sender should do (a test keeps the
two lists equal)."""

from __future__ import annotations

from enum import StrEnum

from shared.signing import VerificationCode


class ErrorCode(StrEnum):
    # The message itself
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
    MALFORMED_JSON = "MALFORMED_JSON"
    INVALID_ENVELOPE = "INVALID_ENVELOPE"
    # The sender's signature and certificate (the shared verifier's codes, prefixed where the
    # plain name would be ambiguous in a gateway log)
    BAD_SIGNATURE = "BAD_SIGNATURE"
    UNTRUSTED_CHAIN = "UNTRUSTED_CHAIN"
    CERT_EXPIRED = "CERT_EXPIRED"
    CERT_NOT_YET_VALID = "CERT_NOT_YET_VALID"
    CERT_REVOKED = "CERT_REVOKED"
    REVOCATION_UNKNOWN = "REVOCATION_UNKNOWN"
    WRONG_KEY_USAGE = "WRONG_KEY_USAGE"
    SENDER_MISMATCH = "SENDER_MISMATCH"
    # A signed-HTTP-request call's freshness (shared.pki.http_signing)
    REQUEST_EXPIRED = "REQUEST_EXPIRED"
    REQUEST_REPLAYED = "REQUEST_REPLAYED"
    # Who may send what to whom
    UNKNOWN_SENDER = "UNKNOWN_SENDER"
    UNKNOWN_RECIPIENT = "UNKNOWN_RECIPIENT"
    UNKNOWN_MESSAGE_TYPE = "UNKNOWN_MESSAGE_TYPE"
    ROUTE_DENIED = "ROUTE_DENIED"
    REPLAYED_MESSAGE = "REPLAYED_MESSAGE"
    # The gateway's own state
    GATEWAY_UNAVAILABLE = "GATEWAY_UNAVAILABLE"
    # Sync channel, provider side
    UNKNOWN_SERVICE = "UNKNOWN_SERVICE"
    INVALID_REQUEST = "INVALID_REQUEST"
    PROVIDER_TIMEOUT = "PROVIDER_TIMEOUT"
    PROVIDER_UNREACHABLE = "PROVIDER_UNREACHABLE"
    PROVIDER_ERROR = "PROVIDER_ERROR"
    BAD_PROVIDER_RESPONSE = "BAD_PROVIDER_RESPONSE"


class Origin(StrEnum):
    """Where a sync fault arose: the sender's message, the gateway, or the provider."""

    CLIENT = "client"
    GATEWAY = "gateway"
    PROVIDER = "provider"


_FROM_VERIFIER: dict[VerificationCode, ErrorCode] = {
    VerificationCode.BAD_SIGNATURE: ErrorCode.BAD_SIGNATURE,
    VerificationCode.UNTRUSTED_CHAIN: ErrorCode.UNTRUSTED_CHAIN,
    VerificationCode.CERT_EXPIRED: ErrorCode.CERT_EXPIRED,
    VerificationCode.CERT_NOT_YET_VALID: ErrorCode.CERT_NOT_YET_VALID,
    VerificationCode.CERT_REVOKED: ErrorCode.CERT_REVOKED,
    VerificationCode.REVOCATION_UNKNOWN: ErrorCode.REVOCATION_UNKNOWN,
    VerificationCode.WRONG_KEY_USAGE: ErrorCode.WRONG_KEY_USAGE,
    VerificationCode.SUBJECT_MISMATCH: ErrorCode.SENDER_MISMATCH,
}


def from_verification(code: VerificationCode) -> ErrorCode:
    """The gateway code for a failed verification (OK is not a failure and has none)."""
    if code is VerificationCode.OK:
        raise ValueError("OK is not a rejection")
    return _FROM_VERIFIER[code]


# Codes whose cause is on the gateway's side: the sender did nothing wrong and should retry.
GATEWAY_SIDE = frozenset({ErrorCode.GATEWAY_UNAVAILABLE, ErrorCode.REVOCATION_UNKNOWN})
PROVIDER_SIDE = frozenset(
    {
        ErrorCode.PROVIDER_TIMEOUT,
        ErrorCode.PROVIDER_UNREACHABLE,
        ErrorCode.PROVIDER_ERROR,
        ErrorCode.BAD_PROVIDER_RESPONSE,
    }
)


def origin_of(code: ErrorCode) -> Origin:
    if code in PROVIDER_SIDE:
        return Origin.PROVIDER
    if code in GATEWAY_SIDE:
        return Origin.GATEWAY
    return Origin.CLIENT


class Rejected(Exception):
    """A message the gateway refuses, with its code and a human-readable reason."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
