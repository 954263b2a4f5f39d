"""E-licensing's inbox is keyed on the signed envelope's message id: a captured envelope
published again under a fresh AMQP message id (a property nobody signs) changes nothing."""

from __future__ import annotations

import json

from elicense_svc.domain import events as ev
from elicense_svc.entrypoints.consumer import CONSUMER, intake_inbox
from elicense_svc.handlers import ElicenseService
from shared.bus.port import Delivery, Message
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from tests.elicense.conftest import Pki
from tests.elicense.test_app import portal_envelope


async def test_a_replayed_envelope_under_a_fresh_transport_id_is_a_duplicate(
    service: ElicenseService, store: SqliteEventStore, clock: SimulatedClock, pki: Pki
) -> None:
    inbox = intake_inbox(service)
    raw = portal_envelope(pki, "web-7", clock)
    envelope_id = json.loads(raw)["message_id"]
    await inbox(Delivery(Message("egov.deliver", "elicense", raw, "m-1"), "to.elicense", 1, False))
    [received] = [e.type for e in (await store.read_stream(ev.request_stream("web-7")))[:1]]
    for transport_id in ("m-2", "m-3", "m-4"):
        message = Message("egov.deliver", "elicense", raw, transport_id)
        await inbox(Delivery(message, "to.elicense", 1, False))
    # The registry check started by the first delivery may add its own events meanwhile; the
    # intake itself is recorded once.
    stream = await store.read_stream(ev.request_stream("web-7"))
    assert [e.type for e in stream].count(received) == 1
    assert await store.is_processed(CONSUMER, envelope_id)
    for transport_id in ("m-1", "m-2", "m-3", "m-4"):
        assert not await store.is_processed(CONSUMER, transport_id)  # no key of the inbox
