"""A clock that runs at real speed from another day: the seeds' regulations were in force
between 2012 and 2020, so a portal that should offer them today sees "now" as that day plus
the time elapsed since start. Certificates are still checked against real time (the
verifier keeps the real clock), as the gateway checks them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.clock import Clock, TimerCallback, TimerHandle


@dataclass(frozen=True)
class _Handle:
    inner: TimerHandle
    offset: timedelta

    @property
    def when(self) -> datetime:
        return self.inner.when + self.offset

    def cancel(self) -> None:
        self.inner.cancel()


class ShiftedClock:
    def __init__(self, inner: Clock, offset: timedelta) -> None:
        self._inner = inner
        self._offset = offset

    @classmethod
    def starting_on(cls, inner: Clock, day: date, at: time = time(3, 0)) -> ShiftedClock:
        """``day`` at ``at`` UTC (09:00 in Almaty by default: a working morning) is "now"."""
        return cls(inner, datetime.combine(day, at, tzinfo=UTC) - inner.now())

    def now(self) -> datetime:
        return self._inner.now() + self._offset

    async def sleep_until(self, when: datetime) -> None:
        await self._inner.sleep_until(when - self._offset)

    def call_at(self, when: datetime, callback: TimerCallback) -> TimerHandle:
        return _Handle(self._inner.call_at(when - self._offset, callback), self._offset)
