"""The composition root of the registry service: the only place that builds its event store and
its bus (see shared.runtime for who closes what)."""

from __future__ import annotations

from fastapi import FastAPI

from registry_svc.announce import RevocationEvents
from registry_svc.app import DESCRIPTION, TITLE
from registry_svc.components import RegistryComponents
from registry_svc.entrypoints.api import build_router
from registry_svc.pages.router import mount_pages
from registry_svc.settings import RegistrySettings
from shared.bus.port import Bus
from shared.clock import Clock, SystemClock
from shared.config import load_settings
from shared.eventlog.port import EventStore
from shared.runtime import Service, mount_clock_control, service_app, service_resources


def bootstrap(
    settings: RegistrySettings | None = None,
    *,
    store: EventStore | None = None,
    bus: Bus | None = None,
    clock: Clock | None = None,
) -> Service:
    """Build the service. A ``store`` or ``bus`` passed in belongs to the caller, who opens and
    closes it; what is built here is opened when the app starts and closed when it stops."""
    settings = settings if settings is not None else load_settings(RegistrySettings)
    clock = clock if clock is not None else SystemClock()
    resources = service_resources(settings, store=store, bus=bus, clock=clock)
    store, bus, lifecycle = resources.store, resources.bus, resources.lifecycle
    # The CA and the registries start after the store is open (the lifecycle's hooks come first).
    # Issued certificates name this address as their OCSP responder and CRL location.
    components = RegistryComponents(
        store,
        clock,
        data_dir=settings.data_dir,
        public_url=settings.published_url(),
        signed_call_window_s=settings.signed_call_window_s,
    )
    revocations = RevocationEvents(  # pki.revoked: signed, committed with the revocation, relayed
        components.ca,
        store,
        bus,
        lambda: components.verifier,
        data_dir=settings.data_dir,
        clock=clock,
        key_file=settings.key_file,
        password=settings.key_password.get_secret_value() if settings.key_password else "",
    )
    app = service_app(
        settings,
        title=TITLE,
        description=DESCRIPTION,
        store=store,
        bus=bus,
        startup=[*lifecycle.startup, components.start, revocations.start],
        shutdown=[*lifecycle.shutdown, revocations.stop],  # run in reverse: events first
    )
    app.include_router(build_router(components))
    mount_pages(app, components)  # the RA operators' and registrars' pages (/ra/...)
    mount_clock_control(app, settings, clock)  # real time: the НУЦ's clock is not moved
    return Service(settings.service, settings, store, bus, app)


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory registry_svc.bootstrap:app_from_env``: one service, settings from the
    environment."""
    return bootstrap().app
