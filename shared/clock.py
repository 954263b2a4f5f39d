"""One clock abstraction for every service.

Code never calls ``datetime.now()`` directly: it asks a :class:`Clock`. Production uses
:class:`SystemClock`; scenarios and tests use :class:`SimulatedClock` so that a 15-working-day
regulation replays in seconds, with timers firing as simulated time passes them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
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
