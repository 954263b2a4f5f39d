"""The message-bus port. Two adapters (aio-pika for RabbitMQ, in-memory for the embedded mode)
implement it and one contract suite (tests/bus/test_contract.py) runs against both.

Handler contract: a handler that returns normally acks the message; one that raises
:class:`Reject` parks it in the queue's dead-letter queue at once with the reason; one that
raises anything else is retried with backoff, and parked with the last error after
``max_attempts`` deliveries. Nothing is ever dropped silently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

HeaderValue = str | int


class BusError(Exception):
    """Base of every error the bus raises."""


class Unroutable(BusError):
    """A mandatory publish matched no queue."""


class PublishNotConfirmed(BusError):
    """The broker nacked the message or the confirm did not arrive."""


class Reject(Exception):  # noqa: N818 - it is a signal from a handler, not an error of the bus
    """Raised by a handler: the message can never be processed; park it with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Message:
    exchange: str
    routing_key: str
    body: bytes
    message_id: str
    headers: Mapping[str, HeaderValue] = field(default_factory=dict)
    content_type: str = "application/json"
    correlation_id: str | None = None


@dataclass(frozen=True)
class Delivery:
    message: Message
    queue: str
    attempt: int  # 1 on first delivery
    redelivered: bool  # the broker delivered it before without an ack (consumer died)


Handler = Callable[[Delivery], Awaitable[None]]


@dataclass(frozen=True)
class Binding:
    exchange: str
    routing_key: str  # topic pattern, e.g. "A.*" or "#"


@dataclass(frozen=True)
class QueueSpec:
    name: str
    bindings: Sequence[Binding] = ()
    max_attempts: int = 5
    backoff_base_ms: int = 200  # attempt n waits base * 2**(n-1), capped
    backoff_max_ms: int = 30_000


@dataclass(frozen=True)
class DeadLetter:
    message: Message
    queue: str
    reason: str
    attempts: int


class Consumer(Protocol):
    async def stop(self) -> None:
        """Stop taking new messages, let in-flight handlers finish and ack; lose nothing."""


class Bus(Protocol):
    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the broker is unusable (used by ``/health``)."""

    async def declare_exchange(self, name: str, *, kind: str = "topic") -> None: ...

    async def declare_queue(self, spec: QueueSpec) -> None: ...

    async def publish(self, message: Message, *, mandatory: bool = True) -> None:
        """Persistent publish, returns after the broker confirmed; raises Unroutable or
        PublishNotConfirmed."""

    async def publish_many(self, messages: Sequence[Message], *, mandatory: bool = True) -> None:
        """Pipelined: all are sent before any confirm is awaited; raises on the first failure
        after every confirm has arrived (the caller learns which ones via the exception)."""

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 32) -> Consumer: ...

    async def dead_letters(self, queue: str, *, limit: int = 100) -> list[DeadLetter]:
        """Parked messages of ``queue`` (not removed)."""

    async def redrive(self, queue: str, *, limit: int | None = None) -> int:
        """Move parked messages back to ``queue``; returns how many."""
