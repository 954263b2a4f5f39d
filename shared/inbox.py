"""The inbox: an idempotent consumer for bus deliveries.

The bus delivers at least once (the relay republishes after a crash, the broker redelivers what
a dead consumer did not ack). The inbox makes the *effects* exactly-once: the business handler
only computes the events and outgoing messages a delivery causes, and this wrapper appends them
together with an :class:`~shared.eventlog.port.InboxClaim` for ``(consumer, message_id)`` in one
transaction; for signed envelopes the id is the envelope's own (:func:`envelope_message_id`).
A second delivery of the same message finds the claim and is acked as a no-op.
The bus acks only when the wrapper returns, that is after the commit.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
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
MessageIdOf = Callable[[Delivery], str]


def amqp_message_id(delivery: Delivery) -> str:
    """The transport's ``message_id`` property: for messages whose body carries no id."""
    return delivery.message.message_id


def envelope_message_id(delivery: Delivery) -> str:
    """The ``message_id`` inside the envelope (shared.envelope) the delivery carries.

    The key for every consumer of signed envelopes: the AMQP ``message_id`` property is signed by
    nobody, so a captured envelope republished under a fresh property would pass as new (three
    replays of an old status grew a portal history from 7 entries to 10). The id is read before
    the handler verifies the signature; that is safe because the claim commits only with the
    handler's effects, which it computes after the envelope verified: a body whose id was
    changed fails verification and claims nothing, and one that borrows a known id is dropped
    as a duplicate. The id is normalised as a UUID (the envelope model, and so its signature,
    reads ``ABC...`` and ``abc...`` as one id)."""
    try:
        found = json.loads(delivery.message.body).get("message_id")
        return str(uuid.UUID(found))
    except (ValueError, TypeError, AttributeError):
        raise Reject(
            "the delivery is not an envelope with a message_id: it cannot be processed idempotently"
        ) from None


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
        message_id_of: MessageIdOf = amqp_message_id,
    ) -> None:
        if not consumer:
            raise ValueError("the inbox consumer needs a non-empty name")
        if conflict_retries < 0:
            raise ValueError("conflict_retries must be >= 0")
        self._conflict_retries = conflict_retries
        # What identifies a message: envelope_message_id for signed envelopes (every service),
        # the AMQP property only for bodies that carry no id of their own.
        self._message_id_of = message_id_of
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
        message_id = self._message_id_of(delivery)
        if not message_id:
            # Without an id a redelivery cannot be told from a new message.
            raise Reject("message has no message_id: it cannot be processed idempotently")
        # Cheap early exit, so a known duplicate does not run the business handler at all. The
        # claim in the append below is what makes it safe against concurrent deliveries.
        if await self._store.is_processed(self._consumer, message_id):
            self._duplicate(delivery, message_id)
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
                self._duplicate(delivery, message_id)
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

    def _duplicate(self, delivery: Delivery, message_id: str) -> None:
        self._metrics.duplicate(delivery)
        self._log.info(
            "duplicate delivery ignored",
            consumer=self._consumer,
            message_id=message_id,
            transport_message_id=delivery.message.message_id,
            queue=delivery.queue,
            attempt=delivery.attempt,
            redelivered=delivery.redelivered,
        )

    async def consume(self, bus: Bus, queue: str, *, prefetch: int = 32) -> Consumer:
        """Start consuming ``queue`` through this inbox; stop it with ``Consumer.stop()``."""
        return await bus.consume(queue, self, prefetch=prefetch)
