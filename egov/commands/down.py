"""``egov down``: stop the stack ``egov up`` runs on a data directory and, with ``--drop``,
delete what it left on the shared servers (docs/stack.md).

The running stack is found through ``<data dir>/stack.json``: ``egov up`` writes its own pid
there (``supervisor_pid``), and SIGTERM to that pid stops every service cleanly and removes the
manifest. ``--drop`` then deletes the namespace with :func:`egov.stack.drop_namespace`: the
PostgreSQL schemas ``<ns>_<service>``, the queues and exchanges the services and provisioning
journalled under ``<data dir>/bus/``, and the namespace's broker users when the stack had them.
The namespace comes from ``--namespace``, else the manifest, else ``EGOV_BUS_NAMESPACE``; a
stack without a namespace holds the production names and is never dropped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shared.config import SettingsError, load_settings

if TYPE_CHECKING:  # egov.embedded imports every service: only when egov down runs
    from egov.embedded import EmbeddedSettings

NAME = "egov down"
_POLL_S = 0.2


def down_command(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="the stack's data directory (default EGOV_DATA_DIR)"),
    ] = None,
    drop: Annotated[
        bool,
        typer.Option(
            "--drop",
            help="also delete the namespace's PostgreSQL schemas, RabbitMQ queues and "
            "exchanges (and broker users)",
        ),
    ] = False,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            help="the namespace to drop (default: the running stack's, else "
            "EGOV_BUS_NAMESPACE without its dot)",
        ),
    ] = None,
    timeout_s: Annotated[
        float,
        typer.Option("--timeout", help="seconds to wait for egov up to stop", min=1),
    ] = 60.0,
) -> None:
    """Stop the stack egov up runs on this data directory (SIGTERM to egov up); with --drop,
    delete its namespace's schemas, queues and exchanges afterwards."""
    from egov.client.topology import ManifestError, read_manifest
    from egov.embedded import EmbeddedSettings
    from egov.stack import MANIFEST

    overrides: dict[str, object] = {} if data_dir is None else {"data_dir": data_dir}
    try:
        settings = load_settings(EmbeddedSettings, **overrides)
    except SettingsError as exc:
        typer.echo(f"{NAME}: {exc}", err=True)
        raise typer.Exit(2) from None
    path = settings.data_dir / MANIFEST
    manifest: dict[str, Any] | None = None
    if path.exists():
        try:
            manifest = read_manifest(path)
        except ManifestError as exc:
            typer.echo(f"{NAME}: {exc}", err=True)
            raise typer.Exit(2) from None
    if manifest is None:
        typer.echo(f"{NAME}: no stack is running on {settings.data_dir} (no {MANIFEST})")
    else:
        _stop(manifest, path, timeout_s)
    if drop:
        _drop(settings, manifest, namespace)


def _stop(manifest: dict[str, Any], path: Path, timeout_s: float) -> None:
    pid = manifest.get("supervisor_pid")
    if isinstance(pid, int) and _is_egov_up(pid):
        typer.echo(f"{NAME}: stopping egov up (pid {pid})")
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass  # it stopped by itself meanwhile
        except PermissionError:
            typer.echo(f"{NAME}: egov up (pid {pid}) is another user's process", err=True)
            raise typer.Exit(1) from None
        deadline = time.monotonic() + timeout_s
        while _alive(pid):
            if time.monotonic() > deadline:
                typer.echo(f"{NAME}: egov up (pid {pid}) did not stop within {timeout_s:g} s")
                raise typer.Exit(1)
            time.sleep(_POLL_S)
        typer.echo(f"{NAME}: stopped")
        return
    # egov up is gone (kill -9, a crash) and left its manifest: its services may still run.
    pids = manifest.get("pids") or {}
    running = {s: p for s, p in pids.items() if isinstance(p, int) and _alive(p)}
    if running:
        listed = ", ".join(f"{s} (pid {p})" for s, p in sorted(running.items()))
        typer.echo(
            f"{NAME}: egov up is not running, but {path} names services that still run: "
            f"{listed}; stop them (kill PID) and run egov down again",
            err=True,
        )
        raise typer.Exit(1)
    path.unlink(missing_ok=True)
    typer.echo(f"{NAME}: egov up is not running; removed its stale {path.name}")


