"""SimulatedClock fires timers in order at their exact instants; SystemClock runs on the loop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.clock import Clock, NaiveDatetimeError, SimulatedClock, SystemClock, as_utc

T0 = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)


def _recorder(clock: SimulatedClock, log: list[tuple[str, datetime]], label: str):
    def callback() -> None:
        log.append((label, clock.now()))

    return callback


def test_clocks_satisfy_the_protocol() -> None:
    clocks: list[Clock] = [SimulatedClock(T0), SystemClock()]
    assert all(c.now().tzinfo is UTC for c in clocks)


def test_now_is_utc_even_when_started_in_another_zone() -> None:
    almaty = timezone(timedelta(hours=5))
    clock = SimulatedClock(datetime(2025, 3, 3, 9, 0, tzinfo=almaty))
    assert clock.now() == T0
    assert clock.now().tzinfo is UTC


@pytest.mark.parametrize(
    "call",
    [
        lambda: SimulatedClock(datetime(2025, 1, 1)),
        lambda: SimulatedClock(T0).call_at(datetime(2025, 1, 1), lambda: None),
        lambda: as_utc(datetime(2025, 1, 1), "deadline"),
    ],
)
def test_naive_datetimes_are_refused(call: object) -> None:
    assert callable(call)
    with pytest.raises(NaiveDatetimeError, match="timezone-aware"):
        call()


async def test_timers_fire_in_time_order_each_at_its_own_instant() -> None:
    clock = SimulatedClock(T0)
    log: list[tuple[str, datetime]] = []
    for label, offset in [("c", 3), ("a", 1), ("b", 2), ("a2", 1), ("late", 5)]:
        clock.call_at(T0 + timedelta(hours=offset), _recorder(clock, log, label))
    await clock.advance(timedelta(hours=4))
    assert log == [
        ("a", T0 + timedelta(hours=1)),
        ("a2", T0 + timedelta(hours=1)),  # same instant: scheduling order
        ("b", T0 + timedelta(hours=2)),
        ("c", T0 + timedelta(hours=3)),
    ]
    assert clock.now() == T0 + timedelta(hours=4)
    assert clock.pending_timers == 1
    await clock.advance_to(T0 + timedelta(hours=5))
    assert log[-1] == ("late", T0 + timedelta(hours=5))
    assert clock.pending_timers == 0


async def test_timers_scheduled_by_callbacks_fire_in_the_same_advance_when_due() -> None:
    clock = SimulatedClock(T0)
    log: list[tuple[str, datetime]] = []

    def chain() -> None:
        log.append(("first", clock.now()))
        clock.call_at(clock.now() + timedelta(minutes=30), _recorder(clock, log, "second"))
        clock.call_at(clock.now() + timedelta(hours=5), _recorder(clock, log, "beyond"))

    clock.call_at(T0 + timedelta(hours=1), chain)
    await clock.advance(timedelta(hours=2))
    assert log == [
        ("first", T0 + timedelta(hours=1)),
        ("second", T0 + timedelta(hours=1, minutes=30)),
    ]
    assert clock.pending_timers == 1


async def test_async_callbacks_are_awaited_at_their_instant() -> None:
    clock = SimulatedClock(T0)
    seen: list[datetime] = []

    async def callback() -> None:
        await asyncio.sleep(0)
        seen.append(clock.now())

    clock.call_at(T0 + timedelta(minutes=10), callback)
    clock.call_at(T0 + timedelta(minutes=20), callback)
    await clock.advance(timedelta(hours=1))
    assert seen == [T0 + timedelta(minutes=10), T0 + timedelta(minutes=20)]


async def test_cancelled_timer_does_not_fire_and_cancel_is_idempotent() -> None:
    clock = SimulatedClock(T0)
    log: list[tuple[str, datetime]] = []
    handle = clock.call_at(T0 + timedelta(minutes=1), _recorder(clock, log, "x"))
    kept = clock.call_at(T0 + timedelta(minutes=2), _recorder(clock, log, "kept"))
    handle.cancel()
    handle.cancel()
    await clock.advance(timedelta(minutes=5))
    assert [label for label, _ in log] == ["kept"]
    kept.cancel()  # after firing: a no-op
    assert handle.when == T0 + timedelta(minutes=1)


async def test_timer_in_the_past_fires_at_the_next_advance_without_moving_time_back() -> None:
    clock = SimulatedClock(T0)
    log: list[tuple[str, datetime]] = []
    clock.call_at(T0 - timedelta(hours=1), _recorder(clock, log, "past"))
    await clock.advance(timedelta(0))
    assert log == [("past", T0)]


async def test_sleep_until_wakes_at_its_instant_before_later_timers() -> None:
    clock = SimulatedClock(T0)
    seen: list[tuple[str, datetime]] = []

    async def sleeper() -> None:
        await clock.sleep_until(T0 + timedelta(hours=1))
        seen.append(("sleeper", clock.now()))

    task = asyncio.create_task(sleeper())
    await asyncio.sleep(0)  # let it register its timer
    clock.call_at(T0 + timedelta(hours=2), _recorder(clock, seen, "timer"))
    await clock.advance(timedelta(minutes=30))
    assert not task.done()
    await clock.advance(timedelta(hours=3))
    await task
    assert seen == [
        ("sleeper", T0 + timedelta(hours=1)),
        ("timer", T0 + timedelta(hours=2)),
    ]


async def test_sleep_until_a_past_instant_returns_at_once() -> None:
    clock = SimulatedClock(T0)
    await clock.sleep_until(T0 - timedelta(days=1))
    await clock.sleep_until(T0)
    assert clock.pending_timers == 0


async def test_cancelled_sleeper_leaves_no_timer_behind() -> None:
    clock = SimulatedClock(T0)
    task = asyncio.create_task(clock.sleep_until(T0 + timedelta(days=1)))
    await asyncio.sleep(0)
    assert clock.pending_timers == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert clock.pending_timers == 0


async def test_time_never_moves_backwards() -> None:
    clock = SimulatedClock(T0)
    with pytest.raises(ValueError, match="negative"):
        await clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="backwards"):
        await clock.advance_to(T0 - timedelta(seconds=1))
    assert clock.now() == T0


async def test_nested_advance_is_refused() -> None:
    clock = SimulatedClock(T0)

    async def nested() -> None:
        await clock.advance(timedelta(minutes=1))

    clock.call_at(T0 + timedelta(minutes=1), nested)
    with pytest.raises(RuntimeError, match="must not nest"):
        await clock.advance(timedelta(hours=1))


async def test_failing_callback_propagates_and_leaves_later_timers_queued() -> None:
    clock = SimulatedClock(T0)
    log: list[tuple[str, datetime]] = []

    def boom() -> None:
        raise LookupError("callback failed")

    clock.call_at(T0 + timedelta(minutes=1), boom)
    clock.call_at(T0 + timedelta(minutes=2), _recorder(clock, log, "after"))
    with pytest.raises(LookupError, match="callback failed"):
        await clock.advance(timedelta(hours=1))
    assert clock.now() == T0 + timedelta(minutes=1)
    await clock.advance(timedelta(hours=1))
    assert log == [("after", T0 + timedelta(minutes=2))]


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=30))
def test_any_set_of_timers_fires_sorted_by_instant_then_scheduling_order(
    offsets: list[int],
) -> None:
    async def scenario() -> list[tuple[int, datetime]]:
        clock = SimulatedClock(T0)
        fired: list[tuple[int, datetime]] = []
        for index, offset in enumerate(offsets):
            clock.call_at(
                T0 + timedelta(seconds=offset),
                lambda index=index: fired.append((index, clock.now())),  # type: ignore[misc]
            )
        await clock.advance(timedelta(seconds=10_001))
        return fired

    fired = asyncio.run(scenario())
    expected = sorted(range(len(offsets)), key=lambda i: (offsets[i], i))
    assert [index for index, _ in fired] == expected
    assert all(at == T0 + timedelta(seconds=offsets[index]) for index, at in fired)


# --- SystemClock -------------------------------------------------------------------------


async def test_system_clock_now_is_current_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert now.tzinfo is UTC
    assert before <= now <= after


async def test_system_clock_timer_never_fires_before_its_instant() -> None:
    clock = SystemClock()
    when = clock.now() + timedelta(milliseconds=20)
    fired_at: asyncio.Future[datetime] = asyncio.get_running_loop().create_future()
    clock.call_at(when, lambda: fired_at.set_result(clock.now()))
    assert await asyncio.wait_for(fired_at, timeout=5) >= when


async def test_system_clock_runs_coroutine_callbacks_as_tasks() -> None:
    clock = SystemClock()
    done = asyncio.Event()

    async def callback() -> None:
        done.set()

    clock.call_at(clock.now(), callback)
    await asyncio.wait_for(done.wait(), timeout=5)


async def test_system_clock_cancelled_timer_does_not_fire() -> None:
    clock = SystemClock()
    fired: list[bool] = []
    handle = clock.call_at(clock.now() + timedelta(milliseconds=10), lambda: fired.append(True))
    handle.cancel()
    handle.cancel()
    await clock.sleep_until(clock.now() + timedelta(milliseconds=50))
    assert fired == []


async def test_system_clock_reports_failing_coroutine_callback_to_the_loop() -> None:
    clock = SystemClock()
    loop = asyncio.get_running_loop()
    reported: asyncio.Future[BaseException] = loop.create_future()
    loop.set_exception_handler(lambda _loop, ctx: reported.set_result(ctx["exception"]))
    try:

        async def failing() -> None:
            raise LookupError("timer task failed")

        clock.call_at(clock.now(), failing)
        error = await asyncio.wait_for(reported, timeout=5)
    finally:
        loop.set_exception_handler(None)
    assert isinstance(error, LookupError)


async def test_system_clock_sleep_until_does_not_return_early() -> None:
    clock = SystemClock()
    target = clock.now() + timedelta(milliseconds=30)
    await clock.sleep_until(target)
    assert clock.now() >= target
