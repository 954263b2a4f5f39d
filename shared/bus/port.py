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

from shared.bus.topic import check_name, check_pattern

HeaderValue = str | int


class BusError(Exception):
    """Base of every error the bus raises."""


class PublishFailed(BusError):
    """Base of the publish failures; ``message_ids`` names every message of the call that failed
    (one for ``publish``, possibly several for ``publish_many``)."""

    def __init__(self, detail: str, message_ids: Sequence[str]) -> None:
        super().__init__(f"{detail}: {', '.join(message_ids)}")
        self.detail = detail
        self.message_ids = tuple(message_ids)


class Unroutable(PublishFailed):
    """A mandatory publish matched no queue."""


class PublishNotConfirmed(PublishFailed):
    """The broker nacked the message or the confirm did not arrive."""


def raise_publish_failures(failed: Sequence[PublishFailed]) -> None:
    """The one rule both adapters apply at the end of ``publish_many``: nothing failed, return;
    only unroutable messages, :class:`Unroutable`; otherwise :class:`PublishNotConfirmed`.
    Either way naming every failed message."""
    if not failed:
        return
    ids = [i for f in failed for i in f.message_ids]
    if all(isinstance(f, Unroutable) for f in failed):
        raise Unroutable("no queue is bound for", ids)
    reasons = sorted({f.detail for f in failed if not isinstance(f, Unroutable)})
    raise PublishNotConfirmed("; ".join(reasons), ids)


class Reject(Exception):
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

    def __post_init__(self) -> None:
        check_name("exchange", self.exchange)
        check_pattern(self.routing_key)


@dataclass(frozen=True)
class QueueSpec:
    name: str
    bindings: Sequence[Binding] = ()
    max_attempts: int = 5
    backoff_base_ms: int = 200  # after failed attempt n the message waits base * 2**(n-1), capped
    backoff_max_ms: int = 30_000
    # A signal queue of one process (pki.revoked), not data: on RabbitMQ a classic,
    # non-durable queue deleted with its consumer (auto-delete), without delay or dead-letter
    # queues, so a message a handler refuses is dropped (logged), never parked. One attempt.
    transient: bool = False

    def __post_init__(self) -> None:
        check_name("queue", self.name)
        if self.transient and self.max_attempts != 1:
            raise ValueError(f"queue {self.name!r}: a transient queue has one attempt")
        if self.max_attempts < 1:
            raise ValueError(f"queue {self.name!r}: max_attempts must be >= 1")
        if self.backoff_base_ms < 1 or self.backoff_max_ms < self.backoff_base_ms:
            raise ValueError(
                f"queue {self.name!r}: need 1 <= backoff_base_ms <= backoff_max_ms, got "
                f"{self.backoff_base_ms} and {self.backoff_max_ms}"
            )

    def retry_delay_ms(self, failed_attempt: int) -> int:
        """How long a message waits after its ``failed_attempt``-th delivery failed."""
        return min(self.backoff_base_ms << (failed_attempt - 1), self.backoff_max_ms)

    def retry_delays_ms(self) -> list[int]:
        """Every distinct delay this queue can use, in order (one delay queue each)."""
        return sorted({self.retry_delay_ms(n) for n in range(1, self.max_attempts)})


@dataclass(frozen=True)
class DeadLetter:
    message: Message
    queue: str
    reason: str
    attempts: int


class Consumer(Protocol):
    async def stop(self, *, grace_s: float = 30.0) -> None:
        """Stop taking new messages, let in-flight handlers finish and ack; lose nothing.

        A handler still running after ``grace_s`` seconds is cancelled and its message is left
        unacked, so the broker delivers it again (``redelivered=True``) to another consumer."""


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
        """Pipelined: all are sent before any confirm is awaited. After every confirm has
        arrived, raises :class:`Unroutable` if every failure was unroutable, otherwise
        :class:`PublishNotConfirmed`; ``message_ids`` of the exception names the failed ones."""

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 32) -> Consumer: ...

    async def dead_letters(self, queue: str, *, limit: int = 100) -> list[DeadLetter]:
        """Parked messages of ``queue`` (not removed)."""

    async def redrive(self, queue: str, *, limit: int | None = None) -> int:
        """Move parked messages back to ``queue``; returns how many."""
