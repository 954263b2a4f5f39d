"""The envelope every inter-system message travels in, and what its signature covers.

The signature is computed over the RFC 8785 canonical JSON of the envelope without its
``signature`` field (:meth:`Envelope.signing_bytes`), so it survives any re-encoding on the way:
key order, whitespace, number spelling. Any change to any other field breaks it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    JsonValue,
    StringConstraints,
    field_validator,
)

from shared import correlation
from shared.canonical import canonical_json
from shared.clock import as_utc
from shared.eventlog.port import OutboxMessage
from shared.signing import (
    Signer,
    VerificationCode,
    VerificationResult,
    Verifier,
    verify_delivered,
    verify_off_loop,
)
from shared.signing import (  # raised by Envelope.verify_delivered; re-exported for its callers
    VerificationUnavailable as VerificationUnavailable,
)

# "<name>.<name>...v<N>": at least two lower-case words, then the version (routing keys are
# built from it, so no upper case, spaces or wildcards).
TYPE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v[1-9][0-9]*$"
# A system id: "portal", "elicense", "provider.almaty.culture" (dot-separated words).
SYSTEM_ID_PATTERN = r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$"
_TYPE = re.compile(TYPE_PATTERN)
_SYSTEM_ID = re.compile(SYSTEM_ID_PATTERN)


def _check_type(value: str) -> str:
    if not _TYPE.fullmatch(value):
        raise ValueError(
            f"message type must be dotted lower-case words ending in a version, "
            f"e.g. 'request.submitted.v1'; got {value!r}"
        )
    return value


def _check_system_id(value: str) -> str:
    if not _SYSTEM_ID.fullmatch(value) or len(value) > 128:
        raise ValueError(
            "system id must be dot-separated lower-case words (letters, digits, '_', '-'), "
            f"e.g. 'portal' or 'provider.almaty.culture'; got {value!r}"
        )
    return value


def _check_correlation(value: str) -> str:
    return correlation.check(value, "correlation/causation id")


MessageType = Annotated[str, AfterValidator(_check_type)]
SystemId = Annotated[str, AfterValidator(_check_system_id)]
CorrelationId = Annotated[str, AfterValidator(_check_correlation)]
ServiceCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    message_id: UUID
    correlation_id: CorrelationId  # the request's id, the same across its whole journey
    causation_id: CorrelationId | None = None  # the message this one answers or follows from
    type: MessageType
    sender: SystemId
    recipient: SystemId
    service_code: ServiceCode | None = None
    sent_at: AwareDatetime
    body: dict[str, JsonValue]
    signature: str | None = None

    @field_validator("sent_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # One spelling of one instant: +05:00 and Z for the same moment would sign differently.
        return as_utc(value, "sent_at")

    @field_validator("body")
    @classmethod
    def _canonicalizable(cls, value: dict[str, JsonValue]) -> dict[str, JsonValue]:
        canonical_json(value)  # refuse NaN, infinities, unsafe integers now, not at signing
        return value

    def signing_bytes(self) -> bytes:
        """RFC 8785 canonical JSON of the envelope without ``signature``: what is signed."""
        return canonical_json(self.model_dump(mode="json", exclude={"signature"}))

    def signed(self, signer: Signer) -> Envelope:
        """A copy carrying ``signer``'s signature over :meth:`signing_bytes`."""
        return self.model_copy(update={"signature": signer.sign(self.signing_bytes())})

    def verify(
        self,
        verifier: Verifier,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        """Check the signature; a missing one is :attr:`VerificationCode.BAD_SIGNATURE`."""
        if not self.signature:
            return VerificationResult(VerificationCode.BAD_SIGNATURE, detail="envelope is unsigned")
        return verifier.verify(
            self.signing_bytes(),
            self.signature,
            expected_iin=expected_iin,
            expected_bin=expected_bin,
        )

    async def verify_off_loop(
        self,
        verifier: Verifier,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        """:meth:`verify` from async code, on a worker thread (see
        :func:`shared.signing.verify_off_loop`)."""
        if not self.signature:
            return VerificationResult(VerificationCode.BAD_SIGNATURE, detail="envelope is unsigned")
        return await verify_off_loop(
            verifier,
            self.signing_bytes(),
            self.signature,
            expected_iin=expected_iin,
            expected_bin=expected_bin,
        )

    async def verify_delivered(
        self, verifier: Verifier, *, wait_s: float = 30.0, every_s: float = 1.0
    ) -> VerificationResult:
        """:func:`shared.signing.verify_delivered` of this envelope: REVOCATION_UNKNOWN is
        asked again for up to ``wait_s`` seconds, then :class:`VerificationUnavailable` is
        raised (the bus retries it); any other result is returned as it is."""
        if not self.signature:
            return VerificationResult(VerificationCode.BAD_SIGNATURE, detail="envelope is unsigned")
        return await verify_delivered(
            verifier, self.signing_bytes(), self.signature, wait_s=wait_s, every_s=every_s
        )


# Every system hands its messages to the gateway here, with its own system id as routing key
# (ARCHITECTURE.md: no service talks to another directly).
GATEWAY_INBOUND_EXCHANGE = "egov.gateway.in"


def to_gateway(envelope: Envelope, *, exchange: str = GATEWAY_INBOUND_EXCHANGE) -> OutboxMessage:
    """The outbox row that sends a signed ``envelope`` to the gateway (published by the relay
    with the events that caused it)."""
    return OutboxMessage(
        message_id=str(envelope.message_id),
        exchange=exchange,
        routing_key=envelope.sender,
        body=envelope.model_dump_json().encode(),
        headers={"type": envelope.type, "correlation_id": envelope.correlation_id},
    )
