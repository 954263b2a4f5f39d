"""Deadline timers driven by a clock (real or simulated).

A :class:`DeadlineWatch` watches one request: it asks the engine for the next timer, schedules
it with ``clock.call_at`` and, when it fires, appends the due timer events through the
``append`` callback the owning service provides (its event store), then re-arms. The service
calls :meth:`DeadlineWatch.arm` again after every action it records, because an action moves
the deadlines.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from shared.clock import Clock, TimerHandle
from shared.eventlog.port import NewEvent
from shared.regulation.engine import EventLike, StepEngine, Timer

ReadEvents = Callable[[], Awaitable[Sequence[EventLike]]]
AppendEvents = Callable[[Sequence[NewEvent]], Awaitable[None]]


class DeadlineWatch:
    def __init__(
        self, engine: StepEngine, clock: Clock, read: ReadEvents, append: AppendEvents
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._read = read
        self._append = append
        self._handle: TimerHandle | None = None

    @property
    def next_timer(self) -> TimerHandle | None:
        return self._handle

    async def arm(self) -> Timer | None:
        """(Re)schedule the earliest pending timer; returns it, or None when nothing is due."""
        self.cancel()
        state = self._engine.state(await self._read())
        pending = self._engine.timers(state)
        if not pending:
            return None
        first = pending[0]
        self._handle = self._clock.call_at(first.when, self._fire)
        return first

    async def _fire(self) -> None:
        self._handle = None
        state = self._engine.state(await self._read())
        events = self._engine.due(state, self._clock.now())
        if events:
            await self._append(events)
        await self.arm()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
