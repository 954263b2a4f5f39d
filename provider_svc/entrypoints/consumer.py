"""Bus -> inbox -> command: each workstation consumes its delivery queue ``to.<system id>``
(declared here with the gateway's own spec, so either side may start first) through an
idempotent inbox, one consumer name per workstation."""

from __future__ import annotations

from collections.abc import Callable

from provider_svc.domain.workstations import WORKSTATIONS
from provider_svc.handlers import ProviderService
from shared.bus.port import Binding, Bus, Consumer, Delivery, QueueSpec
from shared.envelope import GATEWAY_INBOUND_EXCHANGE
from shared.inbox import Effects, InboxConsumer, envelope_message_id

DELIVER_EXCHANGE = "egov.deliver"  # gateway_svc/topology.py


def recipient_queue(system_id: str) -> str:
    return f"to.{system_id}"


def queue_spec(system_id: str) -> QueueSpec:
    return QueueSpec(recipient_queue(system_id), bindings=[Binding(DELIVER_EXCHANGE, system_id)])


async def declare(bus: Bus) -> None:
    await bus.declare_exchange(DELIVER_EXCHANGE)
    await bus.declare_exchange(GATEWAY_INBOUND_EXCHANGE)
    for ws in WORKSTATIONS:
        await bus.declare_queue(queue_spec(ws.system_id))


async def start_consumers(
    bus: Bus, service: ProviderService, *, wake_relay: Callable[[], None], prefetch: int = 16
) -> list[Consumer]:
    await declare(bus)

    def committed(effects: Effects) -> None:
        wake_relay()
        service.arm_later(effects.stream_id)

    consumers = []
    for ws in WORKSTATIONS:
        inbox = workstation_inbox(service, ws.system_id, on_commit=committed)
        consumers.append(await inbox.consume(bus, recipient_queue(ws.system_id), prefetch=prefetch))
    return consumers


def workstation_inbox(
    service: ProviderService,
    system_id: str,
    *,
    on_commit: Callable[[Effects], None] | None = None,
) -> InboxConsumer:
    """The inbox of one workstation's queue, keyed on the signed envelope's message id (not the
    AMQP property, which nobody signs); it takes only envelopes addressed to ``system_id``."""

    async def handle(delivery: Delivery) -> Effects:
        return await service.handle_delivery(delivery, workstation=system_id)

    return InboxConsumer(
        service.store,
        f"provider:{system_id}",
        handle,
        on_commit=on_commit,
        message_id_of=envelope_message_id,
    )
