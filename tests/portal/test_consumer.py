"""What the portal takes off ``to.portal`` and its desks' queues, whatever the gateway did (a
queue is not a trust boundary): an envelope signed by another system than its sender, by a
person, addressed elsewhere, or of a type the portal does not take from that sender is parked
with its reason, and nothing is written, not even the inbox's claim of its message id."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from portal_svc.domain import events
from shared.bus.port import Delivery, Message, Reject
from shared.envelope import Envelope
from shared.pki.profiles import EntityRole, Individual, LegalEntitySigner
from tests.portal.conftest import ORG_BIN, World, iin
from tests.portal.test_cabinet import PROVIDER, _submitted

STATUS = {"status": "registered", "step": "register"}


def _envelope(world: World, request_id: str, **changes: Any) -> Envelope:
    fields: dict[str, Any] = {
        "message_id": uuid.uuid4(),
        "correlation_id": request_id,
        "type": "status.changed.v1",
        "sender": PROVIDER,
        "recipient": "portal",
        "service_code": "cultural_values_export",
        "sent_at": world.clock.now(),
        "body": STATUS,
    }
    fields.update(changes)
    return Envelope(**fields)


async def _refused(world: World, envelope: Envelope, queue: str = "to.portal") -> str:
    """Parked with the reason; nothing appended, the message id not claimed."""
    head = await world.store.head_position()
    raw = envelope.model_dump_json().encode()
    message = Message("egov.deliver", queue[3:], raw, str(envelope.message_id))
    with pytest.raises(Reject) as refused:
        await world.portal.inbound(Delivery(message, queue, 1, False))
    assert await world.store.head_position() == head
    assert not await world.store.is_processed("portal", str(envelope.message_id))
    return refused.value.reason


async def test_an_unsigned_status_is_parked(world: World) -> None:
    request_id, _ = await _submitted(world, 70)
    reason = await _refused(world, _envelope(world, request_id))
    assert reason == "BAD_SIGNATURE: envelope is unsigned"


async def test_a_status_signed_by_another_system_than_its_sender_is_parked(world: World) -> None:
    # E-licensing's own valid certificate on a status that says it comes from the workstation
    # the request was sent to.
    request_id, _ = await _submitted(world, 71)
    forged = _envelope(world, request_id).signed(world.systems["elicense"])
    reason = await _refused(world, forged)
    assert reason == (
        f"SENDER_MISMATCH: signed by the system 'elicense', not by the sender {PROVIDER!r}"
    )


async def test_a_status_signed_with_a_persons_certificate_is_parked(world: World) -> None:
    request_id, _ = await _submitted(world, 72)
    employee = LegalEntitySigner(
        Individual(iin(73), "Qyzmetker", "Test"), ORG_BIN, "Culture", EntityRole.EMPLOYEE
    )
    forged = _envelope(world, request_id).signed(world.issue(employee))
    assert (await _refused(world, forged)).startswith("NOT_A_SYSTEM_CERTIFICATE: ")


@pytest.mark.parametrize("recipient", ["provider.astana.archives", "elicense", "psc.almaty"])
async def test_a_status_addressed_to_a_system_the_portal_does_not_serve_is_parked(
    world: World, recipient: str
) -> None:
    # The portal receives for itself and its own desks (here psc.astana) only.
    request_id, _ = await _submitted(world, 74)
    elsewhere = _envelope(world, request_id, recipient=recipient).signed(world.systems[PROVIDER])
    reason = await _refused(world, elsewhere)
    assert reason == (
        f"WRONG_RECIPIENT: addressed to {recipient!r}; the portal receives for portal, psc.astana"
    )


@pytest.mark.parametrize(
    ("sender", "type_", "recipient"),
    [
        (PROVIDER, "request.submitted.v1", "portal"),  # statuses and results only
        ("psc.astana", "status.changed.v1", "portal"),  # a desk sends the portal nothing
        ("elicense", "status.changed.v1", "psc.astana"),  # E-licensing answers the portal only
    ],
)
async def test_a_message_the_portal_does_not_take_from_that_sender_is_parked(
    world: World, sender: str, type_: str, recipient: str
) -> None:
    request_id, _ = await _submitted(world, 75)
    envelope = _envelope(world, request_id, sender=sender, type=type_, recipient=recipient)
    reason = await _refused(world, envelope.signed(world.systems[sender]))
    assert reason == (
        f"ROUTE_NOT_TAKEN: the portal takes no {type_} from {sender!r} to {recipient!r}"
    )


async def test_a_checked_status_is_still_recorded_once(world: World) -> None:
    # The checks let the real thing through, and a copy of it changes nothing.
    request_id, _ = await _submitted(world, 76)
    envelope = _envelope(world, request_id).signed(world.systems[PROVIDER])
    raw = envelope.model_dump_json().encode()
    for transport_id in ("m-1", "m-2"):
        message = Message("egov.deliver", "portal", raw, transport_id)
        await world.portal.inbound(Delivery(message, "to.portal", 1, False))
    stream = await world.store.read_stream(events.request_stream(request_id))
    assert [e.type for e in stream].count(events.STATUS_CHANGED) == 1
