"""The composition root of the elicense service: the only place that builds its event store and
its bus (see shared.runtime for who closes what)."""

from __future__ import annotations

from fastapi import FastAPI

from elicense_svc.app import DESCRIPTION, TITLE
from elicense_svc.components import ElicenseComponents
from elicense_svc.domain.errors import ElicenseError
from elicense_svc.entrypoints.api import build_router, install_error_handler, public_checks
from elicense_svc.handlers import ElicenseService
from elicense_svc.messages import DEFAULT_TOPOLOGY, Topology
from elicense_svc.pages.router import mount_pages
from elicense_svc.projections import Projections
from elicense_svc.registry_port import RegistryLookup
from elicense_svc.settings import ElicenseSettings
from shared.bus.port import Bus
from shared.clock import Clock, SystemClock
from shared.config import load_settings
from shared.eventlog.port import EventStore
from shared.pki.revocation_events import watch_revocations
from shared.runtime import (
    Service,
    clock_signed_calls,
    mount_clock_control,
    service_app,
    service_resources,
)
from shared.signing import Signer, Verifier
from shared.simclock import business_clock
from shared.web import Hook


def bootstrap(
    settings: ElicenseSettings | None = None,
    *,
    store: EventStore | None = None,
    bus: Bus | None = None,
    clock: Clock | None = None,
    signer: Signer | None = None,
    verifier: Verifier | None = None,
    lookup: RegistryLookup | None = None,
    topology: Topology = DEFAULT_TOPOLOGY,
    today: Clock | None = None,
) -> Service:
    """Build the service. A ``store`` or ``bus`` passed in belongs to the caller, who opens and
    closes it; what is built here is opened when the app starts and closed when it stops.

    ``today`` is E-licensing's business clock (which regulation is in force, deadlines, the
    registry retries); unset = built from ``simulated_date`` (shared.simclock). Certificates
    are always checked against ``clock``, real time."""
    settings = settings if settings is not None else load_settings(ElicenseSettings)
    clock = clock if clock is not None else SystemClock()
    if today is None:
        today = business_clock(
            clock,
            settings.simulated_date,
            control=settings.simulation_control,
            state_file=settings.simulation_clock_file,
        )
    # The event log stamps every record (recorded_at, the inbox, the outbox) with the
    # business clock: one clock for everything this service writes, so a request's history
    # is on the same (simulated) day as its received_at and deadlines.
    resources = service_resources(settings, store=store, bus=bus, clock=today)
    store, bus, lifecycle = resources.store, resources.bus, resources.lifecycle
    # The components start after the store and bus are open and stop before they close.
    components = ElicenseComponents(
        settings,
        store,
        bus,
        clock,
        signer=signer,
        verifier=verifier,
        lookup=lookup,
        topology=topology,
        today=today,
    )
    startup: list[Hook] = [*lifecycle.startup, components.start]
    shutdown: list[Hook] = [*lifecycle.shutdown, components.stop]  # run in reverse: last first
    watch_revocations(
        bus, components.running_verifier, service="elicense", startup=startup, shutdown=shutdown
    )
    app = service_app(
        settings,
        title=TITLE,
        description=DESCRIPTION,
        store=store,
        bus=bus,
        startup=startup,
        shutdown=shutdown,
    )

    def parts() -> tuple[ElicenseService, Projections]:
        running = components.parts
        if running is None:
            raise ElicenseError(
                "NOT_RUNNING",
                "elicense is not running or has no key file and trust anchors configured",
                status=503,
            )
        return running.service, running.projections

    install_error_handler(app)
    # The API's public permit check and the check page share one budget per address.
    public_limit = public_checks(settings.public_per_address, settings.public_memory_keys)
    app.include_router(
        build_router(
            parts, signed_call_window_s=settings.signed_call_window_s, public_limit=public_limit
        )
    )
    mount_pages(app, parts, public_limit=public_limit)
    # Only the simulation operator moves the clock (shared.authz).
    calls = clock_signed_calls(components.running_verifier, store, settings)
    mount_clock_control(app, settings, today, signed_calls=calls)
    return Service(settings.service, settings, store, bus, app)


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory elicense_svc.bootstrap:app_from_env``: one service, settings from the
    environment."""
    return bootstrap().app
