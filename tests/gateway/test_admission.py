"""Admission's check of the sender, without a broker: the signer's certificate must be the
sender's own information-system certificate. Only a forged identity can name a system without
being one (the НУЦ's profiles give a person an upper-case name and no system OID), so the test
signer stands in for it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from gateway_svc.admission import Admission, AdmissionRefused
from gateway_svc.errors import ErrorCode
from shared.envelope import Envelope
from shared.signing import InsecureTestSigner, InsecureTestVerifier, SignerIdentity

KEY = b"test-key-not-a-secret"


async def test_a_certificate_named_after_the_sender_but_of_no_system_is_refused() -> None:
    envelope = Envelope(
        message_id=uuid.uuid4(),
        correlation_id="r-1",
        type="request.submitted.v1",
        sender="portal",
        recipient="provider.almaty.culture",
        sent_at=datetime(2024, 3, 1, 10, 30, tzinfo=UTC),
        body={},
    ).signed(InsecureTestSigner(KEY, SignerIdentity(subject="portal")))
    admission = Admission(InsecureTestVerifier(KEY), max_bytes=64 * 1024)
    try:
        with pytest.raises(AdmissionRefused) as refused:
            await admission.authenticate(envelope.model_dump_json().encode())
    finally:
        admission.close()
    assert refused.value.refusal.code is ErrorCode.SENDER_MISMATCH
    assert "is not an information system's" in refused.value.refusal.detail
