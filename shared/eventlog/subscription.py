"""Catch-up subscriptions over ``read_all``: from a stored position, then live.

``read_all`` already returns only a gap-safe prefix, so following it position by position never
skips an event; this module only adds the polling loop and position bookkeeping. Polling waits
in real (monotonic) time on purpose: it paces database round trips, it is not domain time, so it
does not go through the simulated Clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol

from shared.eventlog.port import RecordedEvent

DEFAULT_POLL_INTERVAL = 0.05  # seconds between polls once caught up


class _LogReader(Protocol):
    async def read_all(self, *, after: int = 0, limit: int = 1000) -> list[RecordedEvent]: ...

    async def load_position(self, subscription: str) -> int: ...

    async def save_position(self, subscription: str, position: int) -> None: ...


Waiter = Callable[[float], Awaitable[None]]


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def follow(
    store: _LogReader,
    name: str,
    *,
    batch_size: int = 500,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    wait: Waiter = _sleep,
) -> AsyncIterator[RecordedEvent]:
    """Yield every event after the stored position of ``name``, then new ones as they commit.

    The position is not saved here: the consumer saves it once it has handled the events (see
    :func:`run_subscription`), so a crash replays at most the unsaved tail. ``wait(seconds)``
    returns after ``seconds`` or earlier when an adapter learns of new events.
    """
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    position = await store.load_position(name)
    while True:
        batch = await store.read_all(after=position, limit=batch_size)
        for event in batch:
            position = event.position
            yield event
        # Sleep only on an empty answer: a short batch may just end at a hole that the next
        # read_all resolves at once, and catching up must not pay a poll interval per hole.
        if not batch:
            await wait(poll_interval)


Handler = Callable[[Sequence[RecordedEvent]], Awaitable[None]]


async def run_subscription(
    store: _LogReader,
    name: str,
    handler: Handler,
    *,
    batch_size: int = 500,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    stop: asyncio.Event | None = None,
) -> int:
    """Hand each batch to ``handler`` and save the position after it returns.

    At-least-once: if the process dies between the handler and the save, the batch is handed
    over again, so handlers must be idempotent (or write their own position in their own
    transaction). Returns the last saved position once ``stop`` is set.
    """
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    stop = stop or asyncio.Event()
    position = await store.load_position(name)
    while not stop.is_set():
        batch = await store.read_all(after=position, limit=batch_size)
        if batch:
            await handler(batch)
            position = batch[-1].position
            await store.save_position(name, position)
        if not batch:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_interval)
    return position
