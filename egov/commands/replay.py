"""``egov replay SERVICE [--from FILE | --url URL] [--json]``: rebuild a service's read models
from its event log and print how long it took, how many events, events per second and the
SHA-256 of what was rebuilt (two rebuilds of the same log give the same digest).

Each service provides its rebuild in ``<service>_svc/replay.py`` as
``async rebuild(store, *, now) -> dict`` returning at least ``events`` and ``sha256`` plus its
own counts, and optionally ``warm_up()`` for set-up that is not replay (loading the
regulations); this command opens the log, times the rebuild and prints the result. With
``--from FILE`` (an ``egov eventlog export`` file) the events are first checked and imported
into a temporary SQLite log, so the live store is never touched; the import is timed apart.
Exit codes: 0 rebuilt, 1 the export file was refused, 2 the log could not be opened.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from shared.clock import SystemClock
from shared.config import SettingsError
from shared.eventlog.export import ImportRefused, import_log
from shared.eventlog.factory import open_event_store
from shared.eventlog.port import EventLogError, EventStore
from shared.eventlog.sqlite import SqliteEventStore

SERVICES = ("portal", "gateway", "elicense", "registry", "provider")


async def _rebuild(service: str, store: EventStore, now: datetime) -> dict[str, Any]:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; one of: {', '.join(SERVICES)}")
    module = importlib.import_module(f"{service}_svc.replay")
    warm_up = getattr(module, "warm_up", None)
    if warm_up is not None:
        warm_up()  # e.g. parse the regulations: set-up, not replay, so before the clock starts
    began = time.perf_counter()
    result: dict[str, Any] = await module.rebuild(store, now=now)
    seconds = time.perf_counter() - began
    events = int(result["events"])
    return {
        "service": service,
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds) if seconds > 0 else None,
        "sha256": result["sha256"],
        **{k: v for k, v in result.items() if k not in ("events", "sha256")},
    }


async def replay_log(
    service: str, *, url: str | None = None, source: Path | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Rebuild ``service``'s read models from the log at ``url`` or from the export file
    ``source`` (imported into a temporary SQLite log first); the report ``egov replay`` prints.
    ``now`` (default: the real time) is the instant time-dependent views are computed for."""
    now = now or SystemClock().now()
    if url is not None and source is None:
        store = await open_event_store(url)
        try:
            return {"source": url} | await _rebuild(service, store, now)
        finally:
            await store.close()
    if source is None or url is not None:
        raise ValueError("give exactly one of url and source")
    with tempfile.TemporaryDirectory(prefix="egov-replay-") as directory:
        temporary = SqliteEventStore(Path(directory) / f"{service}.sqlite3")
        await temporary.open()
        try:
            began = time.perf_counter()
            with source.open("rb") as handle:
                header = await import_log(temporary, handle, service=service)
            imported = time.perf_counter() - began
            report = await _rebuild(service, temporary, now)
        finally:
            await temporary.close()
    return (
        {"source": str(source), "import_seconds": round(imported, 3)}
        | report
        | {"exported_at": header.exported_at}
    )


def _print(report: dict[str, Any]) -> None:
    typer.echo(
        f"{report['service']}: {report['events']} events in {report['seconds']} s "
        f"({report['events_per_s']} events/s) from {report['source']}"
        + (f" (imported in {report['import_seconds']} s)" if "import_seconds" in report else "")
    )
    skip = {"service", "events", "seconds", "events_per_s", "sha256", "source", "import_seconds"}
    for key, value in report.items():
        if key in skip:
            continue
        if isinstance(value, str) and "\n" in value:
            typer.echo(f"{key}:\n{value.rstrip()}")
        elif isinstance(value, dict | list):
            typer.echo(f"{key}: {json.dumps(value, ensure_ascii=False)}")
        else:
            typer.echo(f"{key}: {value}")
    typer.echo(f"sha256 {report['sha256']}")


def replay(
    service: Annotated[str, typer.Argument(help="portal, gateway, elicense, registry or provider")],
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="an `egov eventlog export` file to rebuild from, instead of the live log "
            "(checked and imported into a temporary SQLite log first)",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="the event log (sqlite:///path or postgresql://...?schema=...); default: the "
            "service's configured log",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Rebuild SERVICE's read models from its event log (or an export file); print the time,
    the events, events/s and the SHA-256 of the rebuilt read models."""
    from egov.commands.audit import service_url

    if service not in SERVICES:
        raise typer.BadParameter(
            f"unknown service {service!r}; one of: {', '.join(SERVICES)}", param_hint="SERVICE"
        )
    if from_file is not None and url is not None:
        raise typer.BadParameter("give --from FILE or --url URL, not both")
    try:
        if from_file is not None:
            report = asyncio.run(replay_log(service, source=from_file))
        else:
            report = asyncio.run(replay_log(service, url=url or service_url(service)))
    except ImportRefused as exc:
        typer.echo(f"egov replay {service}: {from_file}: {exc}", err=True)
        raise typer.Exit(1) from None
    except (SettingsError, EventLogError, OSError, ValueError) as exc:
        typer.echo(f"egov replay {service}: cannot open the event log: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    _print(report)
