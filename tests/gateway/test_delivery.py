"""Status fan-out, delivery states, parked messages and their re-drive (real broker and
database)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from gateway_svc.gateway import GatewayOptions
from gateway_svc.messagelog import DeliveryState, Record
from gateway_svc.topology import DELIVER_EXCHANGE, STATUS_EXCHANGE, recipient_queue
from shared.bus.port import Binding, Delivery, Message, QueueSpec
from tests.gateway.conftest import Harness, SystemCert, envelope, make_harness
from tests.pki.conftest import CaPair
from tests.pki.fakes import FakeCaEndpoint

pytestmark = pytest.mark.infra

ARCHIVES = "provider.astana.archives"


async def _len_at_least(box: list[Message], n: int) -> bool:
    return len(box) >= n


async def test_status_notification_fans_out_with_the_original_signature(
    harness: Harness, systems: dict[str, SystemCert]
) -> None:
    # A downstream subscriber of the public exchange, interested in one service's statuses.
    await harness.bus.declare_queue(
        QueueSpec("subscriber", bindings=[Binding(STATUS_EXCHANGE, "archive_reference.*")])
    )
    public = await harness.listen("subscriber")
    portal = await harness.listen(recipient_queue("portal"))
    desk = await harness.listen(recipient_queue("psc.astana"))
    # Seed 004: the provider's status goes to the portal and to the ЦОН desk the request was
    # filed at.
    env = envelope(
        ARCHIVES,
        "portal",
        type_="status.changed.v1",
        service_code="archive_reference",
        body={"status": "in_progress", "psc_desk": "psc.astana"},
    ).signed(systems[ARCHIVES].signer)
    raw = env.model_dump_json().encode()
    await harness.send(raw, sender=ARCHIVES)
    for box in (public, portal, desk):
        await harness.wait_for(lambda box=box: _len_at_least(box, 1), "fan-out")
    assert public[0].routing_key == "archive_reference.in_progress"
    assert public[0].body == raw  # byte for byte: the provider's signature still verifies
    assert json.loads(desk[0].body)["signature"] == env.signature
    # ON_DELIVERY for both, then DELIVERED for both (written after the broker's confirm).
    await harness.wait_records(str(env.message_id), Record.DELIVERY, count=4)
    states = {
        d.recipient: d.state for d in await harness.gateway.log.deliveries(str(env.message_id))
    }
    assert states == {"portal": DeliveryState.DELIVERED, "psc.astana": DeliveryState.DELIVERED}
    [accepted] = await harness.wait_records(str(env.message_id), Record.ACCEPTED)
    assert accepted.data["status_key"] == "archive_reference.in_progress"


async def test_notification_without_a_status_is_refused(
    harness: Harness, systems: dict[str, SystemCert]
) -> None:
    env = envelope(
        ARCHIVES, "portal", type_="status.changed.v1", service_code="archive_reference", body={}
    ).signed(systems[ARCHIVES].signer)
    await harness.send(env.model_dump_json().encode(), sender=ARCHIVES)
    [record] = await harness.wait_records(str(env.message_id), Record.REJECTED)
    assert record.data["code"] == "INVALID_ENVELOPE"


@pytest.fixture
async def bare_harness(
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    ca_endpoint: FakeCaEndpoint,
    gw_ca: CaPair,
) -> AsyncIterator[Harness]:
    """A gateway that declares no recipient queues: nobody is listening for anyone yet."""
    h, close = await make_harness(
        pg_dsn=pg_dsn,
        pg_schema=pg_schema,
        amqp_url=amqp_url,
        namespace=unique_name,
        ca_endpoint=ca_endpoint,
        gw_ca=gw_ca,
        options=GatewayOptions(declare_recipient_queues=False, inbound_backoff_max_ms=500),
    )
    try:
        yield h
    finally:
        await close()


async def test_undeliverable_message_is_parked_then_redriven(
    bare_harness: Harness, systems: dict[str, SystemCert]
) -> None:
    h = bare_harness
    env = envelope("portal", "elicense").signed(systems["portal"].signer)
    mid = str(env.message_id)
    await h.send(env.model_dump_json().encode())

    async def parked() -> bool:
        return any(d.message_id == mid for d in await h.gateway.log.parked())

    await h.wait_for(parked, "parked")
    [entry] = [d for d in await h.gateway.log.parked() if d.message_id == mid]
    assert entry.recipient == "elicense"
    assert "no queue" in entry.reason
    # The recipient comes up; an admin re-drives.
    await h.bus.declare_queue(QueueSpec("late", bindings=[Binding(DELIVER_EXCHANGE, "elicense")]))
    box: list[Message] = []

    async def collect(delivery: Delivery) -> None:
        box.append(delivery.message)

    await h.bus.consume("late", collect)
    assert await h.gateway.redrive(mid, "elicense") is DeliveryState.DELIVERED
    await h.wait_for(lambda: _len_at_least(box, 1), "re-driven delivery")
    assert json.loads(box[0].body)["message_id"] == mid
    assert await h.gateway.log.parked() == []
    states = [e.data["state"] for e in await h.records(mid) if e.record == Record.DELIVERY]
    assert states == ["ON_DELIVERY", "NOT_DELIVERED", "DELIVERED"]
    with pytest.raises(LookupError):
        await h.gateway.redrive(mid, "elicense")


async def test_a_parked_message_can_be_stopped(
    bare_harness: Harness, systems: dict[str, SystemCert]
) -> None:
    h = bare_harness
    env = envelope("portal", "elicense").signed(systems["portal"].signer)
    mid = str(env.message_id)
    await h.send(env.model_dump_json().encode())

    async def parked() -> bool:
        return any(d.message_id == mid for d in await h.gateway.log.parked())

    await h.wait_for(parked, "parked")
    await h.gateway.stop_delivery(mid, "elicense", "recipient decommissioned")
    [delivery] = await h.gateway.log.deliveries(mid)
    assert delivery.state is DeliveryState.DELIVERY_STOPPED
    assert delivery.reason == "recipient decommissioned"
    assert await h.gateway.log.parked() == []
