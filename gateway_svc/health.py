"""Fail closed: the gateway takes traffic only while its own checks pass.

Checks: the message-log database, the broker, the signing key (when the gateway has one), and
the freshness of revocation information (the gateway's own certificate checked through the same
revocation client the verifier uses: when that cannot produce a fresh answer, no sender's can
be trusted either). A failing check flips :attr:`HealthMonitor.ok`; the async channel then
leaves messages on the broker (retried later, nothing lost) and the sync channel answers 503
with GATEWAY_UNAVAILABLE, as X-Road's security server does when its OCSP answers go stale.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from shared.clock import Clock
from shared.logging import get_logger
from shared.observability import HealthReport, run_checks

Check = Callable[[], Awaitable[None]]


class HealthMonitor:
    def __init__(
        self,
        checks: Mapping[str, Check],
        clock: Clock,
        *,
        timeout_s: float,
        interval: timedelta = timedelta(seconds=10),
    ) -> None:
        self._checks = dict(checks)
        self._clock = clock
        self._timeout_s = timeout_s
        self._interval = interval
        self._report: HealthReport | None = None
        self._task: asyncio.Task[None] | None = None
        self._log = get_logger("gateway_svc.health")

    @property
    def ok(self) -> bool:
        """False until the first check passed: a gateway that never checked is not trusted."""
        return self._report is not None and self._report.ok

    @property
    def failing(self) -> list[str]:
        return self._report.failing if self._report is not None else ["not checked yet"]

    async def check(self) -> HealthReport:
        report = await run_checks(self._checks, timeout_s=self._timeout_s)
        if self._report is not None and report.ok != self._report.ok:
            self._log.warning("gateway.health_changed", ok=report.ok, failing=report.failing)
        self._report = report
        return report

    async def start(self) -> None:
        await self.check()
        self._task = asyncio.create_task(self._loop(), name="gateway-health")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            await self._clock.sleep_until(self._clock.now() + self._interval)
            try:
                await self.check()
            except Exception:  # a check that raises is a failing check, never a dead monitor
                self._log.exception("gateway.health_check_crashed")
