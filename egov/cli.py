"""The ``egov`` command line (Typer). Each area keeps its commands in its own module under
``egov/commands/`` and registers them in :func:`build_cli`; this file stays a table of contents."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from shared.clock import SystemClock
from shared.config import RuntimeSettings, SettingsError, load_settings, settings_table
from shared.logging import configure_logging
from shared.runtime import Listener, PortInUse, StartupFailed, package_version

if TYPE_CHECKING:  # egov.provisioning imports the services: only when egov run runs
    from egov.provisioning import Provisioned


def build_cli() -> typer.Typer:
    cli = typer.Typer(
        help="egov-sim: a simulator of the Kazakhstan e-government gateway topology.",
        no_args_is_help=True,
        add_completion=False,
    )
    cli.command("run")(run)
    cli.command("version")(version)
    cli.command("settings")(settings)
    from egov.commands import (
        audit,
        broker,
        calendar,
        diagram,
        elicense,
        eventlog,
        gateway,
        pki,
        portal,
        provider,
        psc,
        registry,
        replay,
        scenario,
        sign,
        signer,
        subscribe,
    )
    from egov.commands import down as _down
    from egov.commands import provision as _provision
    from egov.commands import serve as _serve
    from egov.commands import up as _up
    from egov.commands.load import load as _load

    cli.add_typer(diagram.build(), name="diagram")
    cli.add_typer(pki.build(), name="pki")
    cli.add_typer(registry.build(), name="registry")
    cli.command("sign")(sign.sign)
    cli.command("verify")(sign.verify)
    cli.add_typer(signer.build(), name="signer")
    cli.add_typer(audit.build(), name="audit")
    cli.add_typer(gateway.build(), name="gateway")
    cli.add_typer(elicense.build(), name="elicense")
    cli.add_typer(portal.build(), name="portal")
    cli.add_typer(provider.build(), name="provider")
    cli.add_typer(psc.build(), name="psc")
    # One replay for every service; each provides its rebuild in <service>_svc/replay.py.
    cli.command("replay")(replay.replay)
    cli.add_typer(eventlog.build(), name="eventlog")
    cli.command("serve")(_serve.serve_command)
    cli.command("provision")(_provision.provision_command)
    cli.command("up")(_up.up_command)
    cli.command("down")(_down.down_command)
    cli.command("subscribe")(subscribe.subscribe)
    cli.command("load")(_load)
    cli.add_typer(scenario.build(), name="scenario")
    cli.add_typer(calendar.build(), name="calendar")
    cli.add_typer(broker.build(), name="broker")
    # Another area's commands: its module under egov/commands/ and one line here.
    return cli


def run() -> None:
    """Start all five services in this process (SQLite logs, in-memory bus); Ctrl-C stops."""
    from egov.embedded import run_embedded  # imports every service: only when running them

    try:
        common = load_settings(RuntimeSettings)
        clock = SystemClock()
        logs = run_log_file(common, os.environ)
        configure_logging(
            service="egov",
            level=common.log_level,
            clock=clock,
            fmt=common.log_format,
            file=logs,
        )
        if logs is not None:
            typer.echo(f"logs: {logs} (JSON lines; EGOV_LOG_FORMAT=console shows them here)")
        asyncio.run(
            run_embedded(
                common, clock=clock, on_ready=_print_urls, on_provisioned=_print_provisioned
            )
        )
    except SettingsError as exc:
        typer.echo(f"egov run: {exc}", err=True)
        raise typer.Exit(2) from None
    except (PortInUse, StartupFailed) as exc:
        typer.echo(f"egov run: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo("egov run: stopped")


def run_log_file(common: RuntimeSettings, environ: Mapping[str, str]) -> Path | None:
    """Where ``egov run`` writes its log lines: EGOV_LOG_FILE; else, unless EGOV_LOG_FORMAT asks
    for them on the console, <EGOV_DATA_DIR>/logs/egov-run.jsonl, so that the console keeps the
    short summary a person reads (each service's address, the keys it laid out)."""
    if common.log_file is not None:
        return common.log_file
    if "EGOV_LOG_FORMAT" in environ:
        return None
    return common.data_dir / "logs" / "egov-run.jsonl"


def _print_provisioned(provisioned: Provisioned) -> None:
    from egov.provisioning import staff_lines

    for line in staff_lines(provisioned):
        typer.echo(line)


def _print_urls(listeners: Sequence[Listener]) -> None:
    width = max(len(listener.name) for listener in listeners)
    for listener in listeners:
        typer.echo(
            f"{listener.name:<{width}}  {listener.url}/health  {listener.url}/docs", err=False
        )
    typer.echo("all services are up; Ctrl-C stops them")


def version() -> None:
    """Print the installed version."""
    typer.echo(package_version())


def settings() -> None:
    """Print every EGOV_* variable with its default, as a Markdown table."""
    from egov.embedded import settings_classes

    typer.echo(settings_table(settings_classes()), nl=False)


def main() -> None:
    build_cli()()
