"""PostgreSQL only: positions are drawn before commit, so commits can come out of order.

These tests make the slow-writer case happen on purpose and check that ``read_all`` never hands
out a later position while an earlier one may still commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.eventlog.migrations import load_migrations
from shared.eventlog.port import NewEvent
from shared.eventlog.postgres import PostgresEventStore

pytestmark = pytest.mark.infra

# Holds position N and the key (stream 'slow', version 1) without committing, the way a slow
# writer would; the store's own append to 'slow' then waits on that key after drawing its
# position, so it is the "earlier position, later commit" writer.
_BLOCKING_INSERT = (
    "INSERT INTO events (position, stream_id, version, event_id, type, data, metadata,"
    " recorded_at, prev_hash, hash, writer_xid) VALUES (nextval('events_position_seq'),"
    " 'slow', 1, gen_random_uuid(), 'Blocker.v1', '{}', '{}', now(), '', 'x',"
    " pg_current_xact_id())"
)


@pytest.fixture
async def pg_store(pg_dsn: str, pg_schema: str) -> AsyncIterator[PostgresEventStore]:
    store = PostgresEventStore(pg_dsn, schema=pg_schema, hole_wait=0.3, max_pool=4)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def _wait_until_blocked_by(watcher: asyncpg.Connection, blocker_pid: int) -> None:
    for _ in range(2000):
        if await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
            blocker_pid,
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the slow append never waited on the blocking transaction")


async def test_a_later_commit_is_not_returned_before_an_earlier_position(
    pg_store: PostgresEventStore, pg_dsn: str, pg_schema: str
) -> None:
    blocker = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema})
    watcher = await asyncpg.connect(pg_dsn)
    try:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute(_BLOCKING_INSERT)
        slow = asyncio.create_task(pg_store.append("slow", [NewEvent("Slow.v1", {"n": 1})]))
        await _wait_until_blocked_by(watcher, blocker.get_server_pid())
        fast = await pg_store.append("fast", [NewEvent("Fast.v1", {"n": 2})])
        assert not slow.done()

        # The fast event is committed and visible, but an earlier position is still in flight:
        # after its bounded wait read_all returns nothing rather than skip that position.
        assert [e.stream_id for e in await pg_store.read_stream("fast")] == ["fast"]
        assert await pg_store.read_all(after=0) == []

        # A reader that starts now and keeps waiting gets both, in position order, once the
        # slow writer commits; the blocker's own position, rolled back, is a permanent hole.
        patient = PostgresEventStore(pg_dsn, schema=pg_schema, hole_wait=20, max_pool=2)
        await patient.open()
        try:
            reader = asyncio.create_task(patient.read_all(after=0))
            await asyncio.sleep(0.1)
            assert not reader.done()
            await transaction.rollback()
            slow_result = await slow
            events = await reader
        finally:
            await patient.close()
    finally:
        await blocker.close()
        await watcher.close()

    assert slow_result.first_position is not None
    assert fast.first_position is not None
    assert slow_result.first_position < fast.first_position
    assert [(e.stream_id, e.position) for e in events] == [
        ("slow", slow_result.first_position),
        ("fast", fast.first_position),
    ]
    assert [e.stream_id for e in await pg_store.read_all(after=0)] == ["slow", "fast"]


async def test_a_writer_above_the_snapshot_xmax_is_waited_for(
    pg_store: PostgresEventStore, pg_dsn: str, pg_schema: str
) -> None:
    """B takes its xid before A, A draws the earlier position, B commits first. A snapshot taken
    then has xmax = B's xid + 1 (when nothing else commits meanwhile), so A, still running, is not
    in its xip list: a reader that only waited for xip would hand out B's event and skip A's."""
    a = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema})
    b = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema})
    insert = _BLOCKING_INSERT.replace("'slow', 1", "$1, 1")
    try:
        b_tx, a_tx = b.transaction(), a.transaction()
        await b_tx.start()
        b_xid = await b.fetchval("SELECT pg_current_xact_id()")
        await a_tx.start()
        a_xid = await a.fetchval("SELECT pg_current_xact_id()")
        assert a_xid > b_xid
        await a.execute(insert, "stream-a")  # position 1
        await b.execute(insert, "stream-b")  # position 2
        await b_tx.commit()
        assert await pg_store.read_all(after=0) == []
        await a_tx.commit()
        events = await pg_store.read_all(after=0)
    finally:
        await a.close()
        await b.close()
    assert [(e.position, e.stream_id) for e in events] == [(1, "stream-a"), (2, "stream-b")]


async def test_a_rolled_back_position_does_not_stall_the_reader(
    pg_store: PostgresEventStore, pg_dsn: str, pg_schema: str
) -> None:
    conn = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema})
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(_BLOCKING_INSERT)
        await transaction.rollback()
    finally:
        await conn.close()
    first = await pg_store.append("a", [NewEvent("A.v1", {"n": 1})])
    second = await pg_store.append("a", [NewEvent("A.v1", {"n": 2})])
    assert first.first_position == 2  # position 1 was drawn, then rolled back
    events = await pg_store.read_all(after=0)
    assert [e.data["n"] for e in events] == [1, 2]
    assert events[-1].position == second.last_position


async def test_the_writer_xid_is_stored_with_each_event(
    pg_store: PostgresEventStore, pg_dsn: str, pg_schema: str
) -> None:
    await pg_store.append("a", [NewEvent("A.v1", {"n": 1}), NewEvent("A.v1", {"n": 2})])
    await pg_store.append("a", [NewEvent("A.v1", {"n": 3})])
    conn = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema})
    try:
        xids = [r[0] for r in await conn.fetch("SELECT writer_xid FROM events ORDER BY position")]
    finally:
        await conn.close()
    assert xids[0] == xids[1]  # one transaction per append
    assert xids[2] > xids[1]


async def test_concurrent_start_ups_apply_the_migrations_once(pg_dsn: str, pg_schema: str) -> None:
    stores = [PostgresEventStore(pg_dsn, schema=pg_schema, max_pool=1) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        for store in stores:
            await store.ping()
        conn = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema})
        try:
            assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(
                load_migrations("postgres")
            )
        finally:
            await conn.close()
    finally:
        for store in stores:
            await store.close()


async def test_a_missing_schema_is_created_at_open(pg_dsn: str, unique_name: str) -> None:
    store = PostgresEventStore(pg_dsn, schema=unique_name, max_pool=1)
    try:
        await store.open()
        await store.append("a", [NewEvent("A.v1", {"n": 1})])
        assert len(await store.read_all()) == 1
    finally:
        await store.close()
        conn = await asyncpg.connect(pg_dsn)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{unique_name}" CASCADE')
        finally:
            await conn.close()


def test_a_schema_name_that_is_not_an_identifier_is_refused() -> None:
    with pytest.raises(ValueError, match="not a plain identifier"):
        PostgresEventStore("postgresql://x/y", schema='bad"; DROP TABLE x; --')
