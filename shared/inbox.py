"""The inbox: an idempotent consumer for bus deliveries.

The bus delivers at least once (the relay republishes after a crash, the broker redelivers what
a dead consumer did not ack). The inbox makes the *effects* exactly-once: the business handler
only computes the events and outgoing messages a delivery causes, and this wrapper appends them
together with an :class:`~shared.eventlog.port.InboxClaim` for ``(consumer, message_id)`` in one
transaction. A second delivery of the same message finds the claim and is acked as a no-op.
The bus acks only when the wrapper returns, that is after the commit.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog
from prometheus_client import CollectorRegistry, Counter

from shared.bus.port import Bus, Consumer, Delivery, Reject
from shared.eventlog.port import (
    AlreadyProcessed,
    ConcurrencyConflict,
    EventStore,
    InboxClaim,
    NewEvent,
    OutboxMessage,
)


@dataclass(frozen=True)
class Effects:
    """What handling one delivery changes: events for one stream and the messages to send.

    ``events`` may be empty (the message needs no change); the claim is still recorded so the
    decision is not taken twice."""

    stream_id: str
    events: Sequence[NewEvent] = ()
    expected_version: int | None = None
    outbox: Sequence[OutboxMessage] = ()


BusinessHandler = Callable[[Delivery], Awaitable[Effects]]


class InboxMetrics(Protocol):
    def processed(self) -> None: ...

    def duplicate(self, delivery: Delivery) -> None: ...


class NullInboxMetrics:
    def processed(self) -> None:
        pass

    def duplicate(self, delivery: Delivery) -> None:
        pass


class PrometheusInboxMetrics:
    """Counters in the registry handed in (never the global one)."""

    def __init__(self, registry: CollectorRegistry, *, prefix: str = "inbox") -> None:
        self._processed = Counter(
            f"{prefix}_processed", "Deliveries whose effects were committed", registry=registry
        )
        self._duplicates = Counter(
            f"{prefix}_duplicates",
            "Deliveries of already processed messages, acked without effect",
            registry=registry,
        )

    def processed(self) -> None:
        self._processed.inc()

    def duplicate(self, delivery: Delivery) -> None:
        self._duplicates.inc()


class InboxConsumer:
    """Wraps a business handler into a bus handler that applies each message's effects once.

    Errors are not caught: a :class:`~shared.bus.port.Reject` from the business handler parks
    the message, any other exception makes the bus retry it with backoff, and nothing was
    committed in either case. A concurrency conflict on append (another message of the same
    stream committed first) is first retried here, up to ``conflict_retries`` times, running the
    business handler again on the stream as it now is: messages of one stream that arrive
    together (a backlog after the consumer was down) take turns, one commit per round, so the
    last of k needs k rounds; left to the bus's few attempts (5 by default) the late ones were
    parked in the dead-letter queue (the fault tests, tests/faults/, found it: a status of a
    request with nine statuses queued while the portal was down).
    """

    def __init__(
        self,
        store: EventStore,
        consumer: str,
        handler: BusinessHandler,
        *,
        metrics: InboxMetrics | None = None,
        on_commit: Callable[[Effects], None] | None = None,
        conflict_retries: int = 20,
    ) -> None:
        if not consumer:
            raise ValueError("the inbox consumer needs a non-empty name")
        if conflict_retries < 0:
            raise ValueError("conflict_retries must be >= 0")
        self._conflict_retries = conflict_retries
        self._store = store
        self._consumer = consumer
        self._handler = handler
        self._metrics: InboxMetrics = metrics or NullInboxMetrics()
        # Called after each commit, e.g. to wake the outbox relay (see Effects.outbox).
        self._on_commit = on_commit
        self._log = structlog.get_logger("shared.inbox")

    @property
    def consumer(self) -> str:
        return self._consumer

    async def __call__(self, delivery: Delivery) -> None:
        message_id = delivery.message.message_id
        if not message_id:
            # Without an id a redelivery cannot be told from a new message.
            raise Reject("message has no message_id: it cannot be processed idempotently")
        # Cheap early exit, so a known duplicate does not run the business handler at all. The
        # claim in the append below is what makes it safe against concurrent deliveries.
        if await self._store.is_processed(self._consumer, message_id):
            self._duplicate(delivery)
            return
        for conflicts in range(self._conflict_retries + 1):
            effects = await self._handler(delivery)
            try:
                await self._store.append(
                    effects.stream_id,
                    effects.events,
                    expected_version=effects.expected_version,
                    outbox=effects.outbox,
                    inbox=InboxClaim(self._consumer, message_id),
                )
            except AlreadyProcessed:
                # Another delivery of the same message committed first: nothing was written.
                self._duplicate(delivery)
                return
            except ConcurrencyConflict:
                if conflicts == self._conflict_retries:
                    raise
                # Jitter, so the losers of one round do not meet again in lockstep.
                await asyncio.sleep(random.uniform(0, 0.005 * (conflicts + 1)))
                continue
            break
        self._metrics.processed()
        if self._on_commit is not None:
            self._on_commit(effects)

    def _duplicate(self, delivery: Delivery) -> None:
        self._metrics.duplicate(delivery)
        self._log.info(
            "duplicate delivery ignored",
            consumer=self._consumer,
            message_id=delivery.message.message_id,
            queue=delivery.queue,
            attempt=delivery.attempt,
            redelivered=delivery.redelivered,
        )

    async def consume(self, bus: Bus, queue: str, *, prefetch: int = 32) -> Consumer:
        """Start consuming ``queue`` through this inbox; stop it with ``Consumer.stop()``."""
        return await bus.consume(queue, self, prefetch=prefetch)
