"""``egov provision``: prepare a data directory for the five services as separate processes
(``egov up``, ``deploy/compose.yaml``): every system's key file from the registry's НУЦ, the
gateway's rules on this topology's ports, and ``<data dir>/env/<service>.env`` for each
``egov serve SERVICE``. Idempotent, like ``egov run``'s provisioning; no secret is printed.
"""

from __future__ import annotations

import asyncio

import typer

from shared.clock import SystemClock
from shared.config import SettingsError, load_settings
from shared.logging import configure_logging


def provision_command() -> None:
    """Issue the key files, write the rules copy and one env file per service, from the
    EGOV_* settings (the same ones `egov serve` reads); safe to run again."""
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
    configure_logging(service="egov", level=common.log_level, clock=clock)
    topology = ProcessTopology(common.data_dir, settings, common.simulated_date)
    try:
        done = asyncio.run(provision_processes(topology, clock=clock))
    except (OSError, ProvisioningError, KeyStoreError, RegistryError) as exc:
        detail = exc.message if isinstance(exc, RegistryError) else str(exc)
        typer.echo(f"egov provision: {detail}", err=True)
        raise typer.Exit(1) from None
    keys = done.keys
    typer.echo(
        f"keys: {len(keys.issued)} issued, {len(keys.reused)} reused "
        f"(trust anchors {keys.trust_anchors})"
    )
    typer.echo(f"gateway rules: {done.rules_file}")
    for service, path in done.env_files.items():
        typer.echo(f"{service:<8}  {path}")
    for line in staff_lines(keys):
        typer.echo(line)
