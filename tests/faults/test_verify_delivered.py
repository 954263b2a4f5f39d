"""A consumer's signature check outlives the НУЦ's restart (shared.envelope.verify_delivered):
"revocation status unknown" is asked again, then handed to the bus as retryable, never taken as
a verdict on the message (the fault campaign found requests parked for good by a workstation
whose OCSP responder, the registry, was being restarted)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from shared.envelope import Envelope, VerificationUnavailable
from shared.signing import SignerIdentity, VerificationCode, VerificationResult


class Responder:
    """A verifier whose revocation answers are unknown for the first ``down`` checks."""

    def __init__(self, down: int, then: VerificationCode = VerificationCode.OK) -> None:
        self.down = down
        self.then = then
        self.calls = 0

    def verify(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        self.calls += 1
        if self.calls <= self.down:
            return VerificationResult(VerificationCode.REVOCATION_UNKNOWN, detail="refused")
        return VerificationResult(self.then, SignerIdentity("portal"))


def envelope() -> Envelope:
    return Envelope(
        message_id=uuid4(),
        correlation_id="P20191104-0000000001",
        type="request.submitted.v1",
        sender="portal",
        recipient="provider.almaty.culture",
        sent_at=datetime(2019, 11, 4, 9, tzinfo=UTC),
        body={},
        signature="x.y.z",
    )


async def test_an_unknown_revocation_status_is_asked_again_until_the_responder_answers() -> None:
    responder = Responder(down=3)

    result = await envelope().verify_delivered(responder, wait_s=5, every_s=0.01)

    assert result.ok
    assert responder.calls == 4


async def test_still_unknown_after_the_wait_is_retryable_not_a_verdict() -> None:
    responder = Responder(down=1000)

    with pytest.raises(VerificationUnavailable, match="retry later: refused"):
        await envelope().verify_delivered(responder, wait_s=0.05, every_s=0.01)


async def test_any_other_verdict_is_returned_at_once() -> None:
    responder = Responder(down=0, then=VerificationCode.CERT_REVOKED)

    result = await envelope().verify_delivered(responder, wait_s=5, every_s=0.01)

    assert result.code is VerificationCode.CERT_REVOKED
    assert responder.calls == 1
