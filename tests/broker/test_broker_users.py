"""The broker permission tests: on a private RabbitMQ node, with the users egov.broker
provisions (shared.bus.permissions' grants), what a service's user may not do is refused by the
broker itself, and the gateway's path works end to end, retries and dead letters included.

The refusals are tried with plain aio-pika, as an attacker holding a service's password would,
not through the project's bus (which would not even try)."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel
from aiormq.exceptions import ChannelAccessRefused

from egov.broker import BrokerUsers, provision_users
from gateway_svc import topology
from shared.bus.permissions import grants
from shared.bus.port import Binding, Delivery, Message, QueueSpec, Reject
from shared.bus.rabbitmq import RabbitMqBus
from shared.pki.revocation_events import PKI_EXCHANGE, REVOKED_ROUTING_KEY, RevocationFeed
from tests.faults.servers import PrivateRabbitMQ

pytestmark = pytest.mark.infra

WAIT_S = 30.0  # a bound against hanging, not a speed requirement
RECIPIENTS = ("portal", "psc.astana", "elicense", "provider.almaty.culture")


class Topology:
    """One namespace on the private node: the users provisioned, the gateway's declarations
    made as the gateway's user, and a bus per service connected as its own user."""

    def __init__(self, node: PrivateRabbitMQ, namespace: str, urls: dict[str, str]) -> None:
        self.node = node
        self.ns = namespace
        self.urls = urls
        self.buses: dict[str, RabbitMqBus] = {}

    async def bus(self, service: str) -> RabbitMqBus:
        if service not in self.buses:
            bus = RabbitMqBus(
                self.urls[service],
                namespace=self.ns,
                connection_name=f"{self.ns}{service}",
                grants=grants(service, self.ns),
            )
            await bus.connect()
            self.buses[service] = bus
        return self.buses[service]

    @asynccontextmanager
    async def channel(self, service: str) -> AsyncIterator[AbstractChannel]:
        connection = await aio_pika.connect(self.urls[service])
        try:
            yield await connection.channel(publisher_confirms=True, on_return_raises=False)
        finally:
            await connection.close()

    async def refused(
        self, service: str, action: Callable[[AbstractChannel], Awaitable[object]]
    ) -> str:
        """Run ``action`` on a fresh channel as ``service``'s user; the broker must refuse
        it (ACCESS_REFUSED). Returns the broker's message."""
        async with self.channel(service) as channel:
            with pytest.raises(ChannelAccessRefused) as refusal:
                await action(channel)
        return str(refusal.value)

    async def allowed(
        self, service: str, action: Callable[[AbstractChannel], Awaitable[object]]
    ) -> None:
        async with self.channel(service) as channel:
            await action(channel)

    async def consumers(self, service: str, queue: str) -> int:
        """How many consumers the broker counts on ``queue`` (a passive declaration's
        answer, asked as ``service``)."""
        async with self.channel(service) as channel:
            declared = await channel.declare_queue(queue, passive=True)
            return int(declared.declaration_result.consumer_count or 0)

    async def close(self) -> None:
        for bus in self.buses.values():
            await bus.close()


@pytest.fixture
async def stack(private_broker: PrivateRabbitMQ, tmp_path: Path) -> AsyncIterator[Topology]:
    namespace = f"t{uuid.uuid4().hex[:10]}."
    urls = await provision_users(
        tmp_path, BrokerUsers(private_broker.admin_url, private_broker.url, namespace)
    )
    topo = Topology(private_broker, namespace, urls)
    gateway = await topo.bus("gateway")
    # What Gateway.declare does, as the gateway's own user: its exchanges and queues, and
    # every recipient's queue bound to the delivery exchange.
    for exchange in (
        topology.INBOUND_EXCHANGE,
        topology.REGIONAL_EXCHANGE,
        topology.DELIVER_EXCHANGE,
        topology.STATUS_EXCHANGE,
    ):
        await gateway.declare_exchange(exchange)
    await gateway.declare_queue(
        QueueSpec(topology.INBOUND_QUEUE, [Binding(topology.INBOUND_EXCHANGE, "#")])
    )
    for system in RECIPIENTS:
        await gateway.declare_queue(recipient_spec(system))
    try:
        yield topo
    finally:
        await topo.close()


def recipient_spec(system: str, **policy: int) -> QueueSpec:
    """The recipient's queue as both the gateway and the recipient declare it."""
    return QueueSpec(
        topology.recipient_queue(system),
        bindings=[Binding(topology.DELIVER_EXCHANGE, system)],
        **policy,
    )


