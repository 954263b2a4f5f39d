"""One clock abstraction for every service.

Code never calls ``datetime.now()`` directly: it asks a :class:`Clock`. Production uses
:class:`SystemClock`; scenarios and tests use :class:`SimulatedClock` so that a 15-working-day
regulation replays in seconds, with timers firing as simulated time passes them.

Every instant crossing this interface is timezone-aware UTC. A naive datetime is refused with
:class:`NaiveDatetimeError`: guessing its zone is how deadlines end up five hours off.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

TimerCallback = Callable[[], Awaitable[None] | None]


class TimerHandle(Protocol):
    """A scheduled timer; ``cancel()`` is idempotent."""

    @property
    def when(self) -> datetime: ...

    def cancel(self) -> None: ...


class Clock(Protocol):
    """Source of time. ``now()`` is always timezone-aware UTC."""

    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime) -> None: ...

    def call_at(self, when: datetime, callback: TimerCallback) -> TimerHandle: ...


class NaiveDatetimeError(ValueError):
    """A datetime without a timezone reached code that only deals in instants."""


def as_utc(value: datetime, what: str = "datetime") -> datetime:
    """Return ``value`` converted to UTC; refuse a naive datetime.

    ``what`` names the argument in the error so the caller sees which input was wrong.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{what} must be timezone-aware (got naive {value.isoformat()}); "
            "attach a zone, e.g. value.replace(tzinfo=UTC)"
        )
    return value.astimezone(UTC)


def _start_callback(callback: TimerCallback) -> Awaitable[None] | None:
    result = callback()
    return result if inspect.isawaitable(result) else None


async def _sleep_via_timer(clock: Clock, target: datetime) -> None:
    """Sleep on one of the clock's own timers, so sleepers and timers share one notion of time."""
    if target <= clock.now():
        return
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def wake() -> None:
        if not future.done():
            future.set_result(None)

    timer = clock.call_at(target, wake)
    try:
        await future
    finally:
        timer.cancel()  # a cancelled sleeper must not leave a live timer behind


# --- simulated time ---------------------------------------------------------------------------


@dataclass(eq=False)
class _SimTimer:
    when: datetime
    callback: TimerCallback
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass(order=True)
class _QueueEntry:
    when: datetime
    seq: int  # ties at one instant fire in scheduling order
    timer: _SimTimer = field(compare=False)


class SimulatedClock:
    """A clock that moves only when told to.

    ``advance``/``advance_to`` fire every due timer in time order (ties in scheduling order);
    while a timer's callback runs, ``now()`` equals that timer's instant. Timers scheduled by
    callbacks during an advance fire in the same advance if they fall before its target. A
    timer scheduled in the past fires at the next advance, at the current time (simulated time
    never goes backwards). An exception from a callback propagates out of the advance, leaving
    ``now()`` at that timer's instant and later timers still queued.
    """

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start, "start")
        self._queue: list[_QueueEntry] = []
        self._seq = itertools.count()
        self._advancing = False

    def now(self) -> datetime:
        return self._now

    def call_at(self, when: datetime, callback: TimerCallback) -> _SimTimer:
        timer = _SimTimer(as_utc(when, "when"), callback)
        heapq.heappush(self._queue, _QueueEntry(timer.when, next(self._seq), timer))
        return timer

    async def sleep_until(self, when: datetime) -> None:
        await _sleep_via_timer(self, as_utc(when, "when"))

    async def advance(self, duration: timedelta) -> None:
        if duration < timedelta(0):
            raise ValueError(f"cannot advance by a negative duration ({duration})")
        await self.advance_to(self._now + duration)

    async def advance_to(self, when: datetime) -> None:
        target = as_utc(when, "when")
        if target < self._now:
            raise ValueError(
                f"cannot move simulated time backwards from {self._now.isoformat()} "
                f"to {target.isoformat()}"
            )
        if self._advancing:
            # Re-entrance (a callback advancing the clock) would fire timers out of order.
            raise RuntimeError("SimulatedClock is already advancing; advances must not nest")
        self._advancing = True
        try:
            while self._queue and self._queue[0].when <= target:
                entry = heapq.heappop(self._queue)
                if entry.timer.cancelled:
                    continue
                self._now = max(self._now, entry.when)
                entry.timer.cancelled = True  # fired: a later cancel() is a no-op
                pending = _start_callback(entry.timer.callback)
                if pending is not None:
                    await pending
                # Let tasks woken by this timer (sleep_until) run at this instant, before
                # time moves on to the next timer.
                await asyncio.sleep(0)
            self._now = target
        finally:
            self._advancing = False

    @property
    def pending_timers(self) -> int:
        """Timers scheduled and neither fired nor cancelled."""
        return sum(1 for entry in self._queue if not entry.timer.cancelled)


# --- real time --------------------------------------------------------------------------------


class _SystemTimer:
    def __init__(self, clock: SystemClock, when: datetime, callback: TimerCallback) -> None:
        self._clock = clock
        self._when = when
        self._callback = callback
        self._handle: asyncio.TimerHandle | None = None
        self._cancelled = False

    @property
    def when(self) -> datetime:
        return self._when

    def cancel(self) -> None:
        self._cancelled = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        delay = (self._when - self._clock.now()).total_seconds()
        self._handle = loop.call_later(max(delay, 0.0), self._fire, loop)

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._handle = None
        if self._cancelled:
            return
        # The loop's timers run on the monotonic clock; if the wall clock disagrees (NTP step,
        # a long timer), wait the remainder so the callback never runs before its instant.
        if self._clock.now() < self._when:
            self._schedule(loop)
            return
        self._cancelled = True
        pending = _start_callback(self._callback)
        if pending is not None:
            task = asyncio.ensure_future(pending)
            self._clock._track(task)


class SystemClock:
    """Real time. Timers run on the running asyncio loop; a coroutine callback becomes a task
    whose failure goes to the loop's exception handler (never silently dropped)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[None]] = set()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def call_at(self, when: datetime, callback: TimerCallback) -> _SystemTimer:
        timer = _SystemTimer(self, as_utc(when, "when"), callback)
        timer._schedule(asyncio.get_running_loop())
        return timer

    async def sleep_until(self, when: datetime) -> None:
        await _sleep_via_timer(self, as_utc(when, "when"))

    def _track(self, task: asyncio.Future[None]) -> None:
        self._tasks.add(task)  # keep a reference: the loop holds tasks only weakly
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            task.get_loop().call_exception_handler(
                {"message": "SystemClock timer callback failed", "exception": error}
            )
