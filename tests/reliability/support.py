"""Helpers of the unit-level reliability tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from shared.bus.memory import InMemoryBus
from shared.bus.port import Binding, Delivery, Message, QueueSpec
from shared.eventlog.port import EventStore, NewEvent, OutboxMessage, RecordedEvent
from shared.inbox import Effects

EXCHANGE = "orders"
QUEUE = "billing.orders"


async def open_bus(bus: InMemoryBus) -> InMemoryBus:
    """Connect ``bus`` and declare the exchange and the queue the relayed messages land in."""
    await bus.connect()
    await bus.declare_exchange(EXCHANGE)
    await bus.declare_queue(
        QueueSpec(name=QUEUE, bindings=(Binding(EXCHANGE, "#"),), backoff_base_ms=1)
    )
    return bus


def order_message(n: int) -> OutboxMessage:
    return OutboxMessage(
        message_id=f"order-{n}",
        exchange=EXCHANGE,
        routing_key="shop.order_placed.v1",
        body=json.dumps({"n": n}).encode(),
    )


async def place_orders(store: EventStore, count: int) -> None:
    """One transaction per order: its event and the message announcing it."""
    for n in range(1, count + 1):
        await store.append(
            f"order-{n}",
            [NewEvent(type="OrderPlaced.v1", data={"n": n})],
            expected_version=0,
            outbox=[order_message(n)],
        )


def delivery_of(message: OutboxMessage, *, attempt: int = 1) -> Delivery:
    bus_message = Message(
        exchange=message.exchange,
        routing_key=message.routing_key,
        body=message.body,
        message_id=message.message_id,
    )
    return Delivery(message=bus_message, queue=QUEUE, attempt=attempt, redelivered=attempt > 1)


class BillingHandler:
    """A business handler: bills each order once; counts its own calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, delivery: Delivery) -> Effects:
        self.calls += 1
        n = json.loads(delivery.message.body)["n"]
        event = NewEvent(type="OrderBilled.v1", data={"n": n})
        # Stream per order with no expected version: only the inbox stops a second bill.
        return Effects(stream_id=f"bill-{n}", events=[event])


async def all_events(store: EventStore) -> list[RecordedEvent]:
    events: list[RecordedEvent] = []
    while batch := await store.read_all(after=events[-1].position if events else 0):
        events.extend(batch)
    return events


async def billed_orders(store: EventStore) -> list[int]:
    return sorted(e.data["n"] for e in await all_events(store) if e.type == "OrderBilled.v1")


class CountingInboxMetrics:
    def __init__(self) -> None:
        self.processed_count = 0
        self.duplicates: list[str] = []

    def processed(self) -> None:
        self.processed_count += 1

    def duplicate(self, delivery: Delivery) -> None:
        self.duplicates.append(delivery.message.message_id)


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0) -> None:
    """Wait until ``check()`` holds; fail if it does not within ``within`` seconds (a bound
    against hanging, not a speed requirement)."""
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110 - the state polled lives in a database
            await asyncio.sleep(0.01)