async def until(check: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    for _ in range(int(WAIT_S / 0.05)):
        answer = check()
        if await answer if inspect.isawaitable(answer) else answer:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"timed out waiting for: {what}")


def amqp(body: bytes = b"{}") -> aio_pika.Message:
    return aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)


async def publish(channel: AbstractChannel, exchange: str, key: str) -> object:
    if not exchange:
        return await channel.default_exchange.publish(amqp(), routing_key=key)
    target = await channel.get_exchange(exchange, ensure=False)
    return await target.publish(amqp(), routing_key=key)


async def test_a_service_cannot_put_a_message_into_another_services_queue(stack: Topology) -> None:
    ns = stack.ns
    elicense_queue = ns + topology.recipient_queue("elicense")
    # By the queue's name through the default exchange: refused as amq.default.
    said = await stack.refused("portal", lambda ch: publish(ch, "", elicense_queue))
    assert "amq.default" in said
    # Through the exchange the bus moves elicense's retries and dead letters with.
    await stack.refused(
        "portal", lambda ch: publish(ch, f"{elicense_queue}.transit", elicense_queue)
    )
    # Straight to the delivery, regional or status exchange, bypassing the gateway.
    for exchange in (
        topology.DELIVER_EXCHANGE,
        topology.REGIONAL_EXCHANGE,
        topology.STATUS_EXCHANGE,
    ):
        said = await stack.refused("portal", lambda ch, x=exchange: publish(ch, ns + x, "elicense"))
        assert ns + exchange in said
    # Nor into the gateway's own inbound queue by name, skipping the exchange's topic check.
    await stack.refused("provider", lambda ch: publish(ch, "", ns + topology.INBOUND_QUEUE))


async def test_a_service_publishes_to_the_gateway_only_under_its_own_system_ids(
    stack: Topology,
) -> None:
    inbound = stack.ns + topology.INBOUND_EXCHANGE
    for service, own, other in (
        ("portal", ["portal", "psc.astana"], "elicense"),
        ("elicense", ["elicense"], "portal"),
        ("provider", ["provider.almaty.culture", "provider.akmola.culture"], "psc.astana"),
        ("registry", ["registry"], "provider.almaty.culture"),
    ):
        for key in own:
            await stack.allowed(service, lambda ch, k=key: publish(ch, inbound, k))
        said = await stack.refused(service, lambda ch, k=other: publish(ch, inbound, k))
        assert f"topic '{other}'" in said, said
    # The gateway sends nothing inbound.
    await stack.refused("gateway", lambda ch: publish(ch, inbound, "portal"))


async def test_a_service_cannot_consume_another_services_queue(stack: Topology) -> None:
    ns = stack.ns

    async def take(channel: AbstractChannel, queue: str) -> object:
        declared = await channel.declare_queue(ns + queue, passive=True)
        return await declared.get(fail=False)

    for thief, queue in (
        ("portal", topology.recipient_queue("elicense")),
        ("portal", topology.recipient_queue("elicense") + ".dlq"),
        ("elicense", topology.recipient_queue("psc.astana")),
        ("provider", topology.INBOUND_QUEUE),
        # The gateway delivers to the recipients' queues; it does not read them.
        ("gateway", topology.recipient_queue("portal")),
    ):
        said = await stack.refused(thief, lambda ch, q=queue: take(ch, q))
        assert f"queue '{ns}{queue}'" in said, said
    await stack.allowed("elicense", lambda ch: take(ch, topology.recipient_queue("elicense")))


async def test_a_service_cannot_bind_its_queue_to_the_delivery_exchange(stack: Topology) -> None:
    ns = stack.ns

    async def bind(channel: AbstractChannel, queue: str, exchange: str, key: str) -> object:
        declared = await channel.declare_queue(ns + queue, passive=True)
        return await declared.bind(ns + exchange, key)

    own = topology.recipient_queue("portal")
    for key in ("#", "elicense", "portal"):
        said = await stack.refused(
            "portal", lambda ch, k=key: bind(ch, own, topology.DELIVER_EXCHANGE, k)
        )
        assert f"exchange '{ns}{topology.DELIVER_EXCHANGE}'" in said
    # Nor to what the others send the gateway, nor with another key on the НУЦ's exchange.
    await stack.refused("portal", lambda ch: bind(ch, own, topology.INBOUND_EXCHANGE, "#"))
    await stack.refused("portal", lambda ch: bind(ch, own, PKI_EXCHANGE, "#"))
    await stack.allowed("portal", lambda ch: bind(ch, own, PKI_EXCHANGE, REVOKED_ROUTING_KEY))

    # And it cannot make itself a queue of another name to bind somewhere.
    async def spy(channel: AbstractChannel) -> object:
        return await channel.declare_queue(ns + "to.portal-spy", durable=True)

    await stack.refused("portal", spy)


