"""SQLite adapter of the event log (aiosqlite), for the embedded mode without servers.

One connection, and every operation holds one asyncio lock: SQLite allows a single writer, and a
read on the connection that is in the middle of a write transaction would see uncommitted rows.
Because writes are serialised, positions are committed in increasing order, so ``read_all`` can
return whatever it sees without the hole handling the PostgreSQL adapter needs.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import aiosqlite

from shared.clock import Clock
from shared.eventlog._time import default_clock, now_utc
from shared.eventlog.chain import ChainVerifier
from shared.eventlog.hashing import format_recorded_at
from shared.eventlog.migrations import load_migrations
from shared.eventlog.port import (
    AlreadyProcessed,
    AppendResult,
    ChainReport,
    ConcurrencyConflict,
    EventLogError,
    InboxClaim,
    LogNotEmpty,
    NewEvent,
    OutboxMessage,
    PendingOutbox,
    RecordedEvent,
)
from shared.eventlog.subscription import DEFAULT_POLL_INTERVAL, follow
from shared.eventlog.writing import (
    Canonical,
    check_append_arguments,
    prepare,
    replay_result,
    to_json,
)

_SELECT_EVENTS = (
    "SELECT position, stream_id, version, event_id, type, data, metadata, recorded_at,"
    " prev_hash, hash FROM events"
)
# Lists travel as one JSON array parameter (json_each), so no SQL is built at run time.
_EVENTS_BY_ID = (
    "SELECT position, stream_id, version, event_id, type, data, metadata, recorded_at,"
    " prev_hash, hash FROM events WHERE event_id IN (SELECT value FROM json_each(?))"
)
_EVENTS_OF_STREAM = (
    _SELECT_EVENTS + " WHERE stream_id = ? AND version >= ? ORDER BY version LIMIT ?"
)
_EVENTS_AFTER = _SELECT_EVENTS + " WHERE position > ? ORDER BY position LIMIT ?"


def _event(row: sqlite3.Row) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"],
        stream_id=row["stream_id"],
        version=row["version"],
        event_id=UUID(row["event_id"]),
        type=row["type"],
        data=json.loads(row["data"]),
        metadata=json.loads(row["metadata"]),
        recorded_at=datetime.fromisoformat(row["recorded_at"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


class SqliteEventStore:
    """The event log in one SQLite file (or ``":memory:"``), WAL mode."""

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        self._path = str(path)
        if not self._path:
            raise ValueError('the SQLite path is empty; use ":memory:" for an in-memory log')
        self._clock = default_clock(clock)
        self._poll_interval = poll_interval
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    # -- life cycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        if self._conn is not None:
            return
        # isolation_level=None: no implicit BEGIN from the sqlite3 module; transactions are
        # explicit (BEGIN IMMEDIATE takes the write lock up front, so no upgrade deadlock).
        conn = await aiosqlite.connect(self._path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA foreign_keys=ON")
            await self._migrate(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with conn.execute("SELECT version FROM schema_migrations") as cursor:
            applied = {row[0] for row in await cursor.fetchall()}
        for migration in load_migrations("sqlite"):
            if migration.version in applied:
                continue
            # executescript cannot take parameters; version and name come from a file name
            # checked against ^\d{4}_[a-z0-9_]+\.sql$ and the time from format_recorded_at.
            try:
                await conn.executescript(
                    "BEGIN IMMEDIATE;\n"
                    f"{migration.sql}\n"
                    "INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES "
                    f"({migration.version}, '{migration.name}', "
                    f"'{format_recorded_at(now_utc(self._clock))}');\n"
                    "COMMIT;"
                )
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    @property
    def _db(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise EventLogError("the SQLite event store is not open: call open() first")
        return self._conn

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        async with self._db.execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def ping(self) -> None:
        async with self._lock:
            row = await self._fetchone("SELECT 1")
        if row is None or row[0] != 1:
            raise EventLogError("SQLite answered SELECT 1 with something else")

    # -- writing ------------------------------------------------------------------------------

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int | None = None,
        outbox: Sequence[OutboxMessage] = (),
        inbox: InboxClaim | None = None,
    ) -> AppendResult:
        canonical = check_append_arguments(stream_id, events, expected_version, outbox, inbox)
        async with self._lock:
            db = self._db
            await db.execute("BEGIN IMMEDIATE")
            try:
                result = await self._append_locked(
                    stream_id, events, expected_version, outbox, inbox, canonical
                )
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            if result[1]:
                await db.execute("COMMIT")
            else:
                await db.execute("ROLLBACK")  # idempotent replay: nothing of this call is kept
            return result[0]

    async def _append_locked(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int | None,
        outbox: Sequence[OutboxMessage],
        inbox: InboxClaim | None,
        canonical: Canonical,
    ) -> tuple[AppendResult, bool]:
        """The result, and whether to commit (False for an idempotent replay)."""
        db = self._db
        recorded_at = now_utc(self._clock)
        stamp = format_recorded_at(recorded_at)
        if inbox is not None:
            claimed = await self._fetchone(
                "INSERT INTO inbox (consumer, message_id, processed_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING RETURNING 1",
                (inbox.consumer, inbox.message_id, stamp),
            )
            if claimed is None:
                raise AlreadyProcessed(inbox.consumer, inbox.message_id)
        if events:
            ids = json.dumps([str(event.event_id) for event in events])
            stored = await self._fetchall(_EVENTS_BY_ID, (ids,))
            if stored:
                return replay_result(stream_id, events, [_event(r) for r in stored]), False
        head = await self._fetchone(
            "SELECT version, hash FROM events WHERE stream_id = ? ORDER BY version DESC LIMIT 1",
            (stream_id,),
        )
        current, last_hash = (head["version"], head["hash"]) if head else (0, "")
        if expected_version is not None and expected_version != current:
            raise ConcurrencyConflict(stream_id, expected_version, current)
        first = last = None
        if events:
            prepared = prepare(
                stream_id,
                events,
                current_version=current,
                last_hash=last_hash,
                recorded_at=recorded_at,
                canonical=canonical,
            )
            for event in prepared:
                cursor = await db.execute(
                    "INSERT INTO events (stream_id, version, event_id, type, data, metadata,"
                    " recorded_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.stream_id,
                        event.version,
                        str(event.event_id),
                        event.type,
                        event.data_json,
                        event.metadata_json,
                        stamp,
                        event.prev_hash,
                        event.hash,
                    ),
                )
                position = cursor.lastrowid
                await cursor.close()
                first = position if first is None else first
                last = position
            current = prepared[-1].version
        for message in outbox:
            await db.execute(
                "INSERT INTO outbox (message_id, exchange, routing_key, body, headers,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    message.message_id,
                    message.exchange,
                    message.routing_key,
                    bytes(message.body),
                    to_json(message.headers),
                    stamp,
                ),
            )
        return AppendResult(stream_id, first, last, current), True

    async def import_events(
        self, events: AsyncIterable[RecordedEvent], *, batch_size: int = 1000
    ) -> int:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        async with self._lock:
            db = self._db
            await db.execute("BEGIN IMMEDIATE")
            try:
                count = await self._import_locked(events, batch_size)
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")
        return count

    async def _import_locked(self, events: AsyncIterable[RecordedEvent], batch_size: int) -> int:
        held = await self._fetchone("SELECT count(*), coalesce(max(position), 0) FROM events")
        if held is not None and held[0]:
            raise LogNotEmpty(int(held[0]), int(held[1]))
        count = 0
        last = 0
        batch: list[tuple[Any, ...]] = []
        async for event in events:
            if event.position <= last:
                raise ValueError(f"position {event.position} does not follow position {last}")
            last = event.position
            batch.append(
                (
                    event.position,
                    event.stream_id,
                    event.version,
                    str(event.event_id),
                    event.type,
                    to_json(event.data),
                    to_json(event.metadata),
                    format_recorded_at(event.recorded_at),
                    event.prev_hash,
                    event.hash,
                )
            )
            if len(batch) >= batch_size:
                count += await self._insert_rows(batch)
                batch = []
        if batch:
            count += await self._insert_rows(batch)
        # An explicit position above sqlite_sequence moves it up (AUTOINCREMENT), so the next
        # append continues after the highest imported position.
        return count

    async def _insert_rows(self, rows: list[tuple[Any, ...]]) -> int:
        await self._db.executemany(
            "INSERT INTO events (position, stream_id, version, event_id, type, data, metadata,"
            " recorded_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    # -- reading ------------------------------------------------------------------------------

    async def read_stream(
        self, stream_id: str, *, from_version: int = 1, limit: int | None = None
    ) -> list[RecordedEvent]:
        if from_version < 1:
            raise ValueError(f"from_version must be >= 1, got {from_version}")
        if limit is not None and limit <= 0:
            raise ValueError(f"limit must be positive or None, got {limit}")
        async with self._lock:
            rows = await self._fetchall(
                _EVENTS_OF_STREAM,
                (stream_id, from_version, -1 if limit is None else limit),
            )
        return [_event(r) for r in rows]

    async def stream_version(self, stream_id: str) -> int:
        async with self._lock:
            row = await self._fetchone(
                "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = ?", (stream_id,)
            )
        return int(row[0]) if row else 0

    async def read_all(self, *, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        if after < 0:
            raise ValueError(f"after must be >= 0, got {after}")
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        async with self._lock:
            rows = await self._fetchall(
                _EVENTS_AFTER,
                (after, limit),
            )
        return [_event(r) for r in rows]

    async def head_position(self) -> int:
        async with self._lock:
            row = await self._fetchone("SELECT coalesce(max(position), 0) FROM events")
        return int(row[0]) if row else 0

    # -- subscriptions ------------------------------------------------------------------------

    async def load_position(self, subscription: str) -> int:
        async with self._lock:
            row = await self._fetchone(
                "SELECT position FROM subscriptions WHERE name = ?", (subscription,)
            )
        return int(row[0]) if row else 0

    async def save_position(self, subscription: str, position: int) -> None:
        if position < 0:
            raise ValueError(f"position must be >= 0, got {position}")
        async with self._lock:
            await self._db.execute(
                "INSERT INTO subscriptions (name, position, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET position = excluded.position,"
                " updated_at = excluded.updated_at",
                (subscription, position, format_recorded_at(now_utc(self._clock))),
            )

    def subscribe(self, name: str, *, batch_size: int = 500) -> AsyncIterator[RecordedEvent]:
        return follow(self, name, batch_size=batch_size, poll_interval=self._poll_interval)

    # -- outbox and inbox ---------------------------------------------------------------------

    async def pending_outbox(self, *, limit: int = 500) -> list[PendingOutbox]:
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        async with self._lock:
            rows = await self._fetchall(
                "SELECT id, message_id, exchange, routing_key, body, headers FROM outbox"
                " WHERE sent_at IS NULL ORDER BY id LIMIT ?",
                (limit,),
            )
        return [
            PendingOutbox(
                id=row["id"],
                message=OutboxMessage(
                    message_id=row["message_id"],
                    exchange=row["exchange"],
                    routing_key=row["routing_key"],
                    body=bytes(row["body"]),
                    headers={str(k): str(v) for k, v in json.loads(row["headers"]).items()},
                ),
            )
            for row in rows
        ]

    async def mark_outbox_sent(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        async with self._lock:
            await self._db.execute(
                "UPDATE outbox SET sent_at = ?"
                " WHERE id IN (SELECT value FROM json_each(?)) AND sent_at IS NULL",
                (format_recorded_at(now_utc(self._clock)), json.dumps([int(i) for i in ids])),
            )

    async def is_processed(self, consumer: str, message_id: str) -> bool:
        async with self._lock:
            row = await self._fetchone(
                "SELECT 1 FROM inbox WHERE consumer = ? AND message_id = ?",
                (consumer, message_id),
            )
        return row is not None

    async def claim_nonce(self, nonce: str, seen_at: datetime, *, forget_before: datetime) -> bool:
        if not nonce:
            raise ValueError("the nonce is empty")
        db = self._db
        async with self._lock:
            await db.execute("BEGIN IMMEDIATE")
            try:
                await db.execute(
                    "DELETE FROM request_nonces WHERE seen_at < ?",
                    (format_recorded_at(forget_before),),
                )
                cursor = await db.execute(
                    "INSERT INTO request_nonces (nonce, seen_at) VALUES (?, ?)"
                    " ON CONFLICT (nonce) DO NOTHING",
                    (nonce, format_recorded_at(seen_at)),
                )
                claimed = cursor.rowcount == 1
                await db.execute("COMMIT")
            except BaseException:
                await db.execute("ROLLBACK")
                raise
        return claimed

    # -- audit --------------------------------------------------------------------------------

    async def verify_chain(self) -> ChainReport:
        verifier = ChainVerifier()
        after = 0
        while True:
            async with self._lock:
                rows = await self._fetchall(
                    _EVENTS_AFTER,
                    (after, 1000),
                )
            if not rows:
                break
            for row in rows:
                try:
                    event = _event(row)
                except ValueError as exc:  # JSON, UUID or timestamp text edited by hand
                    verifier.fail(row["position"], f"content changed: row is not decodable ({exc})")
                    return verifier.report()
                if not verifier.feed(event):
                    return verifier.report()
            after = rows[-1]["position"]
        return verifier.report()
