"""The composition root of the registry service: the only place that builds its event store and
its bus (see shared.runtime for who closes what)."""

from __future__ import annotations

from fastapi import FastAPI

from registry_svc.app import create_app
from registry_svc.components import RegistryComponents
from registry_svc.entrypoints.api import build_router
from registry_svc.settings import RegistrySettings
from shared.bus.memory import InMemoryBus
from shared.bus.port import Bus
from shared.bus.rabbitmq import RabbitMqBus
from shared.clock import Clock, SystemClock
from shared.config import load_settings
from shared.eventlog.factory import create_event_store
from shared.eventlog.port import EventStore
from shared.runtime import Service, owned_lifecycle, sqlite_dir


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
    url = settings.resolved_event_store_url()
    owned_store: EventStore | None = None
    if store is None:
        clock = clock if clock is not None else SystemClock()
        store = owned_store = create_event_store(url, clock=clock)
    owned_bus: Bus | None = None
    if bus is None:
        # No broker configured: an in-memory bus, enough to run this service alone.
        bus = owned_bus = (
            RabbitMqBus(settings.amqp_url, connection_name=settings.service)
            if settings.amqp_url
            else InMemoryBus()
        )
    lifecycle = owned_lifecycle(
        store=owned_store,
        bus=owned_bus,
        store_dir=sqlite_dir(url) if owned_store is not None else None,
    )
    # The CA and the registries start after the store is open (the lifecycle's hooks come first).
    # Issued certificates name this address as their OCSP responder and CRL location.
    components = RegistryComponents(
        store,
        clock if clock is not None else SystemClock(),
        data_dir=settings.data_dir,
        public_url=f"http://{settings.host}:{settings.port}",
    )
    app = create_app(
        settings,
        store=store,
        bus=bus,
        startup=[*lifecycle.startup, components.start],
        shutdown=lifecycle.shutdown,
    )
    app.include_router(build_router(components))
    return Service(settings.service, settings, store, bus, app)


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory registry_svc.bootstrap:app_from_env``: one service, settings from the
    environment."""
    return bootstrap().app