async def test_only_the_registry_announces_revocations(stack: Topology) -> None:
    pki = stack.ns + PKI_EXCHANGE
    await stack.allowed("registry", lambda ch: publish(ch, pki, REVOKED_ROUTING_KEY))
    await stack.refused("registry", lambda ch: publish(ch, pki, "pki.other"))
    for service in ("portal", "gateway", "elicense", "provider"):
        await stack.refused(service, lambda ch: publish(ch, pki, REVOKED_ROUTING_KEY))


async def test_every_service_declares_and_consumes_its_own_queues_as_its_user(
    stack: Topology,
) -> None:
    """The services' own declarations pass under their users: the exchanges they may not
    configure are there (provisioning), the delivery binding is left to the gateway, and each
    process's pki.revoked listener binds and consumes (shared.pki.revocation_events)."""
    own = {
        "portal": ["portal", "psc.astana"],
        "elicense": ["elicense"],
        "provider": ["provider.almaty.culture"],
    }
    for service, systems in own.items():
        bus = await stack.bus(service)
        await bus.declare_exchange(topology.INBOUND_EXCHANGE)
        await bus.declare_exchange(topology.DELIVER_EXCHANGE)
        for system in systems:
            await bus.declare_queue(recipient_spec(system))
    for service in ("portal", "gateway", "elicense", "registry", "provider"):
        feed = RevocationFeed(await stack.bus(service), lambda: None, service=service)
        await feed.start()  # a refusal would only be logged, and retried in the background
        try:
            listening = await stack.consumers(service, stack.ns + feed.queue)
            assert listening == 1, f"{service}: no listener"
        finally:
            await feed.stop()


async def test_a_message_goes_portal_gateway_recipient_with_retry_and_dead_letter(
    stack: Topology,
) -> None:
    """Portal publishes to the inbound exchange as itself; the gateway consumes it and
    delivers it; elicense consumes it as itself: a failure goes through elicense's delay
    queue and comes back, a Reject parks it in elicense's dead-letter queue, from where it
    can be browsed and re-driven, all under the restricted users."""
    portal, gateway, elicense = [await stack.bus(s) for s in ("portal", "gateway", "elicense")]
    spec = recipient_spec("elicense", backoff_base_ms=50, max_attempts=3)
    for bus in (gateway, elicense):  # fast retries here; the recipient declares as the gateway
        await bus.declare_queue(spec)

    async def forward(delivery: Delivery) -> None:
        message = delivery.message
        await gateway.publish(
            Message(topology.DELIVER_EXCHANGE, "elicense", message.body, message.message_id)
        )

    seen: list[Delivery] = []

    async def intake(delivery: Delivery) -> None:
        seen.append(delivery)
        if delivery.message.message_id == "retried" and delivery.attempt == 1:
            raise RuntimeError("not yet")
        if delivery.message.message_id == "refused":
            raise Reject("elicense does not take this")

    consumers = [
        await gateway.consume(topology.INBOUND_QUEUE, forward),
        await elicense.consume(spec.name, intake),
    ]
    try:
        for message_id in ("retried", "refused"):
            await portal.publish(
                Message(topology.INBOUND_EXCHANGE, "portal", b'{"n": 1}', message_id)
            )

        async def parked_and_retried() -> bool:
            return len(seen) >= 3 and len(await elicense.dead_letters(spec.name)) == 1

        await until(parked_and_retried, "one message retried, one parked")
        attempts = [(d.message.message_id, d.attempt) for d in seen]
        assert sorted(attempts) == [("refused", 1), ("retried", 1), ("retried", 2)]
        assert all(d.message.exchange == topology.DELIVER_EXCHANGE for d in seen)
        [parked] = await elicense.dead_letters(spec.name)
        assert (parked.message.message_id, parked.reason) == (
            "refused",
            "elicense does not take this",
        )
        assert parked.message.body == b'{"n": 1}'
        # Re-driven through elicense's own transit exchange: back at the consumer, attempt 1.
        # (limit=1: the consumer rejects it again at once, and would park it anew.)
        assert await elicense.redrive(spec.name, limit=1) == 1
        await until(lambda: len(seen) >= 4, "the re-driven message")
        assert (seen[3].message.message_id, seen[3].attempt) == ("refused", 1)
    finally:
        for consumer in consumers:
            await consumer.stop(grace_s=5)
