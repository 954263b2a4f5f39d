"""PostgreSQL only: many writers at once while a live subscriber follows the log.

The subscriber must see every committed event exactly once, in strictly increasing position
order, although commits reach the table out of position order and conflicting appends leave
holes in the sequence.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator
from uuid import UUID

import pytest

from shared.eventlog.port import ConcurrencyConflict, NewEvent, RecordedEvent
from shared.eventlog.postgres import PostgresEventStore

pytestmark = [pytest.mark.infra, pytest.mark.slow]

WRITERS = 8
EVENTS_PER_WRITER = 500
SHARED_STREAMS = ("shared-0", "shared-1", "shared-2")


@pytest.fixture
async def pg_store(pg_dsn: str, pg_schema: str) -> AsyncIterator[PostgresEventStore]:
    store = PostgresEventStore(pg_dsn, schema=pg_schema, max_pool=WRITERS + 2, poll_interval=0.01)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def _writer(
    store: PostgresEventStore, writer: int, committed: set[UUID], stats: dict[str, int]
) -> None:
    rng = random.Random(writer)
    written = 0
    while written < EVENTS_PER_WRITER:
        size = min(rng.choice((1, 1, 1, 2, 3, 5)), EVENTS_PER_WRITER - written)
        batch = [NewEvent("Written.v1", {"writer": writer, "n": written + i}) for i in range(size)]
        if rng.random() < 0.3:
            # A shared stream with optimistic concurrency: read the version, append, and on a
            # conflict re-read and retry, as a command handler does.
            stream = rng.choice(SHARED_STREAMS)
            while True:
                version = await store.stream_version(stream)
                try:
                    await store.append(stream, batch, expected_version=version)
                    break
                except ConcurrencyConflict:
                    stats["conflicts"] += 1
        else:
            await store.append(f"writer-{writer}", batch)
        committed.update(event.event_id for event in batch)
        written += size


async def test_a_live_subscriber_sees_every_commit_once_and_in_order(
    pg_store: PostgresEventStore,
) -> None:
    committed: set[UUID] = set()
    stats = {"conflicts": 0}
    seen: list[RecordedEvent] = []
    total = WRITERS * EVENTS_PER_WRITER

    async def subscriber() -> None:
        subscription = pg_store.subscribe("watcher", batch_size=200)
        try:
            while len(seen) < total:
                seen.append(await anext(subscription))
        finally:
            await subscription.aclose()  # type: ignore[attr-defined]

    started = time.perf_counter()
    following = asyncio.create_task(subscriber())
    async with asyncio.timeout(200):
        await asyncio.gather(*(_writer(pg_store, w, committed, stats) for w in range(WRITERS)))
    elapsed = time.perf_counter() - started
    # Everything is committed now; a subscriber that skipped nothing catches up quickly. One that
    # skipped events would wait forever for them: give it a bound and report what is missing.
    done, _ = await asyncio.wait({following}, timeout=30)
    if not done:
        following.cancel()
        missing = committed - {event.event_id for event in seen}
        pytest.fail(f"the subscriber saw {len(seen)} of {total} events; {len(missing)} skipped")
    following.result()

    positions = [event.position for event in seen]
    assert all(a < b for a, b in itertools.pairwise(positions))
    assert len(seen) == total
    assert {event.event_id for event in seen} == committed
    assert len(committed) == total
    # Nothing more arrives later: the subscriber saw the whole log.
    assert await pg_store.read_all(after=positions[-1]) == []
    assert (await pg_store.verify_chain()).ok
    print(  # shown with -s; the numbers quoted in docs/eventlog.md come from here
        f"\n{total} events by {WRITERS} writers, {stats['conflicts']} conflicts retried,"
        f" {await pg_store.head_position() - total} holes, {elapsed:.1f} s"
    )
