"""``egov up``: the five services as separate processes (see egov.stack)."""

from __future__ import annotations

import typer


def up_command() -> None:
    """Start every service as its own process against PostgreSQL and RabbitMQ (in progress)."""
    typer.echo("egov up: not yet available", err=True)
    raise typer.Exit(1)
