"""Event-log append and read throughput on PostgreSQL: ours next to the ``eventsourcing``
library's PostgreSQL recorder and raw asyncpg inserts into an equivalent table.

    python -m bench --only eventlog [--quick]

Append: 1 and 8 concurrent writers, 1 and 10 events per transaction; each writer appends to
its own stream with the version it expects (so every subject checks optimistic concurrency:
ours with ``expected_version``, eventsourcing and raw with the unique (stream, version) key).
The events are made before the clock starts; serialising them to JSON is inside it for all
three (ours also hashes them into the chain).

* ours: ``PostgresEventStore.append`` (shared/eventlog/postgres.py): xid first, head read,
  replay lookup by event id, hash chain, positions from a CACHE 1 sequence, one ``unnest``
  insert. Writers never lock each other out; the gap-safe read pays instead.
* eventsourcing: ``PostgresApplicationRecorder.insert_events`` (psycopg 3, pipelined), which
  takes ``LOCK TABLE ... IN EXCLUSIVE MODE`` and ``NOTIFY`` in every insert so that readers never
  skip a gap: its writers are serialised. It is synchronous, so its writers are threads.
* raw asyncpg: one ``INSERT ... SELECT FROM unnest`` into a table with the same columns and keys
  as ours (bigserial position), no hash, no replay check, no gap safety: the floor.

Read: the whole log in pages of 1,000, from position 0, one reader, each row's data and
metadata decoded from JSON (ours: ``read_all``, which returns ``RecordedEvent``; eventsourcing:
``select_notifications``, its state decoded; raw: ``SELECT ... WHERE position > $1``).

Full size: three rounds, each subject in turn within a round, the median reported (all runs in
the JSON). Each subject has its own schema, created here and dropped at the end.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from typing import Any

import asyncpg

from bench.harness import PG, BenchConfig, Result
from shared.eventlog.port import NewEvent
from shared.eventlog.postgres import PostgresEventStore

WRITERS = (1, 8)
BATCHES = (1, 10)
PAGE = 1000
EVENT_TYPE = "RequestSubmitted.v1"

OURS = "ours (shared.eventlog)"
ES = f"eventsourcing {version('eventsourcing')}"
RAW = "raw asyncpg"

_RAW_TABLE = """
CREATE TABLE events (
    position    bigserial   PRIMARY KEY,
    stream_id   text        NOT NULL,
    version     integer     NOT NULL,
    event_id    uuid        NOT NULL UNIQUE,
    type        text        NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL,
    recorded_at timestamptz NOT NULL,
    UNIQUE (stream_id, version)
)
"""
_RAW_INSERT = (
    "INSERT INTO events (stream_id, version, event_id, type, data, metadata, recorded_at)"
    " SELECT $1, u.v, u.e, $4, u.d::jsonb, u.m::jsonb, $7"
    " FROM unnest($2::int[], $3::uuid[], $5::text[], $6::text[]) AS u(v, e, d, m)"
)
_RAW_READ = (
    "SELECT position, stream_id, version, event_id, type, data::text AS data,"
    " metadata::text AS metadata, recorded_at FROM events"
    " WHERE position > $1 ORDER BY position LIMIT $2"
)


@dataclass(frozen=True)
class Workload:
    """Per writer, its transactions, each a list of events (made before timing)."""

    writers: int
    batch: int
    batches: list[list[list[NewEvent]]]

    @property
    def events(self) -> int:
        return self.writers * sum(len(tx) for tx in self.batches[0])


def workload(writers: int, batch: int, transactions: int) -> Workload:
    per_writer = max(1, transactions // writers)

    def event(w: int, i: int) -> NewEvent:
        return NewEvent(
            EVENT_TYPE,
            {
                "request_id": f"REQ-{w}-{i}",
                "applicant_iin": "900101300126",
                "service_code": "cultural_values_export",
                "form": {"item_description": "A dombra", "destination_country": "Kyrgyzstan"},
            },
            metadata={"correlation_id": f"REQ-{w}-{i}", "actor": "portal"},
        )

    return Workload(
        writers,
        batch,
        [
            [[event(w, t * batch + k) for k in range(batch)] for t in range(per_writer)]
            for w in range(writers)
        ],
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- the three subjects -----------------------------------------------------------------------


class Subject:
    label: str
    reference: bool = True

    async def open(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def append(self, load: Workload) -> None:
        raise NotImplementedError

    async def read_all(self) -> int:
        """Read every event, decoded; return how many."""
        raise NotImplementedError


class Ours(Subject):
    label = OURS
    reference = False

    def __init__(self, dsn: str, schema: str, pool: int) -> None:
        self.store = PostgresEventStore(dsn, schema=schema, min_pool=pool, max_pool=pool)

    async def open(self) -> None:
        await self.store.open()

    async def close(self) -> None:
        await self.store.close()

    async def append(self, load: Workload) -> None:
        async def writer(transactions: list[list[NewEvent]]) -> None:
            stream, current = f"request-{uuid.uuid4()}", 0
            for events in transactions:
                await self.store.append(stream, events, expected_version=current)
                current += len(events)

        await asyncio.gather(*(writer(b) for b in load.batches))

    async def read_all(self) -> int:
        after = count = 0
        while page := await self.store.read_all(after=after, limit=PAGE):
            count += len(page)
            after = page[-1].position
        return count


class Raw(Subject):
    label = RAW

    def __init__(self, dsn: str, schema: str, pool: int) -> None:
        self.dsn, self.schema, self.size = dsn, schema, pool
        self.pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        self.pool = await asyncpg.create_pool(
            self.dsn,
            min_size=self.size,
            max_size=self.size,
            server_settings={"search_path": self.schema},
        )
        await self.pool.execute(_RAW_TABLE)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def append(self, load: Workload) -> None:
        assert self.pool is not None
        pool = self.pool

        async def writer(transactions: list[list[NewEvent]]) -> None:
            stream, current = f"request-{uuid.uuid4()}", 0
            for events in transactions:
                await pool.execute(
                    _RAW_INSERT,
                    stream,
                    list(range(current + 1, current + len(events) + 1)),
                    [e.event_id for e in events],
                    EVENT_TYPE,
                    [_dumps(dict(e.data)) for e in events],
                    [_dumps(dict(e.metadata)) for e in events],
                    datetime.now(UTC),
                )
                current += len(events)

        await asyncio.gather(*(writer(b) for b in load.batches))

    async def read_all(self) -> int:
        assert self.pool is not None
        after = count = 0
        while rows := await self.pool.fetch(_RAW_READ, after, PAGE):
            for row in rows:
                json.loads(row["data"])
                json.loads(row["metadata"])
            count += len(rows)
            after = rows[-1]["position"]
        return count


class EventSourcing(Subject):
    """The library's recorder, synchronous: writers are threads of one executor."""

    label = ES

    def __init__(self, dsn: str, schema: str, pool: int) -> None:
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(dsn)
        self.datastore = PostgresDatastore(
            dbname=str(params.get("dbname", "postgres")),
            host=str(params.get("host", "127.0.0.1")),
            port=str(params.get("port", "5432")),
            user=str(params.get("user", "postgres")),
            password=str(params.get("password", "")),
            schema=schema,
            pool_size=pool,
        )
        self.recorder = PostgresApplicationRecorder(self.datastore)
        self.executor = ThreadPoolExecutor(max_workers=pool, thread_name_prefix="es-writer")

    async def open(self) -> None:
        await asyncio.to_thread(self.recorder.create_table)

    async def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.datastore.close()

    async def append(self, load: Workload) -> None:
        from eventsourcing.persistence import StoredEvent

        def writer(transactions: list[list[NewEvent]]) -> None:
            stream, current = uuid.uuid4(), 0
            for events in transactions:
                self.recorder.insert_events(
                    [
                        StoredEvent(
                            originator_id=stream,
                            originator_version=current + offset,
                            topic=EVENT_TYPE,
                            state=_dumps(
                                {
                                    "id": str(e.event_id),
                                    "data": dict(e.data),
                                    "metadata": dict(e.metadata),
                                    "recorded_at": datetime.now(UTC).isoformat(),
                                }
                            ).encode(),
                        )
                        for offset, e in enumerate(events, start=1)
                    ]
                )
                current += len(events)

        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self.executor, writer, b) for b in load.batches)
        )

    async def read_all(self) -> int:
        def read() -> int:
            start, count = 1, 0
            while page := self.recorder.select_notifications(start=start, limit=PAGE):
                for notification in page:
                    json.loads(notification.state)
                count += len(page)
                start = page[-1].id + 1
            return count

        return await asyncio.to_thread(read)


