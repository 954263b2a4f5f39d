"""PostgreSQL adapter of the event log (asyncpg).

Gap-safe ``read_all`` without serialising writers
-------------------------------------------------
Positions come from a sequence, and a sequence hands out numbers in call order, not in commit
order: writer A may draw position 7, writer B position 8, and B commit first. A reader that
returned 8 and then moved on would skip 7 forever. The classic cure, one table lock per append,
serialises every writer of the service; instead:

1. Every write transaction's first statement is ``pg_current_xact_id()``, which assigns its
   transaction id (xid) *before* it draws any position (the sequence has CACHE 1, so numbers are
   handed out in real-time order across sessions).
2. The reader reads in a REPEATABLE READ transaction (one snapshot S). The run of positions
   ``after+1, after+2, ...`` without a hole is returned at once: nothing is skipped in it.
3. If the first missing position p precedes a visible position Q, the transaction T that drew p
   drew it before Q's writer drew Q, hence before Q's writer committed, hence before S was taken;
   and T had its xid before it drew p. So T's xid was assigned before S. T is either rolled back
   (p is a permanent hole), or still running, or committed after S.
4. The reader then assigns *itself* an xid r, after S: xids are handed out in increasing order, so
   every xid assigned before S, T's included, is < r. It waits (bounded) until a later snapshot's
   xmin exceeds r, i.e. no transaction with xid < r is still running, and re-reads (after, Q] in
   that same later snapshot: T's rows are there if T committed, and a hole still there is
   permanent. If the wait times out (a very long writer), read_all returns an empty list and the
   caller simply asks again: slower, never wrong.

Why not just wait for S's ``xip`` list: ``pg_current_snapshot()`` lists only running xids below
its xmax (= latest completed xid + 1). A writer whose xid is above that bound but was assigned
before S (B with xid 100 commits, A with xid 101 still running: xmax = 101) is not in xip, and
waiting for xip alone would miss it. Hence the reader's own xid as the bound. The cost, one xid
and a tiny commit record per hole seen, is paid only when there is a hole to explain.

The writer stores its xid in ``events.writer_xid`` for diagnosis (which transaction wrote what).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped, unused-ignore]

from shared.clock import Clock
from shared.eventlog._time import default_clock, now_utc
from shared.eventlog.chain import ChainVerifier
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

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_MAX_ATTEMPTS = 20  # append retries after losing a race that is not a conflict for the caller
_HOLE_POLL = 0.01  # seconds between checks while waiting for a hole's writer to finish

_SELECT_EVENTS = (
    "SELECT position, stream_id, version, event_id, type, data::text AS data,"
    " metadata::text AS metadata, recorded_at, prev_hash, hash FROM events"
)
_EVENTS_BY_ID = _SELECT_EVENTS + " WHERE event_id = ANY($1::uuid[])"
_EVENTS_OF_STREAM = (
    _SELECT_EVENTS + " WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3"
)
_EVENTS_AFTER = _SELECT_EVENTS + " WHERE position > $1 ORDER BY position LIMIT $2"
_EVENTS_BETWEEN = (
    _SELECT_EVENTS + " WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3"
)
_ALL_EVENTS = _SELECT_EVENTS + " ORDER BY position"
# An append's first statement: its xid, the stream's head, and whether any of its event ids is
# stored (then the rows are fetched with _EVENTS_BY_ID and the call is a replay or an error).
_OPEN_APPEND = (
    "SELECT pg_current_xact_id() AS xid, head.version, head.hash,"
    " EXISTS (SELECT 1 FROM events WHERE event_id = ANY($2::uuid[])) AS replayed"
    " FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT version, hash FROM events"
    " WHERE stream_id = $1 ORDER BY version DESC LIMIT 1) AS head ON true"
)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset on release, instead of asyncpg's default ``RESET ALL; CLOSE ALL;
    UNLISTEN *; pg_advisory_unlock_all()``: a round trip on every release (one in eight of an
    append's) that undoes nothing here. This store changes no session state: its settings are
    connection parameters, its cursors and advisory locks live and die with a transaction, it
    never LISTENs, and the pool is private. asyncpg still rolls back a transaction left open."""


