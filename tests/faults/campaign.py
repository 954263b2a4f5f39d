"""The faults, injected while applications flow through an ``egov up`` stack.

A :class:`Fault` fires when the applications' progress (:class:`tests.faults.journeys.Fleet`)
passes its threshold: the kills of registry, gateway, elicense and provider at random numbers of
applications *sent* (so they land while applications arrive and are being worked), then, once
every application is sent, the portal's kill, the PostgreSQL restart and the RabbitMQ restart at
random numbers of applications *done* (while the rest are in flight). The portal is killed
only after the arrivals because a submission cut by its death can be committed without the
client learning its id: a request the test would not follow (the checks would still see it,
from the portal's log). The servers restart after the arrivals for the same reason.

Every fault is a real one: ``kill -9`` of the service's process (``Stack.kill``) and a start of
a new process (``Stack.start_service``, which waits for ``/health``), a full stop and start of
the private RabbitMQ node, an ``immediate`` (crash) stop and start of the private PostgreSQL
cluster. After a server restart the campaign waits for every service's ``/health``: the services
reconnect by themselves (nothing in the test reconnects them).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from egov.stack import Stack
from tests.faults.journeys import Progress
from tests.faults.servers import PrivatePostgres, PrivateRabbitMQ

KILLED_DURING_ARRIVALS = ("registry", "gateway", "elicense", "provider")
HEALTHY_WITHIN_S = 120.0  # a bound against hanging, not a speed requirement


@dataclass
class Fault:
    name: str
    on: str  # "sent" or "done": which progress figure the threshold counts
    threshold: int
    act: Callable[[], Awaitable[None]]
    fired_at_s: float | None = None  # seconds since the campaign began
    progress: str = ""  # what the applications had done when it fired
    took_s: float | None = None  # from the fault to every service healthy again

    def describe(self) -> str:
        when = f"{self.fired_at_s:.1f} s" if self.fired_at_s is not None else "never"
        took = f"{self.took_s:.1f} s" if self.took_s is not None else "-"
        return f"{self.name} at {when} ({self.progress}); healthy again after {took}"


@dataclass
class Campaign:
    stack: Stack
    rabbit: PrivateRabbitMQ
    postgres: PrivatePostgres
    applications: int
    rng: random.Random
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = self.applications
        order = list(KILLED_DURING_ARRIVALS)
        self.rng.shuffle(order)
        # Kills while applications arrive: at distinct numbers sent, none at the very start.
        sent_points = sorted(self.rng.sample(range(2, max(n - 1, len(order) + 2)), len(order)))
        for service, point in zip(order, sent_points, strict=True):
            self.faults.append(Fault(f"kill -9 {service}", "sent", point, self._kill(service)))
        # Then, while the rest are in flight: the portal, the broker, the database.
        done_points = sorted(self.rng.sample(range(0, max(n // 2, 3)), 3))
        late = [
            ("kill -9 portal", self._kill("portal")),
            # The database first: its restart is short, so work is still in flight for the
            # broker's, which holds everything up for several seconds.
            ("restart PostgreSQL (crash)", self._restart_postgres),
            ("restart RabbitMQ", self._restart_rabbitmq),
        ]
        for (name, act), point in zip(late, done_points, strict=True):
            self.faults.append(Fault(name, "done", point, act))

    def _kill(self, service: str) -> Callable[[], Awaitable[None]]:
        async def act() -> None:
            await self.stack.kill(service)
            await self.stack.start_service(service, timeout_s=HEALTHY_WITHIN_S)

        return act

    async def _restart_rabbitmq(self) -> None:
        await asyncio.to_thread(self.rabbit.restart)
        await self.stack.wait_healthy(timeout_s=HEALTHY_WITHIN_S)

    async def _restart_postgres(self) -> None:
        await asyncio.to_thread(self.postgres.restart, "immediate")
        await self.stack.wait_healthy(timeout_s=HEALTHY_WITHIN_S)

    async def run(self, progress: Callable[[], Progress], finished: Callable[[], bool]) -> None:
        """Fire every fault in order, each when its threshold is passed (a late fault fires at
        once: its point went by while the previous fault was being recovered from; so does
        every fault left when the applications have all ended, which its description shows)."""
        began = time.monotonic()
        for fault in self.faults:
            while True:
                now = progress()
                all_sent = now.scheduled > 0 and now.sent + now.failed >= now.scheduled
                if fault.on == "sent":
                    due = now.sent >= fault.threshold
                else:
                    due = all_sent and now.done >= fault.threshold
                if due or finished():
                    break
                await asyncio.sleep(0.05)
            fault.fired_at_s = time.monotonic() - began
            fault.progress = f"{now.sent} sent, {now.done} done, {now.in_flight} in flight"
            started = time.monotonic()
            await fault.act()
            fault.took_s = time.monotonic() - started
