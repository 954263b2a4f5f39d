"""The composition root of the provider service: the only place that builds its event store,
its bus, its signers and verifier, and wires the workstations' consumers, the outbox relay and
the deadline timers (see shared.runtime for who closes what)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import httpx
import structlog
from cryptography import x509
from fastapi import FastAPI

from provider_svc.app import DESCRIPTION, TITLE
from provider_svc.components import NoTrustAnchors, load_signers
from provider_svc.domain.workstations import check_against
from provider_svc.entrypoints.api import build_router
from provider_svc.entrypoints.consumer import start_consumers
from provider_svc.handlers import ProviderService
from provider_svc.lookup import GatewayPersonLookup
from provider_svc.pages.router import mount_pages
from provider_svc.projections import ProviderProjection
from provider_svc.settings import ProviderSettings
from regulations import definitions_dir
from shared.bus.port import Bus, Consumer
from shared.calendar import KzCalendar
from shared.clock import Clock, SystemClock
from shared.config import load_settings
from shared.eventlog.port import EventStore
from shared.outbox import OutboxRelay
from shared.pki.jws import JwsVerifier
from shared.pki.revocation_client import HttpRevocationSource, RevocationChecker
from shared.pki.revocation_events import watch_revocations
from shared.regulation.catalog import Catalog
from shared.runtime import (
    Service,
    clock_signed_calls,
    mount_clock_control,
    service_app,
    service_resources,
)
from shared.signing import Verifier
from shared.simclock import business_clock
from shared.web import Hook


def bootstrap(
    settings: ProviderSettings | None = None,
    *,
    store: EventStore | None = None,
    bus: Bus | None = None,
    clock: Clock | None = None,
    today: Clock | None = None,
) -> Service:
    """Build the service. A ``store`` or ``bus`` passed in belongs to the caller, who opens and
    closes it; what is built here is opened when the app starts and closed when it stops.

    ``today`` is the workstations' day (which regulation is in force, deadlines, records); unset
    = built from ``simulated_date`` (shared.simclock). ``egov run`` passes its one simulated
    clock: the seeds' regulations were repealed by 2020. Certificates are always checked
    against ``clock``, real time."""
    settings = settings if settings is not None else load_settings(ProviderSettings)
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

    catalog = Catalog.from_directory(definitions_dir())
    check_against(catalog)
    revocation_http = httpx.Client(timeout=settings.http_timeout_s)
    lookup_http = httpx.AsyncClient(timeout=settings.http_timeout_s)
    verifier: Verifier = NoTrustAnchors()
    if settings.trust_anchors is not None:
        roots = x509.load_pem_x509_certificates(settings.trust_anchors.read_bytes())
        verifier = JwsVerifier(
            roots,
            clock,
            RevocationChecker(
                HttpRevocationSource(revocation_http),
                clock,
                ocsp_max_age=timedelta(seconds=settings.ocsp_max_age_s),
                responder_origin=settings.registry_url,
            ),
        )
    password = settings.key_password.get_secret_value() if settings.key_password else ""
    signers = load_signers(settings.keys_dir, password)
    wakeup = asyncio.Event()
    relay = OutboxRelay(store, bus, clock=clock, wakeup=wakeup)
    calendar = KzCalendar()
    service = ProviderService(
        store,
        today,
        catalog,
        calendar,
        signers=signers,
        verifier=verifier,
        lookup=GatewayPersonLookup(lookup_http, settings.gateway_url, lambda ws: signers[ws]),
        on_commit=wakeup.set,
    )
    projection = ProviderProjection()
    consumers: list[Consumer] = []

    tasks: list[asyncio.Task[None]] = []
    log = structlog.get_logger("provider_svc")

    async def consume() -> None:
        # The broker may be down at start-up: /health reports it, and the workstations start
        # consuming as soon as it answers (their messages wait in to.<system id> meanwhile).
        delay = 0.5
        while True:
            try:
                consumers.extend(await start_consumers(bus, service, wake_relay=wakeup.set))
                return
            except Exception as exc:
                log.warning("workstation consumers not started", error=str(exc), retry_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def start_workstations() -> None:
        relay.start()
        tasks.append(asyncio.create_task(consume(), name="provider-consumers"))
        # Timers live in memory: re-arm every open request from the log at start-up.
        await projection.catch_up(store)
        await service.arm_all(
            [rid for rid, view in projection.requests.items() if view.finished is None]
        )

    async def stop_workstations() -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for consumer in consumers:
            await consumer.stop()
        service.stop_timers()
        await relay.stop()
        await lookup_http.aclose()
        await asyncio.to_thread(revocation_http.close)

    startup: list[Hook] = [*lifecycle.startup, start_workstations]
    shutdown: list[Hook] = [stop_workstations, *lifecycle.shutdown]
    watch_revocations(bus, lambda: verifier, service="provider", startup=startup, shutdown=shutdown)
    app = service_app(
        settings,
        title=TITLE,
        description=DESCRIPTION,
        store=store,
        bus=bus,
        startup=startup,
        shutdown=shutdown,
    )
    app.include_router(
        build_router(service, projection, signed_call_window_s=settings.signed_call_window_s)
    )
    # The staff's pages: signing in with the department's certificate, over the same service.
    mount_pages(app, service, projection, zone=calendar.tz)
    # Only the simulation operator moves the clock (shared.authz).
    calls = clock_signed_calls(lambda: verifier, store, settings)
    mount_clock_control(app, settings, today, signed_calls=calls)
    return Service(settings.service, settings, store, bus, app)


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory provider_svc.bootstrap:app_from_env``: one service, settings from the
    environment."""
    return bootstrap().app