def _drop(
    settings: EmbeddedSettings, manifest: dict[str, Any] | None, namespace: str | None
) -> None:
    from egov.broker import resolve_admin
    from egov.stack import Dropped, StackError, StackOptions, drop_namespace, journalled_namespaces

    given = manifest or {}
    if namespace is not None:
        chosen, source = namespace.removesuffix("."), "--namespace"
    elif manifest is not None:
        chosen, source = str(given.get("namespace") or ""), str(settings.data_dir / "stack.json")
    else:
        chosen, source = settings.bus_namespace.removesuffix("."), "EGOV_BUS_NAMESPACE"
    if not chosen:
        if manifest is not None:
            why = f"the stack of {source} ran without a namespace"
        else:
            why = "no namespace given (--namespace, EGOV_BUS_NAMESPACE) and no stack running"
        known = journalled_namespaces(settings.data_dir)
        found = (
            f"; the journals in {settings.data_dir / 'bus'} name: {', '.join(known)}"
            if known
            else ""
        )
        typer.echo(
            f"{NAME} --drop: {why}; only a namespaced stack is dropped (without one its names "
            f"are the production ones){found}",
            err=True,
        )
        raise typer.Exit(2)
    pg_dsn = settings.pg_dsn or given.get("pg_dsn")
    amqp_url = settings.amqp_url or given.get("amqp_url")
    if not pg_dsn or not amqp_url:
        missing = [n for n, v in (("EGOV_PG_DSN", pg_dsn), ("EGOV_AMQP_URL", amqp_url)) if not v]
        typer.echo(
            f"{NAME} --drop: set {' and '.join(missing)}: the servers to drop from", err=True
        )
        raise typer.Exit(2)
    admin_setting = settings.amqp_admin.get_secret_value() if settings.amqp_admin else None
    # The broker users exist when the stack made them: its manifest says so (null = none).
    had_users = manifest is None or bool(given.get("broker_users"))
    admin = resolve_admin(admin_setting, amqp_url) if had_users else None
    try:
        options = StackOptions(
            settings.data_dir, pg_dsn=pg_dsn, amqp_url=amqp_url, namespace=chosen, amqp_admin=admin
        )
    except ValueError as exc:
        typer.echo(f"{NAME} --drop: {source}: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        dropped: Dropped = asyncio.run(drop_namespace(options))
    except (StackError, OSError) as exc:
        advice = ""
        if "broker users" in str(exc) and manifest is None:
            advice = (
                " (the schemas, queues and exchanges are dropped; a stack run with "
                "EGOV_AMQP_ADMIN=none has no users to delete: set it so for egov down too)"
            )
        typer.echo(f"{NAME} --drop: {exc}{advice}", err=True)
        raise typer.Exit(1) from None
    schemas = ", ".join(dropped.schemas) or "none left"
    users = "; its broker users deleted" if dropped.users else ""
    typer.echo(
        f"{NAME}: dropped namespace {chosen}: schemas {schemas}; {dropped.queues} queues and "
        f"{dropped.exchanges} exchanges{users}"
    )
    if not dropped.queues and not dropped.exchanges:
        typer.echo(
            f"{NAME}: no bus names journalled in {settings.data_dir / 'bus'}: nothing deleted "
            "on RabbitMQ (was the stack run on another --data-dir?)",
            err=True,
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to signal
    # A process that has exited but whose parent has not reaped it yet (a zombie) still
    # answers signal 0; /proc says what it is, where there is one.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _is_egov_up(pid: int) -> bool:
    """Whether ``pid`` is still the ``egov up`` that wrote the manifest, not a later process
    that got its number (checked through /proc where there is one)."""
    if not _alive(pid):
        return False
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc on this system: trust the pid
    except OSError:
        return False
    return b"up" in argv and any(b"egov" in arg for arg in argv)
