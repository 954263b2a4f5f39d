"""A workstation's inbox is keyed on the signed envelope's message id: a captured request
published again under a fresh AMQP message id (a property nobody signs) is not received twice."""

from __future__ import annotations

from uuid import uuid4

from provider_svc.entrypoints.consumer import workstation_inbox
from provider_svc.handlers import REQUEST_TYPE
from shared.bus.port import Delivery, Message
from shared.envelope import Envelope
from tests.provider.conftest import Harness, applicant_body
from tests.provider.test_flows import CULTURE


async def test_a_replayed_request_under_fresh_transport_ids_is_received_once(
    almaty: Harness,
) -> None:
    h = almaty
    inbox = workstation_inbox(h.service, CULTURE)
    envelope = Envelope(
        message_id=uuid4(),
        correlation_id=str(uuid4()),
        type=REQUEST_TYPE,
        sender="portal",
        recipient=CULTURE,
        service_code="cultural_values_export",
        sent_at=h.clock.now(),
        body=applicant_body(),
    ).signed(await h.system_signer("portal"))
    raw = envelope.model_dump_json().encode()
    for _ in range(3):
        message = Message("egov.deliver", CULTURE, raw, str(uuid4()))
        await inbox(Delivery(message, f"to.{CULTURE}", 1, False))
    request_id = envelope.correlation_id
    assert await h.statuses(request_id) == ["registered"]  # one status, not three
    stream = await h.stream(request_id)
    assert [e.version for e in stream] == list(range(1, len(stream) + 1))
    assert await h.store.is_processed(f"provider:{CULTURE}", str(envelope.message_id))
