"""Opening registry_svc's event log and data directory from the ``EGOV_*`` settings, for the
``pki``, ``registry``, ``sign`` and ``verify`` commands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import typer

from registry_svc.components import RegistryComponents
from registry_svc.settings import RegistrySettings
from shared.clock import SystemClock
from shared.config import SettingsError, load_settings
from shared.eventlog.factory import open_event_store
from shared.pki.keys import KeyAlgorithm
from shared.runtime import sqlite_dir


def registry_settings() -> RegistrySettings:
    try:
        return load_settings(RegistrySettings)
    except SettingsError as exc:
        typer.echo(f"egov: {exc}", err=True)
        raise typer.Exit(2) from None


@asynccontextmanager
async def registry_components(
    algorithm: KeyAlgorithm = KeyAlgorithm.ES256,
) -> AsyncIterator[RegistryComponents]:
    """The CA and registries on the same log and data directory as the running registry_svc;
    writes made here show in its next answer."""
    settings = registry_settings()
    url = settings.resolved_event_store_url()
    directory = sqlite_dir(url)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    clock = SystemClock()
    store = await open_event_store(url, clock=clock)
    try:
        components = RegistryComponents(
            store,
            clock,
            data_dir=settings.data_dir,
            public_url=f"http://{settings.host}:{settings.port}",
            algorithm=algorithm,  # used only when the CA is created, at its first start
        )
        await components.start()
        yield components
    finally:
        await store.close()
