"""The inbox's answer to the defect the fault campaign found: messages of one stream that arrive
together (a backlog of one request's statuses, queued while the portal was down) all commit,
in turns, instead of the late ones running out of the bus's attempts (shared/inbox.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.bus.port import Delivery, Message
from shared.eventlog.port import ConcurrencyConflict, NewEvent
from shared.eventlog.sqlite import SqliteEventStore
from shared.inbox import Effects, InboxConsumer

STREAM = "request-r1"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteEventStore]:
    store = SqliteEventStore(tmp_path / "portal.db")
    await store.open()
    yield store
    await store.close()


def status(n: int) -> Delivery:
    message = Message("egov.deliver", "portal", str(n).encode(), f"status-{n}")
    return Delivery(message=message, queue="to.portal", attempt=1, redelivered=False)


class AppendsAtTheStreamsVersion:
    """Like the portal's inbound handler: each status appended at the version it read."""

    def __init__(self, store: SqliteEventStore) -> None:
        self.store = store
        self.calls = 0

    async def __call__(self, delivery: Delivery) -> Effects:
        self.calls += 1
        version = await self.store.stream_version(STREAM)
        await asyncio.sleep(0)  # let the others read the same version: they all race
        event = NewEvent("StatusChanged.v1", {"n": int(delivery.message.body)})
        return Effects(STREAM, [event], expected_version=version)


async def test_a_backlog_of_one_streams_messages_commits_every_one_on_the_first_attempt(
    store: SqliteEventStore,
) -> None:
    handler = AppendsAtTheStreamsVersion(store)
    inbox = InboxConsumer(store, "portal", handler)

    await asyncio.gather(*(inbox(status(n)) for n in range(1, 10)))

    events = await store.read_stream(STREAM)
    assert sorted(e.data["n"] for e in events) == list(range(1, 10))
    assert handler.calls > 9  # they did conflict, and took turns


async def test_conflicts_beyond_the_retries_go_back_to_the_bus_unclaimed(
    store: SqliteEventStore,
) -> None:
    await store.append(STREAM, [NewEvent("StatusChanged.v1", {"n": 0})])
    calls = 0

    async def always_stale(delivery: Delivery) -> Effects:
        nonlocal calls
        calls += 1
        return Effects(STREAM, [NewEvent("StatusChanged.v1", {"n": 1})], expected_version=0)

    inbox = InboxConsumer(store, "portal", always_stale, conflict_retries=3)

    with pytest.raises(ConcurrencyConflict):
        await inbox(status(1))

    assert calls == 4
    assert not await store.is_processed("portal", "status-1")


def test_refuses_a_negative_number_of_retries(store: SqliteEventStore) -> None:
    with pytest.raises(ValueError, match="conflict_retries"):
        InboxConsumer(store, "portal", AppendsAtTheStreamsVersion(store), conflict_retries=-1)
