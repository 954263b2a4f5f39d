"""One contract, two adapters: every test here runs against the in-memory bus and RabbitMQ."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from shared.bus.port import (
    Binding,
    Bus,
    BusError,
    Delivery,
    Message,
    PublishNotConfirmed,
    QueueSpec,
    Reject,
    Unroutable,
)
from tests.bus.conftest import Recorder, eventually

MakeMessage = Callable[..., Message]
FAST = {"backoff_base_ms": 20, "backoff_max_ms": 100}  # keeps retry tests short


async def declare(bus: Bus, name: str, *patterns: str, **spec: int) -> None:
    await bus.declare_exchange("ev")
    await bus.declare_queue(QueueSpec(name, bindings=[Binding("ev", p) for p in patterns], **spec))


async def test_topic_routing_with_star_hash_and_several_bindings(
    bus: Bus, make_message: MakeMessage
) -> None:
    await declare(bus, "star", "orders.*")
    await declare(bus, "hash", "orders.#", "audit.log")
    star, hash_ = Recorder(), Recorder()
    await bus.consume("star", star)
    await bus.consume("hash", hash_)

    keys = ["orders", "orders.created", "orders.created.v1", "audit.log"]
    for key in keys:
        await bus.publish(make_message(routing_key=key, message_id=key))

    await eventually(lambda: len(hash_.deliveries) == 4, "four messages in the '#' queue")
    await eventually(lambda: len(star.deliveries) == 1, "one message in the '*' queue")
    assert star.ids == ["orders.created"]
    assert sorted(hash_.ids) == sorted(keys)


async def test_a_message_matching_two_bindings_of_a_queue_arrives_once(
    bus: Bus, make_message: MakeMessage
) -> None:
    await declare(bus, "q", "a.*", "#")
    recorder = Recorder()
    await bus.consume("q", recorder)
    await bus.publish(make_message(routing_key="a.b", message_id="one"))
    await bus.publish(make_message(routing_key="z", message_id="two"))
    await eventually(lambda: "two" in recorder.ids, "the second message")
    assert sorted(recorder.ids) == ["one", "two"]


async def test_message_arrives_intact_on_first_attempt(bus: Bus, make_message: MakeMessage) -> None:
    await declare(bus, "q", "#")
    recorder = Recorder()
    await bus.consume("q", recorder)
    sent = make_message(
        routing_key="x.y",
        headers={"trace": "abc", "version": 3},
        correlation_id="corr-1",
        content_type="application/octet-stream",
    )
    await bus.publish(sent)
    await eventually(lambda: bool(recorder.deliveries), "the delivery")
    (delivery,) = recorder.deliveries
    assert delivery.message == sent
    assert delivery.queue == "q"
    assert delivery.attempt == 1
    assert delivery.redelivered is False


async def test_unroutable_mandatory_publish_raises(bus: Bus, make_message: MakeMessage) -> None:
    await declare(bus, "q", "bound.only")
    message = make_message(routing_key="nobody.listens")
    with pytest.raises(Unroutable) as caught:
        await bus.publish(message)
    assert caught.value.message_ids == (message.message_id,)
    await bus.publish(make_message(routing_key="nobody.listens"), mandatory=False)


async def test_publish_many_confirms_a_batch_of_2000(bus: Bus, make_message: MakeMessage) -> None:
    await declare(bus, "q", "#")
    batch = [make_message() for _ in range(2000)]
    await bus.publish_many(batch)  # returns only once every confirm arrived
    recorder = Recorder()
    await bus.consume("q", recorder, prefetch=500)
    await eventually(lambda: len(recorder.deliveries) >= 2000, "2000 deliveries")
    assert sorted(recorder.ids) == sorted(m.message_id for m in batch)


async def test_publish_many_reports_the_unroutable_message_of_a_batch(
    bus: Bus, make_message: MakeMessage
) -> None:
    await declare(bus, "q", "ok.#")
    batch = [make_message(routing_key="ok.x") for _ in range(50)]
    lost = make_message(routing_key="lost.x")
    batch.insert(20, lost)
    with pytest.raises(Unroutable) as caught:
        await bus.publish_many(batch)
    assert caught.value.message_ids == (lost.message_id,)
    recorder = Recorder()
    await bus.consume("q", recorder)
    await eventually(lambda: len(recorder.deliveries) == 50, "the 50 routable messages")
    assert lost.message_id not in recorder.ids


async def test_publish_to_a_missing_exchange_is_not_confirmed_and_the_bus_recovers(
    bus: Bus, make_message: MakeMessage
) -> None:
    await declare(bus, "q", "#")
    stray = make_message(exchange="missing")
    with pytest.raises(PublishNotConfirmed, match="'missing' does not exist") as caught:
        await bus.publish_many([stray, make_message()])
    assert caught.value.message_ids == (stray.message_id,)
    recorder = Recorder()
    await bus.consume("q", recorder)
    after = make_message()
    await bus.publish(after)
    await eventually(lambda: after.message_id in recorder.ids, "a publish after the failure")


async def test_success_acks_so_nothing_comes_back(bus: Bus, make_message: MakeMessage) -> None:
    await declare(bus, "q", "#")
    first = Recorder()
    consumer = await bus.consume("q", first)
    await bus.publish(make_message(message_id="handled"))
    await eventually(lambda: bool(first.deliveries), "the first delivery")
    await consumer.stop()
    # Queues are FIFO: had "handled" not been acked, it would come back before the marker.
    second = Recorder()
    await bus.consume("q", second)
    await bus.publish(make_message(message_id="marker"))
    await eventually(lambda: bool(second.deliveries), "the marker")
    assert second.ids == ["marker"]
    assert await bus.dead_letters("q") == []


async def test_failed_handler_is_retried_with_backoff_until_it_succeeds(
    bus: Bus, make_message: MakeMessage
) -> None:
    await declare(bus, "q", "#", max_attempts=5, **FAST)

    async def fail_twice(delivery: Delivery) -> None:
        if delivery.attempt < 3:
            raise RuntimeError(f"flaky {delivery.attempt}")

    recorder = Recorder(fail_twice)
    await bus.consume("q", recorder)
    sent = make_message(routing_key="a.b", headers={"k": "v"})
    await bus.publish(sent)
    await eventually(lambda: len(recorder.deliveries) == 3, "the third attempt")
    assert [d.attempt for d in recorder.deliveries] == [1, 2, 3]
    # The retried copy still carries its original address and headers.
    assert all(d.message == sent for d in recorder.deliveries)
    assert await bus.dead_letters("q") == []


async def test_a_short_backoff_is_not_held_behind_a_long_one(
    bus: Bus, make_message: MakeMessage
) -> None:
    # With per-message TTLs in one shared delay queue, "fast" (25 ms) would wait behind "slow"
    # (800 ms) because the broker only expires the head; one delay queue per delay avoids it.
    await declare(bus, "q", "#", max_attempts=8, backoff_base_ms=25, backoff_max_ms=1600)
    slow_waits_long = asyncio.Event()

    async def behave(delivery: Delivery) -> None:
        if delivery.message.message_id == "slow" and delivery.attempt <= 6:
            if delivery.attempt == 6:
                slow_waits_long.set()  # this failure sends it to the 800 ms delay
            raise RuntimeError("not yet")
        if delivery.message.message_id == "fast" and delivery.attempt == 1:
            raise RuntimeError("once")

    recorder = Recorder(behave)
    await bus.consume("q", recorder)
    await bus.publish(make_message(message_id="slow"))
    await asyncio.wait_for(slow_waits_long.wait(), 30)
    await bus.publish(make_message(message_id="fast"))
    await eventually(lambda: len(recorder.deliveries) == 9, "slow on attempt 7, fast on 2")
    order = [(d.message.message_id, d.attempt) for d in recorder.deliveries]
    assert order.index(("fast", 2)) < order.index(("slow", 7))


async def test_message_is_parked_with_reason_after_max_attempts(
    bus: Bus, make_message: MakeMessage
) -> None:
    await declare(bus, "q", "#", max_attempts=3, **FAST)

    async def always_fail(delivery: Delivery) -> None:
        raise ValueError(f"boom on {delivery.attempt}")

    recorder = Recorder(always_fail)
    await bus.consume("q", recorder)
    sent = make_message(routing_key="orders.created", headers={"k": 1})
    await bus.publish(sent)
    dead = []

    async def parked() -> None:
        dead.extend(await bus.dead_letters("q"))

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not dead and loop.time() < deadline:
        await parked()
        await asyncio.sleep(0.05)
    assert len(dead) == 1
    assert dead[0].message == sent
    assert dead[0].queue == "q"
    assert dead[0].attempts == 3
    assert dead[0].reason == "ValueError: boom on 3"
    assert [d.attempt for d in recorder.deliveries] == [1, 2, 3]


async def test_reject_parks_at_once(bus: Bus, make_message: MakeMessage) -> None:
    await declare(bus, "q", "#", max_attempts=5, **FAST)

    async def reject(delivery: Delivery) -> None:
        raise Reject("IIN does not match the certificate")

    recorder = Recorder(reject)
    await bus.consume("q", recorder)
    sent = make_message()
    await bus.publish(sent)
    dead = await _wait_parked(bus, "q", 1)
    assert [(d.message, d.reason, d.attempts) for d in dead] == [
        (sent, "IIN does not match the certificate", 1)
    ]
    assert len(recorder.deliveries) == 1


async def test_dead_letters_lists_without_removing_and_redrive_moves_back(
    bus: Bus, make_message: MakeMessage
) -> None:
    await declare(bus, "q", "#", **FAST)
    accept = asyncio.Event()

    async def reject_until_fixed(delivery: Delivery) -> None:
        if not accept.is_set():
            raise Reject("not yet")

    recorder = Recorder(reject_until_fixed)
    await bus.consume("q", recorder)
    sent = [make_message() for _ in range(3)]
    await bus.publish_many(sent)
    await _wait_parked(bus, "q", 3)

    first = await bus.dead_letters("q")
    again = await bus.dead_letters("q")
    assert sorted(d.message.message_id for d in first) == sorted(m.message_id for m in sent)
    assert sorted(d.message.message_id for d in again) == sorted(m.message_id for m in sent)
    assert len(await bus.dead_letters("q", limit=2)) == 2

    accept.set()
    assert await bus.redrive("q", limit=1) == 1
    assert await bus.redrive("q") == 2
    await eventually(lambda: len(recorder.deliveries) == 6, "three redriven deliveries")
    redriven = recorder.deliveries[3:]
    assert sorted(d.message.message_id for d in redriven) == sorted(m.message_id for m in sent)
    assert all(d.attempt == 1 for d in redriven)
    by_id = {m.message_id: m for m in sent}
    assert all(d.message == by_id[d.message.message_id] for d in redriven)
    assert await bus.dead_letters("q") == []


async def test_prefetch_bounds_concurrent_handlers(bus: Bus, make_message: MakeMessage) -> None:
    await declare(bus, "q", "#")
    gate = asyncio.Event()
    running = 0
    most = 0

    async def hold(delivery: Delivery) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            await gate.wait()
        finally:
            running -= 1

    recorder = Recorder(hold)
    await bus.publish_many([make_message() for _ in range(12)])
    await bus.consume("q", recorder, prefetch=3)
    await eventually(lambda: running == 3, "three handlers running")
    await asyncio.sleep(0.3)  # room for a fourth handler to start, were prefetch not enforced
    assert running == 3
    gate.set()
    await eventually(lambda: len(recorder.deliveries) == 12, "all twelve handled")
    assert most == 3


async def test_graceful_stop_finishes_in_flight_and_loses_nothing(
    bus: Bus, make_message: MakeMessage
) -> None:
    await declare(bus, "q", "#")
    finished: list[str] = []

    async def slow(delivery: Delivery) -> None:
        await asyncio.sleep(0.05)
        finished.append(delivery.message.message_id)

    sent = [make_message() for _ in range(40)]
    await bus.publish_many(sent)
    first = Recorder(slow)
    consumer = await bus.consume("q", first, prefetch=5)
    await eventually(lambda: len(finished) >= 3, "a few handled")
    await consumer.stop()
    # Every handler that started also finished: stop waited for it.
    assert sorted(first.ids) == sorted(finished)

    second = Recorder()
    await bus.consume("q", second)
    await eventually(
        lambda: len(set(finished) | set(second.ids)) == 40, "every message handled once"
    )
    # Finished handlers were acked, so none of them comes back.
    assert not set(finished) & set(second.ids)


async def test_handler_past_grace_is_cancelled_and_message_redelivered(
    bus: Bus, make_message: MakeMessage
) -> None:
    await declare(bus, "q", "#")
    never = asyncio.Event()

    async def stuck(delivery: Delivery) -> None:
        await never.wait()

    first = Recorder(stuck)
    consumer = await bus.consume("q", first)
    sent = make_message()
    await bus.publish(sent)
    await eventually(lambda: bool(first.deliveries), "the stuck delivery")
    await consumer.stop(grace_s=0.1)

    second = Recorder()
    await bus.consume("q", second)
    await eventually(lambda: bool(second.deliveries), "the redelivery")
    (again,) = second.deliveries
    assert again.message == sent
    assert again.redelivered is True
    assert again.attempt == 1


async def test_consuming_an_undeclared_queue_is_refused(bus: Bus) -> None:
    with pytest.raises(BusError, match="not declared"):
        await bus.consume("nope", Recorder())


async def test_dead_letter_operations_on_an_undeclared_queue_are_refused(bus: Bus) -> None:
    with pytest.raises(BusError, match="not declared"):
        await bus.dead_letters("nope")
    with pytest.raises(BusError, match="not declared"):
        await bus.redrive("nope")


async def test_reserved_header_is_refused(bus: Bus, make_message: MakeMessage) -> None:
    await declare(bus, "q", "#")
    with pytest.raises(ValueError, match="reserved"):
        await bus.publish(make_message(headers={"x-death": "forged"}))


async def test_ping_succeeds_when_connected(bus: Bus) -> None:
    await bus.ping()


async def _wait_parked(bus: Bus, queue: str, count: int) -> list:  # type: ignore[type-arg]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        dead = await bus.dead_letters(queue)
        if len(dead) >= count or loop.time() > deadline:
            return dead
        await asyncio.sleep(0.05)