# -- measuring --------------------------------------------------------------------------------


async def timed(action: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    began = time.perf_counter()
    outcome = await action()
    return time.perf_counter() - began, outcome


async def bench(dsn: str, transactions: dict[int, int], repeats: int) -> list[Result]:
    tag = "bench" + uuid.uuid4().hex[:8]
    schemas = {OURS: f"{tag}_ours", ES: f"{tag}_es", RAW: f"{tag}_raw"}
    admin = await asyncpg.connect(dsn)
    try:
        for schema in schemas.values():
            await admin.execute(f'CREATE SCHEMA "{schema}"')
        pool = max(WRITERS)
        subjects: Sequence[Subject] = (
            Ours(dsn, schemas[OURS], pool),
            EventSourcing(dsn, schemas[ES], pool),
            Raw(dsn, schemas[RAW], pool),
        )
        results: list[Result] = []
        try:
            for subject in subjects:
                await subject.open()
            for writers in WRITERS:
                for batch in BATCHES:
                    case = f"append, {writers} writer{'s' if writers > 1 else ''}, {batch} event"
                    case += "s/tx" if batch > 1 else "/tx"
                    runs: dict[str, list[float]] = {subject.label: [] for subject in subjects}
                    for _ in range(repeats):  # rounds interleave the subjects: drift hits all
                        load = workload(writers, batch, transactions[batch])
                        for subject in subjects:
                            seconds, _ = await timed(partial(subject.append, load))
                            runs[subject.label].append(load.events / seconds)
                    for subject in subjects:
                        rate = statistics.median(runs[subject.label])
                        print(f"  {case:<34} {subject.label:<24} {rate:>9.0f} events/s")
                        detail = {
                            "events_per_run": load.events,
                            "runs": [round(r) for r in runs[subject.label]],
                        }
                        results.append(
                            Result("eventlog", case, subject.label, "events/s", rate,
                                   subject.reference, detail)
                        )  # fmt: skip
            counts = set()
            for subject in subjects:
                seconds, count = await timed(subject.read_all)
                counts.add(count)
                rate = count / seconds
                print(
                    f"  {'read all, pages of 1,000':<34} {subject.label:<24} {rate:>9.0f} events/s"
                )
                results.append(
                    Result(
                        "eventlog", "read all, pages of 1,000", subject.label, "events/s", rate,
                        subject.reference, {"events": count, "seconds": round(seconds, 3)},
                    )
                )  # fmt: skip
            if len(counts) != 1:
                raise RuntimeError(f"the subjects read different numbers of events: {counts}")
        finally:
            for subject in subjects:
                await subject.close()
    finally:
        for schema in schemas.values():
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()
    return results


class _EventLogBench:
    name = "eventlog"
    title = "event log on PostgreSQL: ours vs eventsourcing's recorder vs raw asyncpg"
    needs = frozenset({PG})

    def run(self, config: BenchConfig) -> list[Result]:
        # Transactions per case, split among the writers.
        transactions = {
            1: config.pick(full=3000, quick=800, smoke=16),
            10: config.pick(full=800, quick=200, smoke=8),
        }
        return asyncio.run(bench(config.postgres(), transactions, config.pick(full=3, quick=1)))


BENCHMARK = _EventLogBench()
