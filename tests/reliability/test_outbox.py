"""The outbox relay against the SQLite event store and the in-memory bus."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from shared.bus.memory import InMemoryBus
from shared.bus.port import Delivery, Message, PublishNotConfirmed
from shared.clock import SimulatedClock
from shared.eventlog.port import PendingOutbox
from shared.eventlog.sqlite import SqliteEventStore
from shared.outbox import NullRelayMetrics, OutboxRelay, PrometheusRelayMetrics
from tests.reliability.support import QUEUE, eventually, open_bus, place_orders


class NackingBus(InMemoryBus):
    """Confirms every message except the ones named in ``nack``, like a broker that nacks a few
    messages of a pipelined batch."""

    def __init__(self, nack: set[str]) -> None:
        super().__init__()
        self.nack = nack

    async def publish_many(self, messages: Sequence[Message], *, mandatory: bool = True) -> None:
        await super().publish_many(
            [m for m in messages if m.message_id not in self.nack], mandatory=mandatory
        )
        failed = [m.message_id for m in messages if m.message_id in self.nack]
        if failed:
            raise PublishNotConfirmed("nacked by the broker", failed)


class BrokenConnectionBus(InMemoryBus):
    async def publish_many(self, messages: Sequence[Message], *, mandatory: bool = True) -> None:
        raise ConnectionResetError("connection reset by peer")


async def received(bus: InMemoryBus, count: int) -> list[str]:
    """The ids of the first ``count`` messages delivered to the queue."""
    ids: list[str] = []
    done = asyncio.Event()

    async def collect(delivery: Delivery) -> None:
        ids.append(delivery.message.message_id)
        if len(ids) == count:
            done.set()

    consumer = await bus.consume(QUEUE, collect)
    async with asyncio.timeout(10):
        await done.wait()
    await consumer.stop()
    return ids


async def pending_ids(store: SqliteEventStore) -> list[str]:
    return [row.message.message_id for row in await store.pending_outbox()]


async def test_marks_every_row_once_the_broker_confirmed_it(store: SqliteEventStore) -> None:
    bus = await open_bus(InMemoryBus())
    await place_orders(store, 5)
    relay = OutboxRelay(store, bus, batch_size=10)

    result = await relay.relay_once()

    assert (result.read, result.sent, result.failed) == (5, 5, 0)
    assert await pending_ids(store) == []
    assert await received(bus, 5) == [f"order-{n}" for n in range(1, 6)]


async def test_leaves_nacked_rows_pending_and_marks_only_the_confirmed(
    store: SqliteEventStore,
) -> None:
    bus = await open_bus(NackingBus(nack={"order-2", "order-4"}))
    await place_orders(store, 5)
    relay = OutboxRelay(store, bus, batch_size=10)

    result = await relay.relay_once()

    assert (result.sent, result.failed) == (3, 2)
    assert await pending_ids(store) == ["order-2", "order-4"]
    bus.nack.clear()  # the broker recovers: the next pass sends the rest
    result = await relay.relay_once()
    assert (result.read, result.sent, result.failed) == (2, 2, 0)
    assert await pending_ids(store) == []
    assert sorted(await received(bus, 5)) == sorted(f"order-{n}" for n in range(1, 6))


async def test_marks_nothing_when_the_connection_fails(store: SqliteEventStore) -> None:
    bus = await open_bus(BrokenConnectionBus())
    await place_orders(store, 3)
    relay = OutboxRelay(store, bus, batch_size=10)

    result = await relay.relay_once()

    assert (result.sent, result.failed) == (0, 3)
    assert await pending_ids(store) == ["order-1", "order-2", "order-3"]


async def test_reads_batches_in_outbox_order(store: SqliteEventStore) -> None:
    bus = await open_bus(InMemoryBus())
    await place_orders(store, 5)
    relay = OutboxRelay(store, bus, batch_size=2)

    first = await relay.relay_once()

    assert (first.read, first.sent) == (2, 2)
    assert await pending_ids(store) == ["order-3", "order-4", "order-5"]


async def test_running_relay_retries_until_the_broker_confirms(store: SqliteEventStore) -> None:
    bus = await open_bus(NackingBus(nack={"order-1"}))
    await place_orders(store, 2)
    relay = OutboxRelay(store, bus, batch_size=10, poll_interval=60, backoff_base=0.01)
    relay.start()

    async def only_order_1_pending() -> bool:
        return await pending_ids(store) == ["order-1"]

    await eventually(only_order_1_pending)
    bus.nack.clear()

    async def nothing_pending() -> bool:
        return await pending_ids(store) == []

    await eventually(nothing_pending)
    await relay.stop()


@pytest.mark.parametrize("hint", ["notify", "service event"])
async def test_wake_up_hint_runs_a_pass_without_waiting_for_the_poll(
    store: SqliteEventStore, hint: str
) -> None:
    bus = await open_bus(InMemoryBus())
    idle = asyncio.Event()

    class IdleSignal(NullRelayMetrics):
        def lag(self, pending: int) -> None:
            if pending == 0:
                idle.set()

    appended = asyncio.Event()
    relay = OutboxRelay(store, bus, poll_interval=3600, metrics=IdleSignal(), wakeup=appended)
    relay.start()
    await idle.wait()  # the relay found the outbox empty: its next poll is an hour away
    await place_orders(store, 1)

    if hint == "notify":
        relay.notify()
    else:
        appended.set()

    assert await received(bus, 1) == ["order-1"]
    await relay.stop()


async def test_stop_finishes_the_batch_in_progress(store: SqliteEventStore) -> None:
    release = asyncio.Event()
    publishing = asyncio.Event()

    class SlowBus(InMemoryBus):
        async def publish_many(
            self, messages: Sequence[Message], *, mandatory: bool = True
        ) -> None:
            publishing.set()
            await release.wait()
            await super().publish_many(messages, mandatory=mandatory)

    bus = await open_bus(SlowBus())
    await place_orders(store, 3)
    relay = OutboxRelay(store, bus, poll_interval=3600)
    relay.start()
    await publishing.wait()

    stopping = asyncio.create_task(relay.stop())
    await asyncio.sleep(0)
    assert not stopping.done()  # still waiting for the confirms of the batch in progress
    release.set()
    await stopping

    assert await pending_ids(store) == []


async def test_counts_published_failed_and_lag_in_the_registry_given(
    store: SqliteEventStore,
) -> None:
    registry = CollectorRegistry()
    bus = await open_bus(NackingBus(nack={"order-3"}))
    await place_orders(store, 4)
    relay = OutboxRelay(store, bus, metrics=PrometheusRelayMetrics(registry))

    await relay.relay_once()

    assert registry.get_sample_value("outbox_relay_published_total") == 3
    assert registry.get_sample_value("outbox_relay_failed_total") == 1
    assert registry.get_sample_value("outbox_relay_lag") == 4


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch_size": 0}, "batch_size must be at least 1"),
        ({"poll_interval": 0}, "poll_interval must be positive"),
        ({"backoff_base": 2.0, "backoff_max": 1.0}, "backoff_base <= backoff_max"),
    ],
)
def test_refuses_meaningless_settings(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OutboxRelay(None, None, **options)  # type: ignore[arg-type]


async def test_polls_on_the_clock_it_is_given(store: SqliteEventStore) -> None:
    clock = SimulatedClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    bus = await open_bus(InMemoryBus())
    relay = OutboxRelay(store, bus, poll_interval=60, clock=clock)
    relay.start()

    async def relay_waits_on_the_clock() -> bool:
        return clock.pending_timers >= 1

    await eventually(relay_waits_on_the_clock)
    await place_orders(store, 1)  # no notify(): only the next poll can find it
    await clock.advance(timedelta(seconds=60))

    assert await received(bus, 1) == ["order-1"]
    await relay.stop()


async def test_keeps_running_after_the_store_failed(tmp_path: Path) -> None:
    class FlakyStore(SqliteEventStore):
        failures = 2

        async def pending_outbox(self, *, limit: int = 500) -> list[PendingOutbox]:
            if self.failures:
                self.failures -= 1
                raise OSError("database is locked")
            return await super().pending_outbox(limit=limit)

    store = FlakyStore(tmp_path / "flaky.db")
    await store.open()
    bus = await open_bus(InMemoryBus())
    await place_orders(store, 2)
    relay = OutboxRelay(store, bus, poll_interval=60, backoff_base=0.01)
    relay.start()

    assert await received(bus, 2) == ["order-1", "order-2"]
    await relay.stop()
    assert store.failures == 0
    assert await pending_ids(store) == []
    await store.close()


async def test_a_row_that_keeps_failing_does_not_hold_back_the_others(
    store: SqliteEventStore,
) -> None:
    bus = await open_bus(NackingBus(nack={"order-1"}))  # nacked for good
    await place_orders(store, 5)
    # An hour of backoff: the rows behind order-1 must go out without waiting for it.
    relay = OutboxRelay(store, bus, batch_size=2, backoff_base=3600, backoff_max=3600)
    relay.start()

    async def only_order_1_left() -> bool:
        return await pending_ids(store) == ["order-1"]

    await eventually(only_order_1_left)
    await relay.stop()  # also ends the hour-long backoff at once


async def test_notify_does_not_cut_a_backoff_short(store: SqliteEventStore) -> None:
    attempts = 0

    class DownBus(InMemoryBus):
        async def publish_many(
            self, messages: Sequence[Message], *, mandatory: bool = True
        ) -> None:
            nonlocal attempts
            attempts += 1
            raise ConnectionRefusedError("broker down")

    bus = await open_bus(DownBus())
    await place_orders(store, 1)
    relay = OutboxRelay(store, bus, backoff_base=3600, backoff_max=3600)
    relay.start()

    async def first_attempt_failed() -> bool:
        return attempts == 1

    await eventually(first_attempt_failed)
    for _ in range(5):  # appends during the outage must not each trigger a failing pass
        relay.notify()
        await asyncio.sleep(0.01)

    assert attempts == 1
    await relay.stop()
