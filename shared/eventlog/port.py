"""The event-log port: what every service's event store offers, whatever the database.

Two adapters implement it (PostgreSQL through asyncpg, SQLite for the embedded mode) and one
contract suite (tests/eventlog/test_contract.py) runs against both.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

JSON = dict[str, Any]


class EventLogError(Exception):
    """Base of every error the event log raises."""


class ConcurrencyConflict(EventLogError):
    """The stream's version is not the one the writer expected (optimistic concurrency)."""

    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        super().__init__(f"stream {stream_id!r}: expected version {expected}, found {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class EventIdReused(EventLogError):
    """An event id already stored is being appended with another stream or content."""


class AlreadyProcessed(EventLogError):
    """The inbox already holds this (consumer, message id): the message was handled before."""

    def __init__(self, consumer: str, message_id: str) -> None:
        super().__init__(f"message {message_id} was already processed by {consumer}")
        self.consumer = consumer
        self.message_id = message_id


class LogNotEmpty(EventLogError):
    """``import_events`` was pointed at a log that already holds events."""

    def __init__(self, events: int, last_position: int) -> None:
        super().__init__(
            f"the event log already holds {events} events (last position {last_position}); "
            "import only into an empty log"
        )
        self.events = events
        self.last_position = last_position


@dataclass(frozen=True)
class NewEvent:
    """An event to append. ``type`` is a stable name with a version, e.g. ``PermitIssued.v1``;
    never a Python import path."""

    type: str
    data: Mapping[str, Any]
    event_id: UUID = field(default_factory=uuid4)
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedEvent:
    position: int  # global position in this service's log, > 0
    stream_id: str
    version: int  # 1-based position inside the stream
    event_id: UUID
    type: str
    data: JSON
    metadata: JSON  # correlation_id, causation_id, actor, ...
    recorded_at: datetime
    prev_hash: str  # hash of the previous event of the same stream ("" for version 1)
    hash: str


@dataclass(frozen=True)
class OutboxMessage:
    """A message committed in the same transaction as the events; the relay publishes it."""

    message_id: str
    exchange: str
    routing_key: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingOutbox:
    # Row id: increasing in insertion order, so in order within one append; across concurrent
    # appends it follows insertion, not commit order. The relay selects unsent rows (never "ids
    # after n"), so a late commit is not skipped, only published after later ids.
    id: int
    message: OutboxMessage


@dataclass(frozen=True)
class InboxClaim:
    """Record that ``consumer`` handled ``message_id``, in the same transaction as its effects."""

    consumer: str
    message_id: str


@dataclass(frozen=True)
class AppendResult:
    stream_id: str
    # None when the call carried no event. An idempotent replay returns the original append's
    # result, positions included, so a retrying caller cannot tell it from the first success.
    first_position: int | None
    last_position: int | None
    version: int  # the stream's version after the append


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    first_broken_position: int | None = None
    reason: str | None = None


class EventStore(Protocol):
    """Append-only, hash-chained event log with outbox and inbox tables in the same database."""

    async def open(self) -> None:
        """Connect and apply pending migrations (idempotent, safe for concurrent start-ups)."""

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the database is unusable (used by ``/health``)."""

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int | None = None,
        outbox: Sequence[OutboxMessage] = (),
        inbox: InboxClaim | None = None,
    ) -> AppendResult:
        """Append atomically. ``expected_version``: None = any, 0 = the stream must not exist,
        n = the stream's current version must be n, else :class:`ConcurrencyConflict`.
        Re-appending exactly the events of an earlier append (same ids, stream, order and
        content) writes nothing (no outbox rows either) and returns that append's result; an id
        stored with another stream or content raises :class:`EventIdReused`. An inbox claim
        already present raises :class:`AlreadyProcessed` and nothing is written. ``events`` may
        be empty when the call only writes outbox rows and/or the inbox claim."""

    async def import_events(
        self, events: AsyncIterable[RecordedEvent], *, batch_size: int = 1000
    ) -> int:
        """Store events recorded elsewhere exactly as they are (position, stream, version, id,
        type, data, metadata, time, prev_hash, hash) into a log that holds no event, in ONE
        transaction, and return how many. A log with any event raises :class:`LogNotEmpty`
        before reading ``events``; if iterating ``events`` raises, nothing is stored. Positions
        must increase; the hash chains are the caller's to verify
        (``shared.eventlog.export.import_log`` does, line by line). Later appends continue
        after the highest imported position and chain to each stream's imported head."""

    async def read_stream(
        self, stream_id: str, *, from_version: int = 1, limit: int | None = None
    ) -> list[RecordedEvent]: ...

    async def stream_version(self, stream_id: str) -> int: ...

    async def read_all(self, *, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Events with position > ``after`` in position order, never skipping one that a slower
        concurrent transaction commits later (returns only the prefix that is safe)."""

    async def head_position(self) -> int: ...

    async def load_position(self, subscription: str) -> int: ...

    async def save_position(self, subscription: str, position: int) -> None: ...

    async def pending_outbox(self, *, limit: int = 500) -> list[PendingOutbox]: ...

    async def mark_outbox_sent(self, ids: Sequence[int]) -> None: ...

    async def is_processed(self, consumer: str, message_id: str) -> bool: ...

    async def claim_nonce(self, nonce: str, seen_at: datetime, *, forget_before: datetime) -> bool:
        """Record a signed HTTP call's nonce (shared.pki.http_signing): True if it is new, False
        if it is already held (a replay). Insert-or-conflict on the unique nonce decides, so two
        replicas racing on one nonce cannot both win. Nonces seen before ``forget_before`` are
        deleted first, which keeps the table bounded by the calls of one window."""

    async def verify_chain(self) -> ChainReport: ...

    def subscribe(self, name: str, *, batch_size: int = 500) -> AsyncIterator[RecordedEvent]:
        """A catch-up subscription: from the stored position, then live. It does not save the
        position: the consumer calls :meth:`save_position` after handling (see
        ``shared.eventlog.subscription.run_subscription``)."""
        ...
