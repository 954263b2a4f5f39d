"""Relay and inbox together over the in-memory bus: every message is handled exactly once even
when the relay crashes between the broker's confirm and the mark."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from shared.bus.memory import InMemoryBus
from shared.eventlog.sqlite import SqliteEventStore
from shared.inbox import InboxConsumer
from shared.outbox import OutboxRelay
from tests.reliability.support import (
    QUEUE,
    BillingHandler,
    CountingInboxMetrics,
    billed_orders,
    eventually,
    open_bus,
    place_orders,
)


class SimulatedCrash(Exception):
    """Stands for the relay's process dying right after the confirms arrived."""


class CrashingStore(SqliteEventStore):
    """The first ``mark_outbox_sent`` fails as if the process had died just before it."""

    crashes = 1

    async def mark_outbox_sent(self, ids: Sequence[int]) -> None:
        if self.crashes:
            self.crashes -= 1
            raise SimulatedCrash
        await super().mark_outbox_sent(ids)


async def test_crash_between_confirm_and_mark_republishes_and_the_inbox_absorbs_it(
    tmp_path: Path, consumer_store: SqliteEventStore
) -> None:
    producer_store = CrashingStore(tmp_path / "producer.db")
    await producer_store.open()
    bus = await open_bus(InMemoryBus())
    await place_orders(producer_store, 3)
    metrics = CountingInboxMetrics()
    inbox = InboxConsumer(consumer_store, "billing", BillingHandler(), metrics=metrics)
    consumer = await inbox.consume(bus, QUEUE)

    crashed = OutboxRelay(producer_store, bus)
    with pytest.raises(SimulatedCrash):
        await crashed.relay_once()
    assert len(await producer_store.pending_outbox()) == 3  # confirmed, yet not marked

    restarted = OutboxRelay(producer_store, bus)  # the process after its restart
    result = await restarted.relay_once()
    assert result.sent == 3

    async def all_seen() -> bool:
        return metrics.processed_count + len(metrics.duplicates) == 6

    await eventually(all_seen)
    await consumer.stop()
    assert await producer_store.pending_outbox() == []
    await producer_store.close()
    assert await billed_orders(consumer_store) == [1, 2, 3]
    assert sorted(metrics.duplicates) == ["order-1", "order-2", "order-3"]


async def test_relay_and_inbox_deliver_every_order_once(
    store: SqliteEventStore, consumer_store: SqliteEventStore
) -> None:
    bus = await open_bus(InMemoryBus())
    metrics = CountingInboxMetrics()
    inbox = InboxConsumer(consumer_store, "billing", BillingHandler(), metrics=metrics)
    consumer = await inbox.consume(bus, QUEUE, prefetch=8)
    relay = OutboxRelay(store, bus, batch_size=7, poll_interval=0.05)
    relay.start()

    await place_orders(store, 40)
    relay.notify()

    async def all_billed() -> bool:
        return metrics.processed_count == 40

    await eventually(all_billed)
    await relay.stop()
    await consumer.stop()
    assert await billed_orders(consumer_store) == list(range(1, 41))
    assert await store.pending_outbox() == []
    assert await bus.dead_letters(QUEUE) == []
