"""The default clock of the adapters when none is passed in."""

from __future__ import annotations

from datetime import datetime

from shared.clock import Clock, SystemClock, as_utc


def default_clock(clock: Clock | None) -> Clock:
    return clock if clock is not None else SystemClock()


def now_utc(clock: Clock) -> datetime:
    """``clock.now()`` checked to be timezone-aware and converted to UTC."""
    return as_utc(clock.now(), "clock.now()")
