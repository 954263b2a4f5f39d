"""``egov serve SERVICE``: one service in this process, from its ``EGOV_<SERVICE>_*`` and
``EGOV_*`` settings. This is what ``egov up`` starts for each service, and what each container
of ``deploy/compose.yaml`` runs; ``egov provision`` writes the variables it needs to
``<data dir>/env/<service>.env``.

Its event log and bus follow the settings: PostgreSQL when ``EGOV_<SERVICE>_EVENT_STORE_URL`` or
``EGOV_PG_DSN`` say so (else SQLite under ``EGOV_DATA_DIR``), RabbitMQ when ``EGOV_AMQP_URL``
is set (else an in-memory bus, enough for a service alone). SIGTERM or SIGINT stops it
gracefully. Exit status as ``egov run``: 0 stopped cleanly, 1 could not start, 2 bad setting.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Annotated

import typer

from shared.clock import SystemClock
from shared.config import SettingsError, load_settings
from shared.logging import configure_logging
from shared.runtime import PortInUse, StartupFailed, serve


class ServiceName(StrEnum):
    portal = "portal"
    gateway = "gateway"
    elicense = "elicense"
    registry = "registry"
    provider = "provider"


def serve_command(
    service: Annotated[ServiceName, typer.Argument(help="the service to run")],
) -> None:
    """Run ONE service in this process from its EGOV_* settings; SIGTERM/Ctrl-C stops it."""
    from egov.embedded import services  # imports every service: only when running one

    [entry] = [e for e in services() if e.settings.service == service.value]
    name = f"egov serve {service.value}"
    try:
        settings = load_settings(entry.settings)
        clock = SystemClock()
        configure_logging(
            service=service.value,
            level=settings.log_level,
            clock=clock,
            fmt=settings.log_format,
            file=settings.log_file,
        )
        built = entry.bootstrap(settings, clock=clock)
        listener = built.listener()

        def ready() -> None:
            typer.echo(f"{listener.name}  {listener.url}/health  {listener.url}/docs")

        asyncio.run(
            serve([listener], shutdown_timeout_s=settings.shutdown_timeout_s, on_ready=ready)
        )
    except SettingsError as exc:
        typer.echo(f"{name}: {exc}", err=True)
        raise typer.Exit(2) from None
    except (PortInUse, StartupFailed, OSError, ValueError) as exc:
        # A key file that cannot be opened, unreadable trust anchors or rules, a taken port.
        typer.echo(f"{name}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{name}: stopped")
