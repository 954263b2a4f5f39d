"""Bounded, expiring counters for anonymous routes: a rate limit per key (a client address, an
IIN) and a failure count per key with growing delays. They live in memory, never in the event
log: an anonymous caller must not be able to grow the log, and a counter that a restart
forgets only gives a guesser back a few attempts. Each holds at most ``max_keys`` keys; the
least recently used goes first, and an entry past its expiry counts as absent."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

V = TypeVar("V")


def retry_after_s(now: datetime, until: datetime) -> int:
    """The ``Retry-After`` seconds (RFC 9110 10.2.3) of a wait until ``until``: at least 1."""
    return max(1, math.ceil((until - now).total_seconds()))


class _Bounded(Generic[V]):
    def __init__(self, max_keys: int) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._max = max_keys
        self._items: OrderedDict[str, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def _get(self, key: str) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def _put(self, key: str, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    def _drop(self, key: str) -> None:
        self._items.pop(key, None)


class RateLimiter(_Bounded[tuple[datetime, int]]):
    """At most ``limit`` hits per key in a window of ``window`` that starts at its first hit."""

    def __init__(self, limit: int, window: timedelta, *, max_keys: int) -> None:
        super().__init__(max_keys)
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window = window

    def hit(self, key: str, now: datetime) -> datetime | None:
        """Count a hit; None if it is allowed, else until when the key must wait."""
        entry = self._get(key)
        if entry is None or now >= entry[0] + self.window:
            self._put(key, (now, 1))
            return None
        start, count = entry
        if count >= self.limit:
            return start + self.window
        self._put(key, (start, count + 1))
        return None


@dataclass(frozen=True)
class Failures:
    count: int
    last: datetime
    locked_until: datetime | None = None


@dataclass(frozen=True)
class BackoffPolicy:
    """After ``free`` consecutive failures each attempt waits ``base`` * 2**(failures - free)
    since the last failure, at most ``longest``; at ``lock_after`` failures (0: never) the key
    is locked for ``lock_for``. A key not failing for ``forget_after`` starts from zero."""

    free: int = 3
    base: timedelta = timedelta(seconds=1)
    longest: timedelta = timedelta(minutes=15)
    lock_after: int = 0
    lock_for: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(hours=1)

    def delay(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        # 2**20 s is far beyond any ``longest``: cap the exponent, not only the product.
        factor: int = 2 ** min(failures - self.free, 20)
        return min(self.base * factor, self.longest)


class Backoff(_Bounded[Failures]):
    """Consecutive failures per key, with growing delays and, if the policy says so, a lock."""

    def __init__(self, policy: BackoffPolicy, *, max_keys: int) -> None:
        super().__init__(max_keys)
        self.policy = policy

    def state(self, key: str, now: datetime) -> Failures | None:
        entry = self._get(key)
        if entry is None:
            return None
        if entry.locked_until is not None and now >= entry.locked_until:
            # The lock has run its course: the count starts again from zero, so one more
            # wrong attempt after a lock does not lock again at once.
            self._drop(key)
            return None
        if entry.locked_until is None and now >= entry.last + self.policy.forget_after:
            self._drop(key)
            return None
        return entry

    def wait(self, key: str, now: datetime) -> tuple[str, datetime] | None:
        """``("LOCKED", until)`` or ``("THROTTLED", until)`` if the key must wait, else None."""
        entry = self.state(key, now)
        if entry is None:
            return None
        if entry.locked_until is not None:
            return "LOCKED", entry.locked_until
        allowed = entry.last + self.policy.delay(entry.count)
        return ("THROTTLED", allowed) if now < allowed else None

    def failed(self, key: str, now: datetime) -> Failures:
        """Count a failure; the result says whether it locked the key."""
        entry = self.state(key, now)
        count = 1 if entry is None else entry.count + 1
        locked = None
        if self.policy.lock_after and count >= self.policy.lock_after:
            locked = now + self.policy.lock_for
        failures = Failures(count, now, locked)
        self._put(key, failures)
        return failures

    def clear(self, key: str) -> None:
        self._drop(key)
