"""The inbox consumer against the SQLite event store."""

from __future__ import annotations

import asyncio
import json

import pytest
from prometheus_client import CollectorRegistry

from shared.bus.port import Delivery, Message, Reject
from shared.eventlog.port import ConcurrencyConflict, NewEvent
from shared.eventlog.sqlite import SqliteEventStore
from shared.inbox import Effects, InboxConsumer, PrometheusInboxMetrics
from tests.reliability.support import (
    BillingHandler,
    CountingInboxMetrics,
    all_events,
    billed_orders,
    delivery_of,
    order_message,
)


async def test_first_delivery_commits_the_effects_and_the_claim(
    consumer_store: SqliteEventStore,
) -> None:
    metrics = CountingInboxMetrics()
    inbox = InboxConsumer(consumer_store, "billing", BillingHandler(), metrics=metrics)

    await inbox(delivery_of(order_message(7)))

    assert await billed_orders(consumer_store) == [7]
    assert await consumer_store.is_processed("billing", "order-7")
    assert metrics.processed_count == 1


async def test_second_delivery_of_a_message_is_a_counted_no_op(
    consumer_store: SqliteEventStore,
) -> None:
    handler = BillingHandler()
    metrics = CountingInboxMetrics()
    inbox = InboxConsumer(consumer_store, "billing", handler, metrics=metrics)

    await inbox(delivery_of(order_message(7)))
    await inbox(delivery_of(order_message(7), attempt=2))

    assert await billed_orders(consumer_store) == [7]
    assert metrics.duplicates == ["order-7"]
    assert handler.calls == 1  # the known duplicate never reached the business handler


async def test_concurrent_deliveries_of_one_message_commit_once(
    consumer_store: SqliteEventStore,
) -> None:
    both_handling = asyncio.Barrier(2)

    class SlowBilling(BillingHandler):
        async def __call__(self, delivery: Delivery) -> Effects:
            # Both deliveries pass the early duplicate check before either commits, so only
            # the claim written in the append's transaction can stop the second one.
            await both_handling.wait()
            return await super().__call__(delivery)

    handler = SlowBilling()
    metrics = CountingInboxMetrics()
    inbox = InboxConsumer(consumer_store, "billing", handler, metrics=metrics)

    await asyncio.gather(inbox(delivery_of(order_message(7))), inbox(delivery_of(order_message(7))))

    assert handler.calls == 2
    assert await billed_orders(consumer_store) == [7]
    assert metrics.processed_count == 1
    assert metrics.duplicates == ["order-7"]


async def test_consumers_have_separate_inboxes(consumer_store: SqliteEventStore) -> None:
    billing = InboxConsumer(consumer_store, "billing", BillingHandler())
    audit = InboxConsumer(consumer_store, "audit", BillingHandler())

    await billing(delivery_of(order_message(7)))

    assert not await consumer_store.is_processed("audit", "order-7")
    await audit(delivery_of(order_message(7)))
    assert await consumer_store.is_processed("audit", "order-7")


async def test_handler_failure_commits_nothing_and_propagates_for_a_retry(
    consumer_store: SqliteEventStore,
) -> None:
    async def failing(delivery: Delivery) -> Effects:
        raise TimeoutError("registry did not answer")

    inbox = InboxConsumer(consumer_store, "billing", failing)

    with pytest.raises(TimeoutError):
        await inbox(delivery_of(order_message(7)))

    assert not await consumer_store.is_processed("billing", "order-7")
    retry = InboxConsumer(consumer_store, "billing", BillingHandler())
    await retry(delivery_of(order_message(7), attempt=2))
    assert await billed_orders(consumer_store) == [7]


async def test_conflicting_append_leaves_the_message_unclaimed(
    consumer_store: SqliteEventStore,
) -> None:
    await consumer_store.append("bill-7", [NewEvent(type="OrderBilled.v1", data={"n": 7})])

    async def expects_new_stream(delivery: Delivery) -> Effects:
        event = NewEvent(type="OrderBilled.v1", data={"n": 7})
        return Effects(stream_id="bill-7", events=[event], expected_version=0)

    inbox = InboxConsumer(consumer_store, "billing", expects_new_stream)

    with pytest.raises(ConcurrencyConflict):
        await inbox(delivery_of(order_message(7)))

    assert not await consumer_store.is_processed("billing", "order-7")


async def test_effects_may_carry_outgoing_messages_and_wake_their_relay(
    consumer_store: SqliteEventStore,
) -> None:
    committed: list[Effects] = []

    async def bill_and_notify(delivery: Delivery) -> Effects:
        n = json.loads(delivery.message.body)["n"]
        receipt = order_message(1000 + n)
        event = NewEvent(type="OrderBilled.v1", data={"n": n})
        return Effects(stream_id=f"bill-{n}", events=[event], outbox=[receipt])

    inbox = InboxConsumer(consumer_store, "billing", bill_and_notify, on_commit=committed.append)

    await inbox(delivery_of(order_message(7)))
    await inbox(delivery_of(order_message(7)))

    pending = await consumer_store.pending_outbox()
    assert [row.message.message_id for row in pending] == ["order-1007"]
    assert len(committed) == 1  # not called for the duplicate


async def test_message_without_id_is_rejected_to_the_dead_letter_queue(
    consumer_store: SqliteEventStore,
) -> None:
    inbox = InboxConsumer(consumer_store, "billing", BillingHandler())
    anonymous = Message(exchange="orders", routing_key="shop.x", body=b"{}", message_id="")

    with pytest.raises(Reject, match="no message_id"):
        await inbox(Delivery(message=anonymous, queue="q", attempt=1, redelivered=False))

    assert await all_events(consumer_store) == []


async def test_counts_processed_and_duplicates_in_the_registry_given(
    consumer_store: SqliteEventStore,
) -> None:
    registry = CollectorRegistry()
    metrics = PrometheusInboxMetrics(registry)
    inbox = InboxConsumer(consumer_store, "billing", BillingHandler(), metrics=metrics)

    for n in (1, 2, 1, 1):
        await inbox(delivery_of(order_message(n)))

    assert registry.get_sample_value("inbox_processed_total") == 2
    assert registry.get_sample_value("inbox_duplicates_total") == 2


def test_refuses_an_empty_consumer_name(consumer_store: SqliteEventStore) -> None:
    with pytest.raises(ValueError, match="non-empty name"):
        InboxConsumer(consumer_store, "", BillingHandler())


async def test_message_needing_no_change_is_still_claimed(
    consumer_store: SqliteEventStore,
) -> None:
    calls = 0

    async def ignore(delivery: Delivery) -> Effects:
        nonlocal calls
        calls += 1
        return Effects(stream_id="ignored")

    inbox = InboxConsumer(consumer_store, "billing", ignore)

    await inbox(delivery_of(order_message(7)))
    await inbox(delivery_of(order_message(7)))

    assert await consumer_store.is_processed("billing", "order-7")
    assert calls == 1
    assert await all_events(consumer_store) == []
