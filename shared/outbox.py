"""The outbox relay: publishes the messages a service committed together with its events.

Publication is at-least-once. A row is marked sent only after the broker confirmed it, so a
crash (or a lost confirm) between the confirm and the mark publishes the row again on the next
pass; receivers dedupe by ``message_id`` through their inbox (:mod:`shared.inbox`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge

from shared.bus.port import Bus, Message, PublishFailed
from shared.clock import Clock
from shared.eventlog.port import EventStore, OutboxMessage, PendingOutbox


class RelayMetrics(Protocol):
    def published(self, count: int) -> None: ...

    def failed(self, count: int) -> None: ...

    def lag(self, pending: int) -> None: ...


class NullRelayMetrics:
    """Default: counts nothing (tests and the embedded mode need no registry)."""

    def published(self, count: int) -> None:
        pass

    def failed(self, count: int) -> None:
        pass

    def lag(self, pending: int) -> None:
        pass


class PrometheusRelayMetrics:
    """Relay counters registered in the registry the composition root hands in (never the
    global one, so two relays in one process or one test never collide)."""

    def __init__(self, registry: CollectorRegistry, *, prefix: str = "outbox_relay") -> None:
        self._published = Counter(
            f"{prefix}_published", "Outbox rows confirmed by the broker", registry=registry
        )
        self._failed = Counter(
            f"{prefix}_failed", "Outbox rows whose publication failed", registry=registry
        )
        self._lag = Gauge(
            f"{prefix}_lag",
            "Pending outbox rows seen by the last poll (at most one batch)",
            registry=registry,
        )

    def published(self, count: int) -> None:
        self._published.inc(count)

    def failed(self, count: int) -> None:
        self._failed.inc(count)

    def lag(self, pending: int) -> None:
        self._lag.set(pending)


@dataclass(frozen=True)
class BatchResult:
    read: int  # pending rows read
    sent: int  # rows confirmed by the broker and marked sent
    failed: int  # rows not confirmed (left pending, published again later)


def to_bus_message(message: OutboxMessage) -> Message:
    return Message(
        exchange=message.exchange,
        routing_key=message.routing_key,
        body=message.body,
        message_id=message.message_id,
        headers=dict(message.headers),
    )


class OutboxRelay:
    """Reads pending outbox rows in id order, publishes them with pipelined confirms and marks
    only the confirmed ones as sent.

    It wakes on :meth:`notify` (call it after an append that wrote outbox rows) and otherwise
    polls every ``poll_interval`` seconds, because a notification from another process, or
    one lost in a crash, must not leave a row waiting forever.
    """

    def __init__(
        self,
        store: EventStore,
        bus: Bus,
        *,
        batch_size: int = 100,
        poll_interval: float = 1.0,
        backoff_base: float = 0.2,
        backoff_max: float = 10.0,
        clock: Clock | None = None,
        metrics: RelayMetrics | None = None,
        wakeup: asyncio.Event | None = None,
    ) -> None:
        """``wakeup``: an event the service sets after appends that wrote outbox rows (the same
        as calling :meth:`notify`); one is created when none is given."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be positive, got {poll_interval}")
        if not 0 < backoff_base <= backoff_max:
            raise ValueError(
                f"need 0 < backoff_base <= backoff_max, got {backoff_base} and {backoff_max}"
            )
        self._store = store
        self._bus = bus
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._clock = clock
        self._metrics: RelayMetrics = metrics or NullRelayMetrics()
        self._wakeup = wakeup if wakeup is not None else asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._log = structlog.get_logger("shared.outbox")

    def notify(self) -> None:
        """Hint that outbox rows were just committed: run a batch now instead of at the next
        poll. Safe to call from any coroutine of the relay's event loop, any number of times."""
        self._wakeup.set()

    async def relay_once(self) -> BatchResult:
        """Publish one batch. Raises nothing for a bus failure (the rows stay pending and the
        result says how many failed); a store failure propagates."""
        rows = await self._store.pending_outbox(limit=self._batch_size)
        self._metrics.lag(len(rows))
        if not rows:
            return BatchResult(read=0, sent=0, failed=0)
        confirmed = await self._publish(rows)
        if confirmed:
            # A crash right here leaves confirmed rows unmarked: they are published again, and
            # the receivers' inboxes absorb the duplicates. Marking before the confirm would
            # instead lose messages, which nothing downstream could repair.
            await self._store.mark_outbox_sent(confirmed)
        failed = len(rows) - len(confirmed)
        self._metrics.published(len(confirmed))
        if failed:
            self._metrics.failed(failed)
        return BatchResult(read=len(rows), sent=len(confirmed), failed=failed)

    async def _publish(self, rows: Sequence[PendingOutbox]) -> list[int]:
        """The ids of the rows the broker confirmed."""
        try:
            await self._bus.publish_many([to_bus_message(row.message) for row in rows])
        except PublishFailed as exc:
            # Every confirm has arrived; the exception names the messages that failed, so the
            # rest are known to be confirmed.
            failed = set(exc.message_ids)
            self._log.warning("outbox rows not confirmed", rows=len(rows), failed=len(failed))
            return [row.id for row in rows if row.message.message_id not in failed]
        except Exception as exc:  # connection lost etc.: nothing is known to be confirmed
            self._log.warning("outbox batch failed", rows=len(rows), error=repr(exc))
            return []
        return [row.id for row in rows]

    async def run(self) -> None:
        """Relay until :meth:`stop`. A batch in progress is always finished (published and
        marked) before the loop exits."""
        failures = 0
        while not self._stop_requested.is_set():
            self._wakeup.clear()
            try:
                result = await self.relay_once()
            except Exception as exc:  # the store is unusable: keep trying, never die silently
                self._log.error("outbox relay pass failed", error=repr(exc))
                result = None
            if result is None or (result.failed and not result.sent):
                # No progress: back off, and do not let notify() cut the wait short, or every
                # append during a broker outage would trigger another failing pass.
                failures += 1
                await self._pause(self._backoff(failures), wake_on_notify=False)
                continue
            failures = 0
            if result.failed or result.read == self._batch_size:
                # Progress was made and rows are waiting. A row that keeps failing (say, one
                # nobody routes yet) is retried with the next rows instead of holding them back;
                # once it is the only one left, the pass makes no progress and backs off.
                continue
            await self._pause(self._poll_interval)

    def _backoff(self, failures: int) -> float:
        delay = min(self._backoff_max, self._backoff_base * 2 ** (failures - 1))
        # Jitter: relays of several replicas that failed together do not retry together.
        return random.uniform(delay / 2, delay)

    async def _pause(self, seconds: float, *, wake_on_notify: bool = True) -> None:
        """Sleep ``seconds`` or until :meth:`stop` (or :meth:`notify`, if ``wake_on_notify``),
        whichever comes first."""
        if self._stop_requested.is_set():
            return
        waits: set[asyncio.Task[Any]] = set()
        if self._clock is None:
            waits.add(asyncio.create_task(asyncio.sleep(seconds)))
        else:
            when = self._clock.now() + timedelta(seconds=seconds)
            waits.add(asyncio.create_task(self._clock.sleep_until(when)))
        waits.add(asyncio.create_task(self._stop_requested.wait()))
        if wake_on_notify:
            waits.add(asyncio.create_task(self._wakeup.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def start(self) -> None:
        """Run the relay as a background task of the running event loop."""
        if self._task is not None:
            raise RuntimeError("the outbox relay is already started")
        self._stop_requested.clear()
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop after the batch in progress; returns when the loop has exited."""
        self._stop_requested.set()
        task, self._task = self._task, None
        if task is not None:
            await task
