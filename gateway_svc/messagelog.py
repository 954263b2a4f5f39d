"""The gateway's tamper-evident message log, kept in the service's event log.

Chain scope: the event log chains events per stream, so the message log decides what a chain
covers. It writes every record of one UTC day to one of ``shards`` streams
(``msglog-YYYY-MM-DD-NN``), chosen by the message id (or, for a message too broken to have
one, its body hash). So every record about one message (acceptance, regional hop, delivery
states, refusals of its replays) is in one chain, in order, and deleting, editing or reordering
any record breaks that chain, which ``verify_chain`` (``egov audit verify gateway``) reports with
the position of the first broken row. Why shards and days rather than one chain: every append
to a stream serialises on its head; one stream for all traffic made concurrent handlers lose
the append race over and over (measured: the PostgreSQL adapter gave up after 20 lost races at
64 messages in flight). Within this process appends to one stream also take a lock, so they
queue instead of racing.

Queries run against an in-memory index caught up from the log (``read_all`` from the last
position seen), so several gateway processes sharing one database see each other's records.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from shared.clock import Clock
from shared.eventlog.port import (
    ChainReport,
    EventStore,
    InboxClaim,
    NewEvent,
    OutboxMessage,
    RecordedEvent,
)

STREAM_PREFIX = "msglog-"
REPLAY_CONSUMER = "gateway.message-ids"  # inbox "consumer" whose claims are the seen message ids


class Record(StrEnum):
    ACCEPTED = "MessageAccepted.v1"
    REJECTED = "MessageRejected.v1"
    RELAYED = "MessageRelayed.v1"  # the regional gateway's hop
    DELIVERY = "DeliveryStateChanged.v1"
    SYNC_REQUEST = "SyncRequestLogged.v1"
    SYNC_RESPONSE = "SyncResponseLogged.v1"


class DeliveryState(StrEnum):
    ON_DELIVERY = "ON_DELIVERY"
    DELIVERED = "DELIVERED"
    NOT_DELIVERED = "NOT_DELIVERED"  # parked: kept with its envelope until re-driven or stopped
    DELIVERY_STOPPED = "DELIVERY_STOPPED"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


DEFAULT_SHARDS = 8


def stream_for(instant: datetime, key: str, shards: int = DEFAULT_SHARDS) -> str:
    shard = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % shards
    return f"{STREAM_PREFIX}{instant.date().isoformat()}-{shard:02d}"


def _shard_key(data: Mapping[str, Any]) -> str:
    for name in ("message_id", "body_sha256", "request_sha256"):
        value = data.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


@dataclass(frozen=True)
class LogEntry:
    position: int
    recorded_at: datetime
    record: str
    data: Mapping[str, Any]

    @property
    def message_id(self) -> str | None:
        value = self.data.get("message_id")
        return str(value) if value is not None else None

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "recorded_at": self.recorded_at.isoformat(),
            "record": self.record,
            **self.data,
        }


@dataclass(frozen=True)
class Query:
    message_id: str | None = None
    correlation_id: str | None = None
    sender: str | None = None
    recipient: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100


@dataclass(frozen=True)
class Delivery:
    """The latest delivery state of one message to one recipient."""

    message_id: str
    recipient: str
    state: DeliveryState
    reason: str
    position: int
    envelope_raw: str | None  # kept for parked messages so a re-drive loses nothing
    correlation_id: str | None


@dataclass
class _Index:
    position: int = 0
    entries: list[LogEntry] = field(default_factory=list)
    by_message: dict[str, list[LogEntry]] = field(default_factory=lambda: defaultdict(list))
    by_correlation: dict[str, list[LogEntry]] = field(default_factory=lambda: defaultdict(list))
    deliveries: dict[tuple[str, str], Delivery] = field(default_factory=dict)

    def add(self, event: RecordedEvent) -> None:
        self.position = event.position
        if not event.stream_id.startswith(STREAM_PREFIX):
            return
        entry = LogEntry(event.position, event.recorded_at, event.type, event.data)
        self.entries.append(entry)
        if entry.message_id is not None:
            self.by_message[entry.message_id].append(entry)
        correlation = event.data.get("correlation_id")
        if isinstance(correlation, str):
            self.by_correlation[correlation].append(entry)
        if event.type == Record.DELIVERY:
            data = event.data
            key = (str(data["message_id"]), str(data["recipient"]))
            previous = self.deliveries.get(key)
            raw = data.get("envelope_raw") or (previous.envelope_raw if previous else None)
            self.deliveries[key] = Delivery(
                message_id=key[0],
                recipient=key[1],
                state=DeliveryState(data["state"]),
                reason=str(data.get("reason", "")),
                position=event.position,
                envelope_raw=raw,
                correlation_id=data.get("correlation_id"),
            )


class MessageLog:
    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        *,
        keep_bodies: bool = True,
        shards: int = DEFAULT_SHARDS,
    ) -> None:
        if shards < 1:
            raise ValueError("shards must be >= 1")
        self._store = store
        self._clock = clock
        self.keep_bodies = keep_bodies
        self._shards = shards
        self._stream_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._index = _Index()
        self._catching_up = asyncio.Lock()

    @property
    def store(self) -> EventStore:
        return self._store

    @property
    def clock(self) -> Clock:
        """The clock the log's records are stamped by."""
        return self._clock

    async def append(
        self,
        record: Record,
        data: Mapping[str, Any],
        *,
        claim_message_id: str | None = None,
        outbox: Sequence[OutboxMessage] = (),
        also: Sequence[tuple[Record, Mapping[str, Any]]] = (),
    ) -> None:
        """Append ``record`` (and ``also``) to today's chain in one transaction. With
        ``claim_message_id`` the message id is claimed in the same transaction: a second
        claim raises :class:`shared.eventlog.port.AlreadyProcessed` and writes nothing."""
        events = [_event(record, data), *(_event(r, d) for r, d in also)]
        inbox = InboxClaim(REPLAY_CONSUMER, claim_message_id) if claim_message_id else None
        stream = stream_for(self._clock.now(), _shard_key(data), self._shards)
        if len(self._stream_locks) > 4 * self._shards:
            # Past days' streams take no more appends: drop the idle locks (a lock nobody
            # holds has no waiters, so dropping it loses nothing).
            for name in [n for n, lock in self._stream_locks.items() if not lock.locked()]:
                del self._stream_locks[name]
        async with self._stream_locks[stream]:
            await self._store.append(stream, events, outbox=outbox, inbox=inbox)

    async def seen(self, message_id: str) -> bool:
        return await self._store.is_processed(REPLAY_CONSUMER, message_id)

    async def catch_up(self) -> None:
        async with self._catching_up:
            while True:
                batch = await self._store.read_all(after=self._index.position, limit=1000)
                for event in batch:
                    self._index.add(event)
                if len(batch) < 1000:
                    return

    async def query(self, query: Query) -> list[LogEntry]:
        await self.catch_up()
        if query.message_id is not None:
            candidates: Sequence[LogEntry] = self._index.by_message.get(query.message_id, [])
        elif query.correlation_id is not None:
            candidates = self._index.by_correlation.get(query.correlation_id, [])
        else:
            candidates = self._index.entries
        out: list[LogEntry] = []
        for entry in candidates:
            if _matches(entry, query):
                out.append(entry)
                if len(out) >= query.limit:
                    break
        return out

    async def newest(self, query: Query, *, before: int | None = None) -> list[LogEntry]:
        """Up to ``query.limit`` entries matching ``query``, newest first, from log positions
        below ``before`` (the last row of the previous page: keyset pagination). The scan walks
        back from the newest entry and stops at ``query.since`` (log order is append order,
        so nothing older follows), so a page costs its own size plus what the filter skips."""
        await self.catch_up()
        if query.message_id is not None:
            candidates: Sequence[LogEntry] = self._index.by_message.get(query.message_id, [])
        elif query.correlation_id is not None:
            candidates = self._index.by_correlation.get(query.correlation_id, [])
        else:
            candidates = self._index.entries
        end = len(candidates)
        if before is not None:
            end = bisect.bisect_left(candidates, before, key=lambda e: e.position)
        out: list[LogEntry] = []
        for index in range(end - 1, -1, -1):
            entry = candidates[index]
            if query.since is not None and entry.recorded_at < query.since:
                break
            if _matches(entry, query):
                out.append(entry)
                if len(out) >= query.limit:
                    break
        return out

    async def recent(self, since: datetime) -> list[LogEntry]:
        """Every entry recorded at or after ``since``, oldest first (walked back from the
        newest, so a short window costs only its own entries)."""
        await self.catch_up()
        entries = self._index.entries
        start = len(entries)
        while start > 0 and entries[start - 1].recorded_at >= since:
            start -= 1
        return entries[start:]

    async def query_message(self, message_id: str) -> list[LogEntry]:
        return await self.query(Query(message_id=message_id, limit=10_000))

    async def trace(self, correlation_id: str) -> list[LogEntry]:
        """Every record of a request's journey, in log order."""
        await self.catch_up()
        return list(self._index.by_correlation.get(correlation_id, []))

    async def accepted(self, message_id: str) -> LogEntry | None:
        await self.catch_up()
        for entry in self._index.by_message.get(message_id, []):
            if entry.record == Record.ACCEPTED:
                return entry
        return None

    async def deliveries(self, message_id: str) -> list[Delivery]:
        await self.catch_up()
        return [d for (mid, _), d in self._index.deliveries.items() if mid == message_id]

    async def parked(self) -> list[Delivery]:
        await self.catch_up()
        return sorted(
            (d for d in self._index.deliveries.values() if d.state is DeliveryState.NOT_DELIVERED),
            key=lambda d: d.position,
        )

    async def verify(self) -> ChainReport:
        return await self._store.verify_chain()


def _event(record: Record, data: Mapping[str, Any]) -> NewEvent:
    data = _storable(data)
    metadata = {
        key: data[key] for key in ("correlation_id", "causation_id") if data.get(key) is not None
    }
    return NewEvent(type=record.value, data=data, metadata=metadata)


def _storable(value: Any) -> Any:
    """``value`` with every NUL in its strings replaced by U+FFFD. PostgreSQL's jsonb cannot
    hold NUL, and a refused message may claim anything: its record must still be written (the
    body's SHA-256 keeps the exact bytes in evidence)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, Mapping):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def _matches(entry: LogEntry, query: Query) -> bool:
    data = entry.data
    if query.message_id is not None and entry.message_id != query.message_id:
        return False
    if query.correlation_id is not None and data.get("correlation_id") != query.correlation_id:
        return False
    if query.sender is not None and data.get("sender") != query.sender:
        return False
    if query.recipient is not None and data.get("recipient") != query.recipient:
        return False
    if query.since is not None and entry.recorded_at < query.since:
        return False
    return query.until is None or entry.recorded_at < query.until


def is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True
