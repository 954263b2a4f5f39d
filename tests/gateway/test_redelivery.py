"""The gateway's own retry is not a replay: a forward that failed after the acceptance was
logged is resumed when the broker delivers the message again, and delivered once. A copy of a
message whose forwards are all done is a replay, whatever attempt header it carries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from gateway_svc.assembly import build_gateway
from gateway_svc.gateway import Gateway, GatewayUnavailable
from gateway_svc.messagelog import DeliveryState, Record
from gateway_svc.rules import DEFAULT_RULES
from gateway_svc.topology import DELIVER_EXCHANGE, INBOUND_EXCHANGE, INBOUND_QUEUE
from shared.bus.memory import InMemoryBus
from shared.bus.port import Delivery, Message, PublishNotConfirmed
from shared.clock import SystemClock
from shared.eventlog.factory import create_event_store
from shared.pki.jws import JwsVerifier
from shared.pki.revocation_client import RevocationChecker
from tests.gateway.conftest import SystemCert, envelope
from tests.pki.conftest import CaPair
from tests.pki.fakes import FakeCaEndpoint


class FlakyBus(InMemoryBus):
    """Fails the next ``failures`` deliveries to recipients as if the broker never confirmed;
    records what it did publish."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0
        self.published: list[Message] = []

    async def publish(self, message: Message, *, mandatory: bool = True) -> None:
        if message.exchange == DELIVER_EXCHANGE and self.failures > 0:
            self.failures -= 1
            raise PublishNotConfirmed("broker did not confirm", [message.message_id])
        await super().publish(message, mandatory=mandatory)
        self.published.append(message)


@dataclass
class Parts:
    gateway: Gateway
    bus: FlakyBus


@pytest.fixture
async def parts(tmp_path: Path, gw_ca: CaPair) -> AsyncIterator[Parts]:
    clock = SystemClock()
    verifier = JwsVerifier(
        [gw_ca.root.certificate],
        clock,
        RevocationChecker(FakeCaEndpoint(gw_ca, clock), clock, use_cache=False),
    )
    store = create_event_store("sqlite:///:memory:", clock=clock)
    await store.open()
    bus = FlakyBus()
    await bus.connect()
    gateway = build_gateway(
        store=store,
        bus=bus,
        clock=clock,
        verifier=verifier,
        rules_path=DEFAULT_RULES,
        registry=CollectorRegistry(),
    )
    await gateway.declare()  # no consumers: the test hands deliveries to the handler itself
    yield Parts(gateway, bus)
    gateway.admission.close()
    await bus.close()
    await store.close()


def delivery(raw: bytes, attempt: int) -> Delivery:
    message = Message(INBOUND_EXCHANGE, "portal", raw, "m1")
    return Delivery(message, INBOUND_QUEUE, attempt=attempt, redelivered=False)


async def test_a_failed_forward_is_resumed_on_the_next_attempt(
    parts: Parts, systems: dict[str, SystemCert]
) -> None:
    gateway = parts.gateway
    await gateway.health.check()
    env = envelope("portal", "elicense").signed(systems["portal"].signer)
    raw = env.model_dump_json().encode()
    parts.bus.failures = 1
    with pytest.raises(PublishNotConfirmed):
        await gateway.handle_inbound(delivery(raw, attempt=1))
    [state] = await gateway.log.deliveries(str(env.message_id))
    assert state.state is DeliveryState.ON_DELIVERY  # accepted, not yet delivered
    await gateway.handle_inbound(delivery(raw, attempt=2))  # the bus's retry
    [state] = await gateway.log.deliveries(str(env.message_id))
    assert state.state is DeliveryState.DELIVERED
    records = [e.record for e in await gateway.log.query_message(str(env.message_id))]
    assert Record.REJECTED not in records
    assert records.count(Record.ACCEPTED) == 1
    # A third copy on a first attempt is somebody sending it again: a replay.
    await gateway.handle_inbound(delivery(raw, attempt=1))
    rejected = [
        e
        for e in await gateway.log.query_message(str(env.message_id))
        if e.record == Record.REJECTED
    ]
    assert [e.data["code"] for e in rejected] == ["REPLAYED_MESSAGE"]


async def test_an_attempt_header_does_not_make_a_replay_of_a_delivered_message_pass(
    parts: Parts, systems: dict[str, SystemCert]
) -> None:
    gateway = parts.gateway
    await gateway.health.check()
    env = envelope("portal", "elicense").signed(systems["portal"].signer)
    raw = env.model_dump_json().encode()
    await gateway.handle_inbound(delivery(raw, attempt=1))
    # The same bytes again, published with x-egov-attempt: 2 (or redelivered) by whoever can
    # reach the inbound exchange: every forward is done, so this is a replay.
    await gateway.handle_inbound(delivery(raw, attempt=2))
    await gateway.handle_inbound(
        Delivery(Message(INBOUND_EXCHANGE, "portal", raw, "m2"), INBOUND_QUEUE, 1, True)
    )
    rejected = [
        e.data["code"]
        for e in await gateway.log.query_message(str(env.message_id))
        if e.record == Record.REJECTED
    ]
    assert rejected == ["REPLAYED_MESSAGE", "REPLAYED_MESSAGE"]
    forwarded = [m for m in parts.bus.published if m.exchange == DELIVER_EXCHANGE]
    assert [m.routing_key for m in forwarded] == ["elicense"]  # delivered once


async def test_an_unhealthy_gateway_leaves_messages_on_the_broker(
    parts: Parts, systems: dict[str, SystemCert]
) -> None:
    gateway = parts.gateway
    await parts.bus.close()  # the broker is gone
    await gateway.health.check()
    env = envelope("portal", "elicense").signed(systems["portal"].signer)
    with pytest.raises(GatewayUnavailable, match="broker"):
        await gateway.handle_inbound(delivery(env.model_dump_json().encode(), attempt=1))
    assert await gateway.log.query_message(str(env.message_id)) == []
