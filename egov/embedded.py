"""The embedded topology: the five services in one process, for ``egov run`` / ``make run``.

Each service keeps its own SQLite event log under ``EGOV_DATA_DIR`` and serves its own port; all
five share ONE in-memory bus, built here and closed after every server has stopped (the
services do not own it, see ``shared.runtime``). No server software is needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from elicense_svc.bootstrap import bootstrap as bootstrap_elicense
from elicense_svc.settings import ElicenseSettings
from gateway_svc.bootstrap import bootstrap as bootstrap_gateway
from gateway_svc.settings import GatewaySettings
from portal_svc.bootstrap import bootstrap as bootstrap_portal
from portal_svc.settings import PortalSettings
from provider_svc.bootstrap import bootstrap as bootstrap_provider
from provider_svc.settings import ProviderSettings
from registry_svc.bootstrap import bootstrap as bootstrap_registry
from registry_svc.settings import RegistrySettings
from shared.bus.memory import InMemoryBus
from shared.clock import Clock
from shared.config import RuntimeSettings, ServiceSettings, load_settings
from shared.logging import get_logger
from shared.runtime import Listener, Service, serve


@dataclass(frozen=True)
class EmbeddedService:
    settings: type[ServiceSettings]
    bootstrap: Callable[..., Service]


def services() -> tuple[EmbeddedService, ...]:
    """The topology, in start-up order."""
    return (
        EmbeddedService(PortalSettings, bootstrap_portal),
        EmbeddedService(GatewaySettings, bootstrap_gateway),
        EmbeddedService(ElicenseSettings, bootstrap_elicense),
        EmbeddedService(RegistrySettings, bootstrap_registry),
        EmbeddedService(ProviderSettings, bootstrap_provider),
    )


def settings_classes() -> list[type[RuntimeSettings]]:
    """Every settings model of the project, shared first (for the docs table)."""
    return [RuntimeSettings, *(entry.settings for entry in services())]


async def run_embedded(
    common: RuntimeSettings,
    *,
    clock: Clock,
    on_ready: Callable[[Sequence[Listener]], None],
    stop: asyncio.Event | None = None,
) -> None:
    """Serve the five services until SIGINT/SIGTERM (or ``stop``, for a caller that runs the
    topology inside its own program); returns once all have stopped cleanly.

    Embedded means SQLite and the in-memory bus: ``EGOV_PG_DSN`` and ``EGOV_AMQP_URL`` are
    ignored here (an explicit ``EGOV_<SERVICE>_EVENT_STORE_URL`` still wins)."""
    log = get_logger("egov.embedded")
    if common.pg_dsn or common.amqp_url:
        log.warning(
            "embedded.ignoring_servers",
            detail="egov run uses SQLite and the in-memory bus; EGOV_PG_DSN/EGOV_AMQP_URL "
            "apply to services started on their own",
        )
    bus = InMemoryBus()
    built = [
        entry.bootstrap(
            load_settings(entry.settings, pg_dsn=None, amqp_url=None), bus=bus, clock=clock
        )
        for entry in services()
    ]
    listeners = [service.listener() for service in built]
    await bus.connect()
    try:
        await serve(
            listeners,
            shutdown_timeout_s=common.shutdown_timeout_s,
            on_ready=lambda: on_ready(listeners),
            stop=stop,
        )
    finally:
        await bus.close()
    log.info("embedded.stopped")
