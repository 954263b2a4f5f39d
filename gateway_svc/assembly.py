"""Putting a gateway together from its parts (bootstrap and tests use this one function)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from gateway_svc.admission import Admission
from gateway_svc.gateway import Gateway, GatewayOptions
from gateway_svc.health import HealthMonitor
from gateway_svc.messagelog import MessageLog
from gateway_svc.metrics import GatewayMetrics
from gateway_svc.rules import RuleBook
from shared.bus.port import Bus
from shared.clock import Clock
from shared.eventlog.port import EventStore
from shared.signing import Verifier

Check = Callable[[], Awaitable[None]]


def build_gateway(
    *,
    store: EventStore,
    bus: Bus,
    clock: Clock,
    verifier: Verifier,
    rules_path: Path,
    registry: CollectorRegistry,
    max_message_bytes: int = 1024 * 1024,
    options: GatewayOptions | None = None,
    extra_checks: Mapping[str, Callable[[Admission], Check]] | None = None,
    health_timeout_s: float = 2.0,
    health_interval: timedelta = timedelta(seconds=10),
) -> Gateway:
    """``extra_checks`` are health checks that need the admission's verification thread (the
    revocation probe shares the verifier's cache and must not run beside it)."""
    options = options if options is not None else GatewayOptions()
    admission = Admission(verifier, max_bytes=max_message_bytes)
    checks: dict[str, Check] = {"database": store.ping, "broker": bus.ping}
    for name, make in (extra_checks or {}).items():
        checks[name] = make(admission)
    return Gateway(
        bus=bus,
        log=MessageLog(store, clock, keep_bodies=options.keep_bodies),
        rules=RuleBook(rules_path),
        admission=admission,
        metrics=GatewayMetrics(registry),
        health=HealthMonitor(checks, clock, timeout_s=health_timeout_s, interval=health_interval),
        options=options,
    )
