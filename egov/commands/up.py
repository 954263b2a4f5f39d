"""``egov up``: the five services as separate processes on a real PostgreSQL and RabbitMQ (the
compose topology without Docker; see egov.stack and docs/stack.md).

It provisions the data directory (``egov provision``: keys, env files, and one RabbitMQ user
per service through ``EGOV_AMQP_ADMIN``, egov.broker), starts one ``egov serve`` process per
service, waits until all are healthy, prints their addresses and writes
``<data dir>/stack.json`` (other tools find the running stack there). A service that dies is
started again, as a compose restart policy would (its new pid goes to stack.json). Ctrl-C or
SIGTERM stops them all cleanly and removes stack.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shared.clock import SystemClock
from shared.config import SettingsError, load_settings
from shared.logging import configure_logging

if TYPE_CHECKING:  # egov.stack imports the provisioning code: only when egov up runs
    from egov.stack import Stack, StackOptions

# Variables egov up decides for each service itself; every other EGOV_* variable of its
# environment (log level, timeouts, Argon2 costs...) is passed on to every service.
_MANAGED = re.compile(
    r"^EGOV_(PG_DSN|AMQP_URL|AMQP_ADMIN|DATA_DIR|SIMULATED_DATE|BUS_NAMESPACE|SIMULATION_CONTROL"
    r"|HOST"
    r"|SIMULATION_CLOCK_FILE"
    r"|(PORTAL|GATEWAY|ELICENSE|REGISTRY|PROVIDER)_(PORT|EVENT_STORE_URL))$"
)
_MONITOR_S = 0.5


def up_command(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="keys, env files, logs, stack.json (default EGOV_DATA_DIR)"
        ),
    ] = None,
    simulated_date: Annotated[
        str | None,
        typer.Option(
            "--simulated-date",
            help="the business day (YYYY-MM-DD, or 'today'; default EGOV_SIMULATED_DATE)",
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            "--namespace",
            help="prefix of this stack's PostgreSQL schemas (<ns>_<service>) and RabbitMQ "
            "names (<ns>.), so stacks share the servers; default EGOV_BUS_NAMESPACE without "
            "its dot, else none",
        ),
    ] = None,
) -> None:
    """Start every service as its own process on PostgreSQL (EGOV_PG_DSN) and RabbitMQ
    (EGOV_AMQP_URL, each service as its own user made through EGOV_AMQP_ADMIN), wait until all
    are healthy; Ctrl-C/SIGTERM stops them."""
    from egov.broker import resolve_admin
    from egov.embedded import EmbeddedSettings, services
    from egov.stack import StackError, StackOptions

    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if simulated_date is not None:
        overrides["simulated_date"] = simulated_date
    try:
        common = load_settings(EmbeddedSettings, **overrides)
        ports = {e.settings.service: load_settings(e.settings).port for e in services()}
    except SettingsError as exc:
        typer.echo(f"egov up: {exc}", err=True)
        raise typer.Exit(2) from None
    pg_dsn, amqp_url = common.pg_dsn, common.amqp_url
    if not pg_dsn or not amqp_url:
        missing = [n for n, v in (("EGOV_PG_DSN", pg_dsn), ("EGOV_AMQP_URL", amqp_url)) if not v]
        typer.echo(
            f"egov up: set {' and '.join(missing)}: egov up runs every service on a real "
            "PostgreSQL and RabbitMQ (egov run needs neither)",
            err=True,
        )
        raise typer.Exit(2)
    # The namespace: --namespace, else EGOV_BUS_NAMESPACE ("run1." names the stack "run1").
    if namespace is not None:
        chosen, source = namespace, "--namespace"
    else:
        chosen, source = common.bus_namespace.removesuffix("."), "EGOV_BUS_NAMESPACE"
    extra = {k: v for k, v in os.environ.items() if k.startswith("EGOV_") and not _MANAGED.match(k)}
    admin = resolve_admin(
        common.amqp_admin.get_secret_value() if common.amqp_admin else None, amqp_url
    )
    try:
        options = StackOptions(
            data_dir=common.data_dir,
            pg_dsn=pg_dsn,
            amqp_url=amqp_url,
            namespace=chosen,
            simulated_date=common.simulated_date,
            ports=ports,
            env=extra,
            host=common.host,
            amqp_admin=admin,
        )
    except ValueError as exc:
        where = f"{source}: " if chosen and str(exc).startswith("namespace") else ""
        typer.echo(f"egov up: {where}{exc}", err=True)
        raise typer.Exit(2) from None
    configure_logging(
        service="egov",
        level=common.log_level,
        clock=SystemClock(),
        fmt=common.log_format,
        file=common.log_file,
    )
    named = f" in namespace {options.namespace}" if options.namespace else ""
    typer.echo(f"starting {len(ports)} services{named}; their logs: {options.logs}")
    if admin is None:
        # Chosen explicitly (EGOV_AMQP_ADMIN=none), and said out loud: nothing on the broker
        # then keeps one service from publishing into another's queue.
        typer.echo(
            "egov up: EGOV_AMQP_ADMIN=none: every service connects to RabbitMQ as "
            "EGOV_AMQP_URL's user, without per-service permissions",
            err=True,
        )
    try:
        code = asyncio.run(_up(options, common.simulated_date))
    except StackError as exc:
        typer.echo(f"egov up: {exc}", err=True)
        raise typer.Exit(1) from None
    if code != 0:
        raise typer.Exit(code)
    typer.echo("egov up: stopped")


async def _up(options: StackOptions, simulated_date: date | None) -> int:
    from egov.broker import PASSWORD_DIR
    from egov.provisioning import KEYS_DIR, STAFF_GROUP
    from egov.stack import MANIFEST, SERVICES, Stack, write_manifest

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    stack = Stack(options)
    manifest = options.data_dir / MANIFEST
    try:
        starting = asyncio.create_task(stack.start())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():  # a signal during the start: stop what has started
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            await stack.stop()
            return 0
        stopping.cancel()
        starting.result()  # raises StackError when a service failed to start
        write_manifest(stack, supervisor_pid=os.getpid())
        width = max(len(s) for s in SERVICES)
        for service in SERVICES:
            url = stack.urls[service]
            typer.echo(f"{service:<{width}}  {url}/health  {url}/docs")
        users = stack.manifest()["broker_users"]
        if users:
            typer.echo(
                f"broker users: {', '.join(users.values())} (passwords in "
                f"{options.data_dir / PASSWORD_DIR})"
            )
        day = simulated_date.isoformat() if simulated_date else "the real date"
        typer.echo(f"simulated day: {day}; manifest: {manifest}")
        staff_keys = options.data_dir / KEYS_DIR / STAFF_GROUP
        typer.echo(
            f"E-licensing staff: key files in {staff_keys} (who: {options.logs}/provision.log, "
            "egov elicense staff list)"
        )
        typer.echo("all services are up; Ctrl-C stops them")
        await _supervise(stack, stop, lambda: write_manifest(stack, supervisor_pid=os.getpid()))
        statuses = await stack.stop()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        manifest.unlink(missing_ok=True)
    failed = {s: c for s, c in statuses.items() if c not in (0, None)}
    if failed:
        typer.echo(f"egov up: not every service stopped cleanly: {failed}", err=True)
        return 1
    return 0


async def _supervise(stack: Stack, stop: asyncio.Event, on_change: Callable[[], object]) -> None:
    """Until ``stop``: start again a service that died (a crash, ``kill -9``)."""
    from egov.stack import SERVICES, StackError

    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), _MONITOR_S)
        if stop.is_set():
            return
        for service in SERVICES:
            if stack.pid(service) is not None or stop.is_set():
                continue
            typer.echo(f"egov up: {service} exited; starting it again", err=True)
            try:
                await stack.start_service(service)
            except StackError as exc:
                typer.echo(f"egov up: {service} did not come back: {exc}", err=True)
                continue
            on_change()
            typer.echo(f"egov up: {service} is back (pid {stack.pid(service)})", err=True)
