"""``egov audit verify SERVICE [--url URL]``: check the hash chains of a service's event log.

Every event carries the hash of its stream predecessor (docs/eventlog.md); this walks the whole
log and names the first broken position. Exit codes: 0 intact, 1 broken, 2 the log could not be
opened (unknown service, bad URL, database down).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from shared.config import SettingsError, load_settings
from shared.eventlog.audit import verify_event_log
from shared.eventlog.port import ChainReport, EventLogError


def build() -> typer.Typer:
    """The ``audit`` sub-app; the main CLI mounts it with ``add_typer(build(), name="audit")``."""
    app = typer.Typer(help="Tamper-evidence checks of the event logs.", no_args_is_help=True)
    app.command("verify")(verify)
    return app


def service_url(service: str) -> str:
    """SERVICE's configured event-log URL (its settings), or BadParameter naming the five."""
    from egov.embedded import services  # imports every service's settings: only when asked

    known = {entry.settings.service: entry.settings for entry in services()}
    settings_class = known.get(service)
    if settings_class is None:
        raise typer.BadParameter(
            f"unknown service {service!r}; one of: {', '.join(sorted(known))}",
            param_hint="SERVICE",
        )
    return load_settings(settings_class).resolved_event_store_url()


def verify(
    service: Annotated[
        str,
        typer.Argument(help="portal, gateway, elicense, registry or provider"),
    ],
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="the event log to check (sqlite:///path or postgresql://...?schema=...); "
            "default: the service's configured log",
        ),
    ] = None,
) -> None:
    """Verify every hash chain of SERVICE's event log; exit 1 naming the first broken row."""
    try:
        target = url or service_url(service)
        report: ChainReport = asyncio.run(verify_event_log(target))
    except (SettingsError, EventLogError, OSError, ValueError) as exc:
        typer.echo(f"egov audit verify {service}: cannot open the event log: {exc}", err=True)
        raise typer.Exit(2) from None
    if report.ok:
        typer.echo(f"{service}: intact, {report.events_checked} events checked")
        return
    typer.echo(
        f"{service}: BROKEN at position {report.first_broken_position}: {report.reason} "
        f"({report.events_checked} events checked)",
        err=True,
    )
    raise typer.Exit(1)
