"""In-memory bus for the embedded mode and fast tests: the semantics of the RabbitMQ adapter in
one process, with plain asyncio (no threads).

Emulated: topic/direct/fanout routing, mandatory publishing (``Unroutable``), confirms (a
publish is "confirmed" once it sits in every matching queue), per-queue retry with the same
backoff as the broker's delay queues, the dead-letter queue with reason and attempts, redrive,
prefetch (at most ``prefetch`` handlers of a consumer run at once), graceful stop, and the
``redelivered`` flag for messages a stopped consumer gave back. Not emulated: durability (a
process exit loses everything), which is why production uses RabbitMQ.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from shared.bus.headers import check_message
from shared.bus.port import (
    Binding,
    BusError,
    Consumer,
    DeadLetter,
    Delivery,
    Handler,
    Message,
    PublishFailed,
    PublishNotConfirmed,
    QueueSpec,
    Reject,
    Unroutable,
    raise_publish_failures,
)
from shared.bus.topic import check_name, topic_matches

log = logging.getLogger(__name__)

EXCHANGE_KINDS = ("topic", "direct", "fanout")


@dataclass(frozen=True)
class _Entry:
    message: Message
    attempt: int
    redelivered: bool


@dataclass
class _Queue:
    spec: QueueSpec
    ready: deque[_Entry] = field(default_factory=deque)
    waiters: deque[asyncio.Future[_Entry]] = field(default_factory=deque)
    dead: deque[DeadLetter] = field(default_factory=deque)

    def put(self, entry: _Entry, *, front: bool = False) -> None:
        # Hand the entry straight to a waiting consumer when there is one, else queue it.
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(entry)
                return
        if front:
            self.ready.appendleft(entry)
        else:
            self.ready.append(entry)

    async def take(self) -> _Entry:
        if self.ready:
            return self.ready.popleft()
        waiter: asyncio.Future[_Entry] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            # Cancelled after the entry was handed over but before this task resumed: give the
            # entry back, or it would be lost.
            if waiter.done() and not waiter.cancelled():
                self.put(waiter.result(), front=True)
            raise


class InMemoryBus:
    def __init__(self) -> None:
        self._exchanges: dict[str, str] = {}  # name -> kind
        self._bindings: dict[str, list[tuple[str, str]]] = {}  # exchange -> [(pattern, queue)]
        self._queues: dict[str, _Queue] = {}
        self._consumers: set[_MemoryConsumer] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._open = False

    async def connect(self) -> None:
        self._open = True

    async def close(self) -> None:
        for consumer in list(self._consumers):
            await consumer.stop()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self._open = False

    async def ping(self) -> None:
        if not self._open:
            raise BusError("in-memory bus is not connected (connect() was not called or close())")

    async def declare_exchange(self, name: str, *, kind: str = "topic") -> None:
        check_name("exchange", name)
        if kind not in EXCHANGE_KINDS:
            raise ValueError(f"exchange kind must be one of {EXCHANGE_KINDS}, got {kind!r}")
        existing = self._exchanges.get(name)
        if existing is not None and existing != kind:
            # The broker refuses a redeclaration with another type (PRECONDITION_FAILED).
            raise BusError(f"exchange {name!r} exists with kind {existing!r}, not {kind!r}")
        self._exchanges[name] = kind
        self._bindings.setdefault(name, [])

    async def declare_queue(self, spec: QueueSpec) -> None:
        for binding in spec.bindings:
            self._require_exchange(binding.exchange)
        queue = self._queues.get(spec.name)
        if queue is None:
            self._queues[spec.name] = _Queue(spec)
        else:
            queue.spec = spec
        for binding in spec.bindings:
            self._bind(binding, spec.name)

    async def publish(self, message: Message, *, mandatory: bool = True) -> None:
        await self.publish_many([message], mandatory=mandatory)

    async def publish_many(self, messages: Sequence[Message], *, mandatory: bool = True) -> None:
        self._require_open()
        for message in messages:
            check_message(message)
        failed: list[PublishFailed] = []
        for message in messages:
            if message.exchange not in self._exchanges:
                # The broker closes the channel on a publish to a missing exchange (404) and no
                # confirm comes: the error the RabbitMQ adapter reports for it.
                failed.append(
                    PublishNotConfirmed(
                        f"exchange {message.exchange!r} does not exist", [message.message_id]
                    )
                )
            elif not self._route(message) and mandatory:
                failed.append(Unroutable("no queue is bound for", [message.message_id]))
        raise_publish_failures(failed)

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 32) -> Consumer:
        self._require_open()
        if prefetch < 1:
            raise ValueError(f"prefetch must be >= 1, got {prefetch}")
        consumer = _MemoryConsumer(self, self._require_queue(queue), handler, prefetch)
        self._consumers.add(consumer)
        consumer.start()
        return consumer

    async def dead_letters(self, queue: str, *, limit: int = 100) -> list[DeadLetter]:
        return list(self._require_queue(queue).dead)[:limit]

    async def redrive(self, queue: str, *, limit: int | None = None) -> int:
        q = self._require_queue(queue)
        count = 0
        while q.dead and (limit is None or count < limit):
            parked = q.dead.popleft()
            q.put(_Entry(parked.message, attempt=1, redelivered=False))
            count += 1
        return count

    # -- internals used by the consumers ---------------------------------------------------

    def _retry_later(self, queue: _Queue, entry: _Entry) -> None:
        delay_s = queue.spec.retry_delay_ms(entry.attempt) / 1000
        retry = replace(entry, attempt=entry.attempt + 1, redelivered=False)

        def fire() -> None:
            self._timers.discard(timer)
            queue.put(retry)

        timer = asyncio.get_running_loop().call_later(delay_s, fire)
        self._timers.add(timer)

    def _forget(self, consumer: _MemoryConsumer) -> None:
        self._consumers.discard(consumer)

    def _route(self, message: Message) -> bool:
        kind = self._exchanges[message.exchange]
        targets: list[str] = []
        for pattern, queue in self._bindings[message.exchange]:
            if queue in targets:
                continue  # AMQP: one copy per queue however many of its bindings match
            if (
                kind == "fanout"
                or (kind == "direct" and pattern == message.routing_key)
                or (kind == "topic" and topic_matches(pattern, message.routing_key))
            ):
                targets.append(queue)
        for queue in targets:
            self._queues[queue].put(_Entry(message, attempt=1, redelivered=False))
        return bool(targets)

    def _bind(self, binding: Binding, queue: str) -> None:
        pair = (binding.routing_key, queue)
        if pair not in self._bindings[binding.exchange]:
            self._bindings[binding.exchange].append(pair)

    def _require_open(self) -> None:
        if not self._open:
            raise BusError("in-memory bus is not connected: call connect() first")

    def _require_exchange(self, name: str) -> None:
        if name not in self._exchanges:
            raise BusError(f"exchange {name!r} was not declared")

    def _require_queue(self, name: str) -> _Queue:
        queue = self._queues.get(name)
        if queue is None:
            raise BusError(f"queue {name!r} was not declared")
        return queue


class _MemoryConsumer:
    def __init__(self, bus: InMemoryBus, queue: _Queue, handler: Handler, prefetch: int) -> None:
        self._bus = bus
        self._queue = queue
        self._handler = handler
        self._slots = asyncio.Semaphore(prefetch)
        self._inflight: dict[asyncio.Task[None], _Entry] = {}
        self._loop_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop_task = asyncio.get_running_loop().create_task(self._pull())

    async def stop(self, *, grace_s: float = 30.0) -> None:
        if self._loop_task is None:
            return
        self._loop_task.cancel()
        await asyncio.gather(self._loop_task, return_exceptions=True)
        self._loop_task = None
        if self._inflight:
            _, late = await asyncio.wait(list(self._inflight), timeout=grace_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            # What was delivered but never acked goes back to the head of the queue, flagged
            # like the broker flags it.
            for task in late:
                self._queue.put(replace(self._inflight.pop(task), redelivered=True), front=True)
        self._bus._forget(self)

    async def _pull(self) -> None:
        while True:
            await self._slots.acquire()
            try:
                entry = await self._queue.take()
            except BaseException:
                self._slots.release()
                raise
            task = asyncio.get_running_loop().create_task(self._handle(entry))
            self._inflight[task] = entry
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._slots.release()
        if not task.cancelled():
            self._inflight.pop(task, None)

    async def _handle(self, entry: _Entry) -> None:
        queue = self._queue
        delivery = Delivery(entry.message, queue.spec.name, entry.attempt, entry.redelivered)
        try:
            await self._handler(delivery)
        except Reject as reject:
            self._park(entry, reject.reason)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if entry.attempt >= queue.spec.max_attempts:
                self._park(entry, reason)
            else:
                log.info(
                    "handler failed, retrying",
                    extra={"queue": queue.spec.name, "attempt": entry.attempt, "error": reason},
                )
                self._bus._retry_later(queue, entry)

    def _park(self, entry: _Entry, reason: str) -> None:
        self._queue.dead.append(
            DeadLetter(entry.message, self._queue.spec.name, reason, entry.attempt)
        )