class _Replay(Exception):
    def __init__(self, result: AppendResult) -> None:
        self.result = result


def _event(row: asyncpg.Record) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"],
        stream_id=row["stream_id"],
        version=row["version"],
        event_id=row["event_id"],
        type=row["type"],
        data=json.loads(row["data"]),
        metadata=json.loads(row["metadata"]),
        recorded_at=row["recorded_at"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def _contiguous_prefix(rows: Sequence[asyncpg.Record], after: int) -> list[asyncpg.Record]:
    prefix: list[asyncpg.Record] = []
    expected = after + 1
    for row in rows:
        if row["position"] != expected:
            break
        prefix.append(row)
        expected += 1
    return prefix


class PostgresEventStore:
    """The event log in one PostgreSQL schema, through an asyncpg pool."""

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "public",
        clock: Clock | None = None,
        min_pool: int = 1,
        max_pool: int = 10,
        application_name: str | None = None,
        hole_wait: float = 5.0,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(
                f"schema {schema!r} is not a plain identifier (letters, digits, _; max 63)"
            )
        if not 0 < min_pool <= max_pool:
            raise ValueError(f"need 0 < min_pool <= max_pool, got {min_pool}, {max_pool}")
        if hole_wait < 0:
            raise ValueError(f"hole_wait must be >= 0 seconds, got {hole_wait}")
        self._dsn = dsn
        self._schema = schema
        self._clock = default_clock(clock)
        self._min_pool = min_pool
        self._max_pool = max_pool
        self._application_name = application_name
        self._hole_wait = hole_wait
        self._poll_interval = poll_interval
        self._pool: asyncpg.Pool | None = None

    @property
    def schema(self) -> str:
        return self._schema

    # -- life cycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        if self._pool is not None:
            return
        pool = await asyncpg.create_pool(
            self._dsn,
            min_size=self._min_pool,
            max_size=self._max_pool,
            # The name tells whose connections they are in pg_stat_activity (egov:<schema>
            # unless given), so a stack's connections can be counted.
            server_settings={
                "search_path": self._schema,
                "application_name": self._application_name or f"egov:{self._schema}"[:63],
            },
            reset=_keep_session,
        )
        try:
            await self._migrate(pool)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def _migrate(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn, conn.transaction():
            # Serialises concurrent start-ups of replicas on the same schema; released at commit.
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                f"egov.eventlog.migrate:{self._schema}",
            )
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self._schema}"')
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL)"
            )
            applied = {
                r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")
            }
            for migration in load_migrations("postgres"):
                if migration.version in applied:
                    continue
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    now_utc(self._clock),
                )

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @property
    def _db(self) -> asyncpg.Pool:
        if self._pool is None:
            raise EventLogError("the PostgreSQL event store is not open: call open() first")
        return self._pool

    async def ping(self) -> None:
        if await self._db.fetchval("SELECT 1") != 1:
            raise EventLogError("PostgreSQL answered SELECT 1 with something else")

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
        for _ in range(_MAX_ATTEMPTS):
            try:
                return await self._append_once(
                    stream_id, events, expected_version, outbox, inbox, canonical
                )
            except _Replay as replay:
                return replay.result
            except asyncpg.UniqueViolationError as exc:
                # A concurrent writer committed first, taking the same next version of the stream
                # or storing one of these event ids. Try again from the top: the new attempt sees
                # its commit and ends as a replay (same events), a ConcurrencyConflict naming the
                # new version (expected_version given), or an append at the next version (None).
                if exc.constraint_name in ("events_stream_version_key", "events_event_id_key"):
                    continue
                raise
        raise EventLogError(
            f"append to stream {stream_id!r} lost {_MAX_ATTEMPTS} races in a row; giving up"
        )

    async def _append_once(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int | None,
        outbox: Sequence[OutboxMessage],
        inbox: InboxClaim | None,
        canonical: Canonical,
    ) -> AppendResult:
        async with self._db.acquire() as conn, conn.transaction():
            # First statement: the xid must exist before any position is drawn (module doc). It
            # also reads the stream head and whether any of these event ids is stored, in one
            # snapshot taken after the call began (so nothing the caller saw committed is
            # missed), saving two round trips per append. The head is read no later than the
            # replay lookup: a replay committed in between is then found by the lookup rather
            # than mistaken for a conflict by a head read after it. With an inbox claim the head
            # is read before the claim: if the claim waits on a concurrent claimer that then
            # rolls back, a head gone stale meanwhile only makes the insert lose the (stream,
            # version) race below, and the append is retried from the top.
            opening = await conn.fetchrow(_OPEN_APPEND, stream_id, [e.event_id for e in events])
            xid = opening["xid"]
            recorded_at = now_utc(self._clock)
            if inbox is not None:
                claimed = await conn.fetchval(
                    "INSERT INTO inbox (consumer, message_id, processed_at) VALUES ($1, $2, $3)"
                    " ON CONFLICT DO NOTHING RETURNING 1",
                    inbox.consumer,
                    inbox.message_id,
                    recorded_at,
                )
                if claimed is None:
                    raise AlreadyProcessed(inbox.consumer, inbox.message_id)
            if opening["replayed"]:
                stored = await conn.fetch(
                    _EVENTS_BY_ID,
                    [event.event_id for event in events],
                )
                # Raised inside the transaction so that nothing of this call is committed.
                raise _Replay(replay_result(stream_id, events, [_event(r) for r in stored]))
            current = opening["version"] if opening["version"] is not None else 0
            last_hash = opening["hash"] if opening["hash"] is not None else ""
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
                positions = sorted(
                    r[0]
                    for r in await conn.fetch(
                        "SELECT nextval('events_position_seq') FROM generate_series(1, $1)",
                        len(prepared),
                    )
                )
                await conn.execute(
                    "INSERT INTO events (position, stream_id, version, event_id, type, data,"
                    " metadata, recorded_at, prev_hash, hash, writer_xid)"
                    " SELECT u.p, $2, u.v, u.e, u.t, u.d::jsonb, u.m::jsonb, $8, u.ph, u.h, $11"
                    " FROM unnest($1::bigint[], $3::int[], $4::uuid[], $5::text[], $6::text[],"
                    " $7::text[], $9::text[], $10::text[]) AS u(p, v, e, t, d, m, ph, h)",
                    positions,
                    stream_id,
                    [e.version for e in prepared],
                    [e.event_id for e in prepared],
                    [e.type for e in prepared],
                    [e.data_json for e in prepared],
                    [e.metadata_json for e in prepared],
                    recorded_at,
                    [e.prev_hash for e in prepared],
                    [e.hash for e in prepared],
                    xid,
                )
                first, last = positions[0], positions[-1]
                current = prepared[-1].version
            if outbox:
                await conn.executemany(
                    "INSERT INTO outbox (message_id, exchange, routing_key, body, headers,"
                    " created_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)",
                    [
                        (
                            m.message_id,
                            m.exchange,
                            m.routing_key,
                            m.body,
                            to_json(m.headers),
                            recorded_at,
                        )
                        for m in outbox
                    ],
                )
            return AppendResult(stream_id, first, last, current)

    async def import_events(
        self, events: AsyncIterable[RecordedEvent], *, batch_size: int = 1000
    ) -> int:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        async with self._db.acquire() as conn, conn.transaction():
            # First statement, as in append: the gap-safe read relies on every writer holding
            # its xid before it stores a position.
            xid = await conn.fetchval("SELECT pg_current_xact_id()")
            # EXCLUSIVE conflicts with the ROW EXCLUSIVE lock of every append (and of another
            # import), so the emptiness checked here holds until this transaction ends; readers
            # (ACCESS SHARE) are not blocked. An import is a one-off, so the lock's cost is moot.
            await conn.execute("LOCK TABLE events IN EXCLUSIVE MODE")
            held = await conn.fetchrow("SELECT count(*), coalesce(max(position), 0) FROM events")
            if held[0]:
                raise LogNotEmpty(int(held[0]), int(held[1]))
            count = 0
            last = 0
            batch: list[RecordedEvent] = []
            async for event in events:
                if event.position <= last:
                    raise ValueError(f"position {event.position} does not follow position {last}")
                last = event.position
                batch.append(event)
                if len(batch) >= batch_size:
                    count += await _insert_recorded(conn, batch, xid)
                    batch = []
            if batch:
                count += await _insert_recorded(conn, batch, xid)
            if last:
                # Never move the sequence back: positions drawn before (rolled back) stay used.
                await conn.execute(
                    "SELECT setval('events_position_seq',"
                    " greatest((SELECT last_value FROM events_position_seq), $1::bigint))",
                    last,
                )
        return count

    # -- reading ------------------------------------------------------------------------------

    async def read_stream(
        self, stream_id: str, *, from_version: int = 1, limit: int | None = None
    ) -> list[RecordedEvent]:
        if from_version < 1:
            raise ValueError(f"from_version must be >= 1, got {from_version}")
        if limit is not None and limit <= 0:
            raise ValueError(f"limit must be positive or None, got {limit}")
        rows = await self._db.fetch(
            _EVENTS_OF_STREAM,
            stream_id,
            from_version,
            limit,
        )
        return [_event(r) for r in rows]

    async def stream_version(self, stream_id: str) -> int:
        version = await self._db.fetchval(
            "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id
        )
        return int(version)

    async def read_all(self, *, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        if after < 0:
            raise ValueError(f"after must be >= 0, got {after}")
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        async with self._db.acquire() as conn:
            async with conn.transaction(isolation="repeatable_read"):
                rows = await conn.fetch(
                    _EVENTS_AFTER,
                    after,
                    limit,
                )
                prefix = _contiguous_prefix(rows, after)
                if prefix or not rows:
                    return [_event(r) for r in prefix]
                # A hole right after `after`: learn a bound above every writer's xid that could
                # fill it (step 4 of the module doc). Assigned after the snapshot, on purpose.
                horizon = await conn.fetchval("SELECT pg_current_xact_id()")
            upto = rows[-1]["position"]
            deadline = time.monotonic() + self._hole_wait
            while True:
                async with conn.transaction(isolation="repeatable_read", readonly=True):
                    settled = await conn.fetchval(
                        "SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8", horizon
                    )
                    if settled:
                        rows = await conn.fetch(
                            _EVENTS_BETWEEN,
                            after,
                            upto,
                            limit,
                        )
                        return [_event(r) for r in rows]
                if time.monotonic() >= deadline:
                    return []  # a long writer still runs: nothing is safe yet, ask again later
                await asyncio.sleep(_HOLE_POLL)

    async def head_position(self) -> int:
        """The highest committed position. Not a safe place to start a subscription from: an
        earlier position may still commit (module doc); follow ``read_all`` from 0 or a saved
        position instead."""
        return int(await self._db.fetchval("SELECT coalesce(max(position), 0) FROM events"))

    # -- subscriptions ------------------------------------------------------------------------

    async def load_position(self, subscription: str) -> int:
        position = await self._db.fetchval(
            "SELECT position FROM subscriptions WHERE name = $1", subscription
        )
        return int(position) if position is not None else 0

    async def save_position(self, subscription: str, position: int) -> None:
        if position < 0:
            raise ValueError(f"position must be >= 0, got {position}")
        await self._db.execute(
            "INSERT INTO subscriptions (name, position, updated_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position,"
            " updated_at = excluded.updated_at",
            subscription,
            position,
            now_utc(self._clock),
        )

    def subscribe(self, name: str, *, batch_size: int = 500) -> AsyncIterator[RecordedEvent]:
        return follow(self, name, batch_size=batch_size, poll_interval=self._poll_interval)

    # -- outbox and inbox ---------------------------------------------------------------------

    async def pending_outbox(self, *, limit: int = 500) -> list[PendingOutbox]:
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        rows = await self._db.fetch(
            "SELECT id, message_id, exchange, routing_key, body, headers::text AS headers"
            " FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1",
            limit,
        )
        return [_pending(r) for r in rows]

    async def mark_outbox_sent(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        await self._db.execute(
            "UPDATE outbox SET sent_at = $2 WHERE id = ANY($1::bigint[]) AND sent_at IS NULL",
            list(ids),
            now_utc(self._clock),
        )

    async def is_processed(self, consumer: str, message_id: str) -> bool:
        return bool(
            await self._db.fetchval(
                "SELECT EXISTS (SELECT 1 FROM inbox WHERE consumer = $1 AND message_id = $2)",
                consumer,
                message_id,
            )
        )

    async def claim_nonce(self, nonce: str, seen_at: datetime, *, forget_before: datetime) -> bool:
        if not nonce:
            raise ValueError("the nonce is empty")
        # One statement, one round trip on every signed call: the prune rides along with the
        # claim (a data-modifying CTE) instead of a transaction of two statements.
        async with self._db.acquire() as conn:
            inserted = await conn.fetchval(
                "WITH pruned AS (DELETE FROM request_nonces WHERE seen_at < $3)"
                " INSERT INTO request_nonces (nonce, seen_at) VALUES ($1, $2)"
                " ON CONFLICT (nonce) DO NOTHING RETURNING true",
                nonce,
                seen_at,
                forget_before,
            )
        return inserted is not None

    # -- audit --------------------------------------------------------------------------------

    async def verify_chain(self) -> ChainReport:
        verifier = ChainVerifier()
        # One snapshot for the whole walk, so concurrent appends cannot show half a batch.
        async with (
            self._db.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            async for row in conn.cursor(_ALL_EVENTS, prefetch=1000):
                if not verifier.feed(_event(row)):
                    break
        return verifier.report()


async def _insert_recorded(
    conn: asyncpg.Connection, events: Sequence[RecordedEvent], xid: Any
) -> int:
    await conn.execute(
        "INSERT INTO events (position, stream_id, version, event_id, type, data, metadata,"
        " recorded_at, prev_hash, hash, writer_xid)"
        " SELECT u.p, u.s, u.v, u.e, u.t, u.d::jsonb, u.m::jsonb, u.r, u.ph, u.h, $11"
        " FROM unnest($1::bigint[], $2::text[], $3::int[], $4::uuid[], $5::text[], $6::text[],"
        " $7::text[], $8::timestamptz[], $9::text[], $10::text[])"
        " AS u(p, s, v, e, t, d, m, r, ph, h)",
        [e.position for e in events],
        [e.stream_id for e in events],
        [e.version for e in events],
        [e.event_id for e in events],
        [e.type for e in events],
        [to_json(e.data) for e in events],
        [to_json(e.metadata) for e in events],
        [e.recorded_at for e in events],
        [e.prev_hash for e in events],
        [e.hash for e in events],
        xid,
    )
    return len(events)


def _pending(row: asyncpg.Record) -> PendingOutbox:
    headers: dict[str, Any] = json.loads(row["headers"])
    return PendingOutbox(
        id=row["id"],
        message=OutboxMessage(
            message_id=row["message_id"],
            exchange=row["exchange"],
            routing_key=row["routing_key"],
            body=bytes(row["body"]),
            headers={str(k): str(v) for k, v in headers.items()},
        ),
    )
