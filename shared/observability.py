"""Health checks and Prometheus metrics of one service.

Each service app owns a :class:`Metrics` with its own ``CollectorRegistry``: in the embedded
mode five apps live in one process, and the global default registry would make their
collectors collide (and mix their numbers).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, Info, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from shared.logging import redact

__all__ = ["CONTENT_TYPE_LATEST", "CheckResult", "HealthReport", "Metrics", "run_checks"]

Check = Callable[[], Awaitable[None]]

# Label for requests that matched no route: labelling them by raw path would let any client
# create unbounded series.
UNMATCHED_ROUTE = "<unmatched>"


class Metrics:
    """The service's registry, with the HTTP metrics every service exposes; a service registers
    its own collectors on :attr:`registry`."""

    def __init__(self, service: str, version: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "http_requests",
            "HTTP requests handled, by route template, method and status code",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request to the end of the response, by route template and method",
            ["route", "method"],
            registry=self.registry,
        )
        Info("egov_service", "The service this endpoint belongs to", registry=self.registry).info(
            {"service": service, "version": version}
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def render(self) -> bytes:
        """The Prometheus text exposition of every collector of the registry."""
        return generate_latest(self.registry)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    seconds: float
    error: str | None = None


@dataclass(frozen=True)
class HealthReport:
    checks: Mapping[str, CheckResult]

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.checks.values())

    @property
    def failing(self) -> list[str]:
        return sorted(name for name, result in self.checks.items() if not result.ok)


async def run_checks(checks: Mapping[str, Check], *, timeout_s: float) -> HealthReport:
    """Run every check at once, each bounded by ``timeout_s``: a hung database must turn into a
    failed check, not a hung ``/health`` (orchestrators give up and kill the process)."""
    names = list(checks)
    results = await asyncio.gather(*(_timed(checks[name], timeout_s) for name in names))
    return HealthReport(dict(zip(names, results, strict=True)))


async def _timed(check: Check, timeout_s: float) -> CheckResult:
    # A duration, not an instant: the monotonic counter is the right source, not the Clock.
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), timeout_s)
    except TimeoutError:
        error = f"timed out after {timeout_s:g} s"
    except Exception as exc:
        # The message may quote a DSN with its password: redact before it leaves the process.
        error = redact(f"{type(exc).__name__}: {exc}")
    else:
        return CheckResult(ok=True, seconds=time.perf_counter() - started)
    return CheckResult(ok=False, seconds=time.perf_counter() - started, error=error)
