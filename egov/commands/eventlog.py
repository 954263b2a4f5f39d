"""``egov eventlog export SERVICE [--to FILE|-]`` and ``egov eventlog import SERVICE --from
FILE``: a service's whole event log as JSON Lines with its hash chains, and back into an empty
log (format and checks: ``shared.eventlog.export``, docs/eventlog.md).

Exit codes: 0 done; 1 the file was refused (a bad line, named by number) or the target log is not
empty, and nothing was stored; 2 the log or the file could not be opened.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from pathlib import Path
from typing import IO, Annotated

import typer

from egov.commands.replay import SERVICES
from shared.config import SettingsError
from shared.eventlog.export import ExportHeader, ImportRefused, export_log, import_log
from shared.eventlog.factory import open_event_store
from shared.eventlog.port import EventLogError, LogNotEmpty
from shared.runtime import sqlite_dir

_SERVICE = Annotated[str, typer.Argument(help="portal, gateway, elicense, registry or provider")]
_URL = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="the event log (sqlite:///path or postgresql://...?schema=...); default: the "
        "service's configured log",
    ),
]


def build() -> typer.Typer:
    """Mounted as ``eventlog``."""
    app = typer.Typer(
        help="Export a service's event log to JSON Lines, or import such a file into an empty log.",
        no_args_is_help=True,
    )
    app.command("export")(export)
    app.command("import")(import_)
    return app


def _target(service: str, url: str | None) -> str:
    from egov.commands.audit import service_url

    return url or service_url(service)


async def export_to(url: str, out: IO[bytes], *, service: str) -> ExportHeader:
    store = await open_event_store(url)
    try:
        return await export_log(store, out, service=service)
    finally:
        await store.close()


async def import_from(url: str, source: IO[bytes], *, service: str) -> ExportHeader:
    """Import, then run the service's ``after_import(store)`` if its ``<service>_svc/replay.py``
    has one (the gateway restores its replay-protection claims: the inbox is not exported)."""
    directory = sqlite_dir(url)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    store = await open_event_store(url)
    try:
        header = await import_log(store, source, service=service)
        if service in SERVICES:
            hook = getattr(importlib.import_module(f"{service}_svc.replay"), "after_import", None)
            if hook is not None:
                await hook(store)
        return header
    finally:
        await store.close()


def export(
    service: _SERVICE,
    to: Annotated[
        str, typer.Option("--to", help="the file to write (replaced when complete); - = stdout")
    ] = "-",
    url: _URL = None,
) -> None:
    """Write SERVICE's whole event log as JSON Lines.

    A header (format version, service, time, event count, each stream's head hash), then one
    canonical line per event."""
    try:
        target = _target(service, url)
        if to == "-":
            header = asyncio.run(export_to(target, sys.stdout.buffer, service=service))
        else:
            # Written beside and renamed when complete: a cut-off export never has the name.
            path = Path(to)
            partial = path.with_name(path.name + ".partial")
            try:
                with partial.open("wb") as out:
                    header = asyncio.run(export_to(target, out, service=service))
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            os.replace(partial, path)
    except (SettingsError, EventLogError, OSError, ValueError) as exc:
        typer.echo(f"egov eventlog export {service}: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{service}: {header.events} events of {len(header.streams)} streams exported "
        f"(last position {header.last_position}) to {to}",
        err=True,
    )


def import_(
    service: _SERVICE,
    from_file: Annotated[
        str, typer.Option("--from", help="an `egov eventlog export` file; - = stdin")
    ],
    url: _URL = None,
) -> None:
    """Store an export file into SERVICE's EMPTY event log, checking every line.

    JSON, fields, positions, every hash chain, the header's count and heads are checked while
    the file streams into one transaction; at the first bad line nothing is stored and the line
    is named."""
    try:
        target = _target(service, url)
        if from_file == "-":
            header = asyncio.run(import_from(target, sys.stdin.buffer, service=service))
        else:
            with Path(from_file).open("rb") as source:
                header = asyncio.run(import_from(target, source, service=service))
    except ImportRefused as exc:
        typer.echo(f"egov eventlog import {service}: {from_file} {exc}; nothing stored", err=True)
        raise typer.Exit(1) from None
    except LogNotEmpty as exc:
        typer.echo(f"egov eventlog import {service}: {exc}; nothing stored", err=True)
        raise typer.Exit(1) from None
    except (SettingsError, EventLogError, OSError, ValueError) as exc:
        typer.echo(f"egov eventlog import {service}: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{service}: {header.events} events of {len(header.streams)} streams imported "
        f"(exported {header.exported_at}), every chain verified"
    )
