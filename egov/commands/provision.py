"""``egov provision``: prepare a data directory for the five services as separate processes
(``egov up``, ``deploy/compose.yaml``): every system's key file from the registry's НУЦ, the
gateway's rules on this topology's ports, one RabbitMQ user per service when ``EGOV_AMQP_URL``
is set (through ``EGOV_AMQP_ADMIN``, egov.broker), and ``<data dir>/env/<service>.env`` for
each ``egov serve SERVICE``. Idempotent, like ``egov run``'s provisioning; no secret is printed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import typer

from shared.clock import SystemClock
from shared.config import SettingsError, load_settings
from shared.logging import configure_logging

if TYPE_CHECKING:
    from egov.broker import BrokerUsers


def provision_command() -> None:
    """Issue the key files, make the broker's users, write the rules copy and one env file
    per service, from the EGOV_* settings (the same ones `egov serve` reads); safe to run
    again."""
    from egov.broker import BrokerError, BrokerUsers, resolve_admin
    from egov.embedded import EmbeddedSettings, services
    from egov.provisioning import (
        ProcessTopology,
        ProvisioningError,
        provision_processes,
        staff_lines,
    )
    from registry_svc.errors import RegistryError
    from registry_svc.keystore import KeyStoreError

    try:
        common = load_settings(EmbeddedSettings)
        settings = {entry.settings.service: load_settings(entry.settings) for entry in services()}
    except SettingsError as exc:
        typer.echo(f"egov provision: {exc}", err=True)
        raise typer.Exit(2) from None
    clock = SystemClock()
    configure_logging(
        service="egov",
        level=common.log_level,
        clock=clock,
        fmt=common.log_format,
        file=common.log_file,
    )
    broker = None
    if common.amqp_url:
        setting = common.amqp_admin.get_secret_value() if common.amqp_admin else None
        admin = resolve_admin(setting, common.amqp_url)
        if admin is not None:
            broker = BrokerUsers(admin, common.amqp_url, common.bus_namespace)
    topology = ProcessTopology(common.data_dir, settings, common.simulated_date, broker)
    try:
        done = asyncio.run(provision_processes(topology, clock=clock))
    except (OSError, ProvisioningError, BrokerError, KeyStoreError, RegistryError) as exc:
        detail = exc.message if isinstance(exc, RegistryError) else str(exc)
        typer.echo(f"egov provision: {detail}", err=True)
        raise typer.Exit(1) from None
    keys = done.keys
    typer.echo(
        f"keys: {len(keys.issued)} issued, {len(keys.reused)} reused "
        f"(trust anchors {keys.trust_anchors})"
    )
    typer.echo(f"gateway rules: {done.rules_file}")
    typer.echo(_broker_line(common.amqp_url, broker, common.data_dir))
    for service, path in done.env_files.items():
        typer.echo(f"{service:<8}  {path}")
    for line in staff_lines(keys):
        typer.echo(line)


def _broker_line(amqp_url: str | None, broker: BrokerUsers | None, data_dir: Path) -> str:
    """What the output says about the broker's users (never a password)."""
    from egov.broker import PASSWORD_DIR
    from shared.bus.permissions import SERVICES, broker_user

    if not amqp_url:
        return "broker users: none (no EGOV_AMQP_URL: the services use the in-memory bus)"
    if broker is None:
        user = unquote(urlsplit(amqp_url).username or "")
        return (
            f"broker users: none (EGOV_AMQP_ADMIN=none): every service connects as {user!r}, "
            "so any of them may publish to any queue"
        )
    users = ", ".join(broker_user(s, broker.namespace) for s in SERVICES)
    return f"broker users: {users} (passwords in {data_dir / PASSWORD_DIR})"
