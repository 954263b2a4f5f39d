"""What the workstation refuses from the bus (parked with the reason, nothing written), and
that a redelivered message changes nothing."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from shared.bus.port import Delivery, Message, Reject
from shared.envelope import Envelope
from tests.provider.conftest import Harness, applicant_body
from tests.provider.test_flows import CULTURE


def _delivery(envelope: Envelope, message_id: str | None = None) -> Delivery:
    raw = envelope.model_dump_json().encode()
    return Delivery(
        Message("egov.deliver", CULTURE, raw, message_id or str(envelope.message_id)),
        f"to.{CULTURE}",
        1,
        False,
    )


async def _envelope(h: Harness, sender: str = "portal", **changes: Any) -> Envelope:
    fields: dict[str, Any] = {
        "message_id": uuid4(),
        "correlation_id": str(uuid4()),
        "type": "request.submitted.v1",
        "sender": sender,
        "recipient": CULTURE,
        "service_code": "cultural_values_export",
        "sent_at": h.clock.now(),
        "body": applicant_body(),
    }
    fields.update(changes)
    return Envelope(**fields)


async def _refused(h: Harness, envelope: Envelope) -> str:
    """Parked with the reason, and nothing appended (no event, no outbox row, no claim)."""
    head = await h.store.head_position()
    with pytest.raises(Reject) as rejected:
        await h.inbox(_delivery(envelope))
    assert await h.store.head_position() == head
    assert not await h.store.is_processed("provider", str(envelope.message_id))
    return rejected.value.reason


async def test_refusals_are_parked_with_the_reason(almaty: Harness) -> None:
    h = almaty
    portal = await h.system_signer("portal")
    elsewhere = await h.system_signer("elicense")

    unsigned = await _envelope(h)
    assert "BAD_SIGNATURE" in await _refused(h, unsigned)
    impostor = (await _envelope(h)).signed(elsewhere)
    assert "not the sender" in await _refused(h, impostor)
    other_service = (await _envelope(h, service_code="archive_reference")).signed(portal)
    assert "service_not_rendered" in await _refused(h, other_service)
    no_applicant = (await _envelope(h, body={"form": {}})).signed(portal)
    assert "no_applicant" in await _refused(h, no_applicant)
    unknown_type = (await _envelope(h, type="request.cancelled.v1")).signed(portal)
    assert "not handled" in await _refused(h, unknown_type)
    mismatch = (await _envelope(h, body={**applicant_body(), "request_id": "other"})).signed(portal)
    assert "request_id_mismatch" in await _refused(h, mismatch)
    assert await h.store.read_all() == [
        e for e in await h.store.read_all() if e.stream_id.startswith("provider-staff-")
    ]


async def test_redelivery_is_a_no_op_and_a_reused_request_id_is_refused(almaty: Harness) -> None:
    h = almaty
    portal = await h.system_signer("portal")
    first = (await _envelope(h)).signed(portal)
    await h.inbox(_delivery(first))
    after_first = await h.store.head_position()
    await h.inbox(_delivery(first))  # the broker delivers it again
    assert await h.store.head_position() == after_first
    again = (await _envelope(h, correlation_id=first.correlation_id)).signed(portal)
    with pytest.raises(Reject) as duplicate:
        await h.inbox(_delivery(again))
    assert "duplicate_request" in duplicate.value.reason
