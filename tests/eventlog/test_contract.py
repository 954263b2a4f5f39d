"""The event-log contract, run against every adapter (see conftest.backend)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from shared.clock import SimulatedClock
from shared.eventlog.hashing import NotCanonicalJson
from shared.eventlog.migrations import load_migrations
from shared.eventlog.port import (
    AlreadyProcessed,
    AppendResult,
    ConcurrencyConflict,
    EventIdReused,
    EventLogError,
    EventStore,
    InboxClaim,
    LogNotEmpty,
    NewEvent,
    OutboxMessage,
    RecordedEvent,
)
from shared.eventlog.sqlite import SqliteEventStore
from shared.eventlog.subscription import run_subscription
from tests.eventlog.conftest import START, Backend


def ev(n: int, **extra: object) -> NewEvent:
    return NewEvent(type="Counted.v1", data={"n": n, **extra})


def message(mid: str) -> OutboxMessage:
    return OutboxMessage(
        message_id=mid,
        exchange="egov.events",
        routing_key="elicense.permit_issued.v1",
        body=b'{"permit": "42"}',
        headers={"correlation_id": "c-1"},
    )


# -- append and read ---------------------------------------------------------------------------


async def test_append_then_read_stream_returns_what_was_written(store: EventStore) -> None:
    first = NewEvent(
        type="PermitRequested.v1",
        data={"iin": "900101300123", "amount": 1.5, "tags": ["a", "ҚҰӘ"], "nested": {"x": None}},
        metadata={"correlation_id": "c-9", "actor": "portal"},
    )
    result = await store.append("permit-1", [first, ev(2)])
    assert result.stream_id == "permit-1"
    assert result.version == 2
    assert result.first_position is not None
    assert result.last_position is not None
    assert result.last_position == result.first_position + 1

    events = await store.read_stream("permit-1")
    assert [e.version for e in events] == [1, 2]
    assert [e.position for e in events] == [result.first_position, result.last_position]
    assert events[0].event_id == first.event_id
    assert events[0].type == "PermitRequested.v1"
    assert events[0].data == dict(first.data)
    assert events[0].metadata == {"correlation_id": "c-9", "actor": "portal"}
    assert events[0].recorded_at == START
    assert events[0].prev_hash == ""
    assert events[1].prev_hash == events[0].hash
    assert len(events[0].hash) == 64
    assert await store.stream_version("permit-1") == 2
    assert await store.stream_version("no-such-stream") == 0
    assert await store.read_stream("no-such-stream") == []


async def test_read_stream_from_version_and_limit(store: EventStore) -> None:
    await store.append("s", [ev(i) for i in range(1, 6)])
    events = await store.read_stream("s", from_version=2, limit=2)
    assert [(e.version, e.data["n"]) for e in events] == [(2, 2), (3, 3)]
    with pytest.raises(ValueError, match="from_version"):
        await store.read_stream("s", from_version=0)


async def test_recorded_at_comes_from_the_clock(store: EventStore, clock: SimulatedClock) -> None:
    await store.append("s", [ev(1)])
    await clock.advance(timedelta(days=3))
    await store.append("s", [ev(2)])
    times = [e.recorded_at for e in await store.read_stream("s")]
    assert times == [START, START + timedelta(days=3)]


# -- optimistic concurrency --------------------------------------------------------------------


async def test_expected_version_none_appends_whatever_the_version(store: EventStore) -> None:
    assert (await store.append("s", [ev(1)], expected_version=None)).version == 1
    assert (await store.append("s", [ev(2)], expected_version=None)).version == 2


async def test_expected_version_zero_requires_a_new_stream(store: EventStore) -> None:
    assert (await store.append("s", [ev(1)], expected_version=0)).version == 1
    with pytest.raises(ConcurrencyConflict) as caught:
        await store.append("s", [ev(2)], expected_version=0)
    assert (caught.value.stream_id, caught.value.expected, caught.value.actual) == ("s", 0, 1)
    assert "expected version 0, found 1" in str(caught.value)
    assert await store.stream_version("s") == 1


async def test_expected_version_n_must_match(store: EventStore) -> None:
    await store.append("s", [ev(1), ev(2)])
    assert (await store.append("s", [ev(3)], expected_version=2)).version == 3
    with pytest.raises(ConcurrencyConflict) as stale:
        await store.append("s", [ev(4)], expected_version=2)
    assert (stale.value.expected, stale.value.actual) == (2, 3)
    with pytest.raises(ConcurrencyConflict) as ahead:
        await store.append("s", [ev(4)], expected_version=7)
    assert (ahead.value.expected, ahead.value.actual) == (7, 3)
    with pytest.raises(ConcurrencyConflict) as missing:
        await store.append("other", [ev(1)], expected_version=1)
    assert (missing.value.expected, missing.value.actual) == (1, 0)
    assert [e.data["n"] for e in await store.read_stream("s")] == [1, 2, 3]
    assert await store.read_stream("other") == []


async def test_a_conflict_writes_no_outbox_and_no_inbox(store: EventStore) -> None:
    await store.append("s", [ev(1)])
    with pytest.raises(ConcurrencyConflict):
        await store.append(
            "s",
            [ev(2)],
            expected_version=0,
            outbox=[message("m-1")],
            inbox=InboxClaim("elicense", "in-1"),
        )
    assert await store.pending_outbox() == []
    assert not await store.is_processed("elicense", "in-1")


# -- idempotency -------------------------------------------------------------------------------


async def test_reappending_the_same_events_returns_the_original_result(store: EventStore) -> None:
    batch = [ev(1), ev(2)]
    original = await store.append("s", batch, expected_version=0)
    await store.append("s", [ev(3)])
    replay = await store.append("s", batch, expected_version=0, outbox=[message("again")])
    assert replay == original
    assert [e.data["n"] for e in await store.read_stream("s")] == [1, 2, 3]
    assert await store.pending_outbox() == []  # the replay wrote nothing


async def test_an_event_id_in_another_stream_is_refused(store: EventStore) -> None:
    event = ev(1)
    await store.append("a", [event])
    with pytest.raises(EventIdReused, match="stored in stream 'a'"):
        await store.append("b", [event])
    assert await store.read_stream("b") == []


async def test_an_event_id_with_other_content_is_refused(store: EventStore) -> None:
    event = ev(1)
    await store.append("a", [event])
    changed = NewEvent(type=event.type, data={"n": 2}, event_id=event.event_id)
    with pytest.raises(EventIdReused, match="another type, data or metadata"):
        await store.append("a", [changed])
    assert await store.stream_version("a") == 1


async def test_a_batch_mixing_stored_and_new_ids_is_refused(store: EventStore) -> None:
    stored = ev(1)
    await store.append("a", [stored])
    with pytest.raises(EventIdReused, match="1 of 2 event ids"):
        await store.append("a", [stored, ev(2)])
    assert await store.stream_version("a") == 1


# -- bad input ---------------------------------------------------------------------------------


async def test_bad_input_is_refused_with_a_specific_error(store: EventStore) -> None:
    with pytest.raises(ValueError, match="stream_id must be a non-empty string"):
        await store.append("", [ev(1)])
    with pytest.raises(ValueError, match="expected_version must be None or >= 0"):
        await store.append("s", [ev(1)], expected_version=-1)
    with pytest.raises(NotCanonicalJson, match="data of event"):
        await store.append("s", [NewEvent(type="T.v1", data={"x": float("nan")})])
    twice = ev(1)
    with pytest.raises(ValueError, match="appears twice"):
        await store.append("s", [twice, twice])
    with pytest.raises(ValueError, match="after must be >= 0"):
        await store.read_all(after=-1)
    with pytest.raises(ValueError, match="position must be >= 0"):
        await store.save_position("sub", -5)
    with pytest.raises(ValueError, match="inbox claim needs a consumer"):
        await store.append("s", [ev(1)], inbox=InboxClaim("", "m-1"))
    with pytest.raises(ValueError, match="needs a message_id and an exchange"):
        await store.append("s", [ev(1)], outbox=[message("")])
    bad_body = OutboxMessage("m-2", "egov.events", "rk", "text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="body must be bytes"):
        await store.append("s", [ev(1)], outbox=[bad_body])
    assert await store.stream_version("s") == 0


# -- the whole log -----------------------------------------------------------------------------


async def test_read_all_from_a_position(store: EventStore) -> None:
    await store.append("a", [ev(1), ev(2)])
    await store.append("b", [ev(3)])
    await store.append("a", [ev(4)])
    everything = await store.read_all()
    assert [e.data["n"] for e in everything] == [1, 2, 3, 4]
    positions = [e.position for e in everything]
    assert positions == sorted(positions)
    assert len(set(positions)) == 4
    assert await store.head_position() == positions[-1]
    after_second = await store.read_all(after=positions[1])
    assert [e.data["n"] for e in after_second] == [3, 4]
    limited = await store.read_all(after=positions[0], limit=2)
    assert [e.data["n"] for e in limited] == [2, 3]
    assert await store.read_all(after=positions[-1]) == []


async def test_head_position_of_an_empty_log_is_zero(store: EventStore) -> None:
    assert await store.head_position() == 0
    assert await store.read_all() == []


# -- subscriptions -----------------------------------------------------------------------------


async def test_positions_are_saved_per_subscription(store: EventStore) -> None:
    assert await store.load_position("projector") == 0
    await store.save_position("projector", 7)
    await store.save_position("projector", 9)
    await store.save_position("relay", 3)
    assert await store.load_position("projector") == 9
    assert await store.load_position("relay") == 3


async def test_subscription_resumes_from_the_stored_position_then_follows_live(
    store: EventStore,
) -> None:
    first = await store.append("a", [ev(1), ev(2), ev(3)])
    assert first.first_position is not None
    await store.save_position("proj", first.first_position + 1)  # handled n=1 and n=2 already

    subscription = store.subscribe("proj", batch_size=2)
    seen: list[int] = []
    try:
        async with asyncio.timeout(20):
            seen.append((await anext(subscription)).data["n"])
            live = asyncio.create_task(store.append("b", [ev(4), ev(5)]))
            seen.append((await anext(subscription)).data["n"])
            seen.append((await anext(subscription)).data["n"])
            await live
    finally:
        await subscription.aclose()  # type: ignore[attr-defined]
    assert seen == [3, 4, 5]


async def test_run_subscription_saves_the_position_after_each_batch(store: EventStore) -> None:
    await store.append("a", [ev(i) for i in range(1, 6)])
    head = await store.head_position()
    batches: list[list[int]] = []
    stop = asyncio.Event()

    async def handler(batch: object) -> None:
        events = list(batch)  # type: ignore[call-overload]
        batches.append([e.data["n"] for e in events])
        if events[-1].position == head:
            stop.set()

    async with asyncio.timeout(20):
        last = await run_subscription(store, "proj", handler, batch_size=2, stop=stop)
    assert batches == [[1, 2], [3, 4], [5]]
    assert last == head
    assert await store.load_position("proj") == head


# -- outbox and inbox --------------------------------------------------------------------------


async def test_outbox_rows_are_pending_until_marked_sent(store: EventStore) -> None:
    await store.append("a", [ev(1)], outbox=[message("m-1"), message("m-2")])
    await store.append("b", [ev(2)], outbox=[message("m-3")])
    pending = await store.pending_outbox()
    assert [p.message.message_id for p in pending] == ["m-1", "m-2", "m-3"]
    assert pending[0].message == message("m-1")
    assert [p.message.message_id for p in await store.pending_outbox(limit=2)] == ["m-1", "m-2"]
    await store.mark_outbox_sent([pending[0].id, pending[2].id])
    assert [p.message.message_id for p in await store.pending_outbox()] == ["m-2"]
    await store.mark_outbox_sent([])
    assert len(await store.pending_outbox()) == 1


async def test_inbox_claim_is_written_with_the_events(store: EventStore) -> None:
    claim = InboxClaim("elicense", "msg-1")
    assert not await store.is_processed("elicense", "msg-1")
    await store.append("a", [ev(1)], inbox=claim, outbox=[message("reply-1")])
    assert await store.is_processed("elicense", "msg-1")
    assert not await store.is_processed("registry", "msg-1")  # claims are per consumer


async def test_a_second_claim_raises_already_processed_and_writes_nothing(
    store: EventStore,
) -> None:
    claim = InboxClaim("elicense", "msg-1")
    await store.append("a", [ev(1)], inbox=claim)
    with pytest.raises(AlreadyProcessed) as caught:
        await store.append("a", [ev(2)], inbox=claim, outbox=[message("dup")])
    assert (caught.value.consumer, caught.value.message_id) == ("elicense", "msg-1")
    assert [e.data["n"] for e in await store.read_stream("a")] == [1]
    assert await store.pending_outbox() == []


async def test_outbox_and_inbox_without_events_are_allowed(store: EventStore) -> None:
    await store.append("a", [ev(1)])
    result = await store.append("a", [], inbox=InboxClaim("relay", "m-9"), outbox=[message("m-10")])
    assert result == AppendResult("a", None, None, 1)
    assert await store.is_processed("relay", "m-9")
    assert [p.message.message_id for p in await store.pending_outbox()] == ["m-10"]
    assert await store.head_position() == (await store.read_stream("a"))[0].position


# -- nonces of signed HTTP calls ---------------------------------------------------------------


async def test_a_nonce_is_claimed_once(store: EventStore) -> None:
    before = START - timedelta(minutes=10)
    assert await store.claim_nonce("n-1", START, forget_before=before)
    assert not await store.claim_nonce("n-1", START + timedelta(seconds=1), forget_before=before)
    assert await store.claim_nonce("n-2", START, forget_before=before)


async def test_a_claimed_nonce_survives_reopening_the_store(backend: Backend) -> None:
    before = START - timedelta(minutes=10)
    first = backend.make()
    await first.open()
    try:
        assert await first.claim_nonce("n-1", START, forget_before=before)
    finally:
        await first.close()
    again = backend.make()
    await again.open()
    try:
        assert not await again.claim_nonce("n-1", START, forget_before=before)
    finally:
        await again.close()


async def test_nonces_older_than_the_window_are_pruned(store: EventStore, backend: Backend) -> None:
    await store.claim_nonce("old", START, forget_before=START - timedelta(minutes=10))
    await store.claim_nonce("recent", START + timedelta(minutes=9), forget_before=START)
    later = START + timedelta(minutes=10)
    assert await store.claim_nonce("new", later, forget_before=later - timedelta(minutes=5))
    assert await backend.fetchval("SELECT count(*) FROM request_nonces") == 2  # recent, new
    assert not await store.claim_nonce("recent", later, forget_before=later - timedelta(minutes=5))


async def test_concurrent_claims_of_one_nonce_admit_exactly_one(store: EventStore) -> None:
    before = START - timedelta(minutes=10)
    won = await asyncio.gather(
        *(store.claim_nonce("same", START, forget_before=before) for _ in range(8))
    )
    assert sorted(won) == [False] * 7 + [True]


async def test_an_empty_nonce_is_refused(store: EventStore) -> None:
    with pytest.raises(ValueError, match="nonce is empty"):
        await store.claim_nonce("", START, forget_before=START)


# -- migrations and health ---------------------------------------------------------------------


async def test_opening_again_applies_no_migration_twice(
    store: EventStore, backend: Backend
) -> None:
    await store.append("a", [ev(1)])
    again = backend.make()
    await again.open()
    await again.open()  # open() on an open store is a no-op too
    try:
        assert [e.data["n"] for e in await again.read_stream("a")] == [1]
    finally:
        await again.close()
    applied = await backend.fetchval("SELECT count(*) FROM schema_migrations")
    assert applied == len(load_migrations("postgres" if backend.kind == "postgres" else "sqlite"))


async def test_ping_answers_when_open_and_fails_when_closed(backend: Backend) -> None:
    store = backend.make()
    with pytest.raises(EventLogError, match="not open"):
        await store.ping()
    await store.open()
    await store.ping()
    await store.close()
    with pytest.raises(EventLogError, match="not open"):
        await store.ping()


# -- hash chain --------------------------------------------------------------------------------


async def _three_streams(store: EventStore) -> list[int]:
    await store.append("a", [ev(1), ev(2)])
    await store.append("b", [ev(3)])
    await store.append("a", [ev(4)])
    await store.append("b", [ev(5)])
    return [e.position for e in await store.read_all()]


async def test_verify_chain_accepts_an_untouched_log(store: EventStore) -> None:
    await _three_streams(store)
    report = await store.verify_chain()
    assert report.ok
    assert report.events_checked == 5
    assert report.first_broken_position is None


async def test_verify_chain_names_the_position_whose_content_changed(
    store: EventStore, backend: Backend
) -> None:
    positions = await _three_streams(store)
    await backend.execute(
        f"UPDATE events SET data = '{{\"n\": 999}}' WHERE position = {positions[3]}"  # noqa: S608
    )
    report = await store.verify_chain()
    assert not report.ok
    assert report.first_broken_position == positions[3]
    assert report.reason is not None
    assert report.reason.startswith("content changed")


async def test_verify_chain_sees_a_rewritten_prev_hash(store: EventStore, backend: Backend) -> None:
    positions = await _three_streams(store)
    await backend.execute(f"UPDATE events SET prev_hash = 'forged' WHERE position = {positions[2]}")  # noqa: S608
    report = await store.verify_chain()
    assert report.first_broken_position == positions[2]
    assert report.reason is not None
    assert report.reason.startswith("prev_hash mismatch")


async def test_verify_chain_sees_a_deleted_event(store: EventStore, backend: Backend) -> None:
    positions = await _three_streams(store)
    await backend.execute(f"DELETE FROM events WHERE position = {positions[1]}")  # noqa: S608
    report = await store.verify_chain()
    # the next event of stream "a" (n=4) now follows version 1
    assert report.first_broken_position == positions[3]
    assert report.reason is not None
    assert report.reason.startswith("version gap")


async def test_a_new_append_to_a_stream_chains_to_its_own_last_event(store: EventStore) -> None:
    await store.append("a", [ev(1)])
    await store.append("b", [ev(2)])
    await store.append("a", [ev(3)])
    a1, a2 = await store.read_stream("a")
    assert a2.prev_hash == a1.hash
    assert (await store.read_stream("b"))[0].prev_hash == ""


@pytest.mark.parametrize("expected_version", [None, 0])
async def test_the_same_append_racing_itself_is_stored_once(
    store: EventStore, expected_version: int | None
) -> None:
    event = NewEvent(type="Once.v1", data={"k": str(uuid4())})
    results = await asyncio.gather(
        *(store.append("once", [event], expected_version=expected_version) for _ in range(4))
    )
    assert len(set(results)) == 1
    assert await store.stream_version("once") == 1


async def test_racing_creators_of_one_stream_one_wins_the_rest_conflict(
    store: EventStore,
) -> None:
    outcomes = await asyncio.gather(
        *(store.append("new", [ev(i)], expected_version=0) for i in range(4)),
        return_exceptions=True,
    )
    wins = [o for o in outcomes if isinstance(o, AppendResult)]
    conflicts = [o for o in outcomes if isinstance(o, ConcurrencyConflict)]
    assert len(wins) == 1
    assert len(conflicts) == 3
    assert all((c.expected, c.actual) == (0, 1) for c in conflicts)
    assert await store.stream_version("new") == 1


# -- import (egov eventlog import) ---------------------------------------------------------------


async def _recorded_elsewhere(clock: SimulatedClock) -> list[RecordedEvent]:
    """Events of another log (SQLite in memory): two streams, times a day apart."""
    source = SqliteEventStore(":memory:", clock=clock)
    await source.open()
    try:
        await source.append("a", [ev(1, text="ҚҰӘ", x=1.5), ev(2)])
        await clock.advance(timedelta(days=1))
        await source.append("b", [ev(3, nested={"k": [None, True]})])
        await source.append("a", [ev(4)])
        return await source.read_all()
    finally:
        await source.close()


async def _each(events: list[RecordedEvent], fail_after: int | None = None) -> Any:
    for index, event in enumerate(events):
        if index == fail_after:
            raise RuntimeError("line 9: broken")
        yield event


async def test_import_keeps_every_field_and_later_appends_continue_the_chains(
    store: EventStore, clock: SimulatedClock
) -> None:
    original = await _recorded_elsewhere(clock)
    assert await store.import_events(_each(original), batch_size=3) == 4
    assert await store.read_all() == original
    assert (await store.verify_chain()).ok
    result = await store.append("a", [ev(5)], expected_version=3)
    assert result.first_position == original[-1].position + 1
    new = (await store.read_stream("a", from_version=4))[0]
    assert new.prev_hash == original[-1].hash
    assert (await store.verify_chain()).events_checked == 5


async def test_import_refuses_a_log_that_holds_events(
    store: EventStore, clock: SimulatedClock
) -> None:
    await store.append("x", [ev(1)])
    with pytest.raises(LogNotEmpty, match="already holds 1 events"):
        await store.import_events(_each(await _recorded_elsewhere(clock)))
    assert len(await store.read_all()) == 1


async def test_import_stores_nothing_when_reading_the_events_fails(
    store: EventStore, clock: SimulatedClock
) -> None:
    original = await _recorded_elsewhere(clock)
    with pytest.raises(RuntimeError, match="line 9"):
        await store.import_events(_each(original, fail_after=3), batch_size=2)
    assert await store.read_all() == []
    with pytest.raises(ValueError, match="does not follow"):
        await store.import_events(_each([original[1], original[0]]))
    assert await store.read_all() == []
    assert await store.import_events(_each(original)) == 4  # still empty, so allowed
