"""The composition root of the portal service: the only place that builds its event store, its
bus, its keys and verifiers (see shared.runtime for who closes what)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from cryptography import x509
from fastapi import FastAPI

from portal_svc.app import create_app
from portal_svc.assembly import Portal, build_portal
from portal_svc.blobs import BlobStore
from portal_svc.handlers import Limits
from portal_svc.pages import mount_pages
from portal_svc.passwords import Passwords
from portal_svc.psc import CENTERS
from portal_svc.registry_lookup import GatewayPersonLookup
from portal_svc.settings import PortalSettings
from portal_svc.verification import AuthKeyVerifier
from regulations import definitions_dir
from shared.bus.port import Bus
from shared.calendar import KzCalendar
from shared.clock import Clock, SystemClock
from shared.config import load_settings
from shared.eventlog.port import EventStore
from shared.pki.jws import JwsVerifier
from shared.pki.revocation_client import HttpRevocationSource, RevocationChecker
from shared.pki.revocation_events import watch_revocations
from shared.pki.setup import signer_from_key_file
from shared.regulation.catalog import Catalog
from shared.runtime import (
    Service,
    clock_signed_calls,
    mount_clock_control,
    service_resources,
)
from shared.simclock import business_clock
from shared.web import Hook


def _portal(
    settings: PortalSettings, store: EventStore, bus: Bus, clock: Clock, today: Clock
) -> tuple[Portal, Hook] | None:
    """The portal's own parts, or None without keys and trust anchors (then only /health and
    /metrics are served: nothing could be signed or verified)."""
    if settings.trust_anchors is None or settings.key_file is None:
        return None
    password = settings.key_password.get_secret_value() if settings.key_password else ""
    signer = signer_from_key_file(settings.key_file, password)
    desks = {}
    if settings.psc_key_dir is not None:
        for center in CENTERS:
            path = settings.psc_key_dir / f"{center.desk}.p12"
            if path.exists():
                desks[center.desk] = signer_from_key_file(path, password)
    gateway = httpx.AsyncClient(base_url=settings.gateway_url, timeout=10.0)
    revocation = httpx.Client(timeout=5.0)
    roots = x509.load_pem_x509_certificates(settings.trust_anchors.read_bytes())
    checker = RevocationChecker(
        HttpRevocationSource(revocation),
        clock,
        ocsp_max_age=timedelta(seconds=settings.ocsp_max_age_s),
        responder_origin=settings.registry_url,
    )

    async def close_clients() -> None:
        await gateway.aclose()
        await asyncio.to_thread(revocation.close)  # the sync client used by worker threads

    portal = build_portal(
        store=store,
        bus=bus,
        clock=today,
        catalog=Catalog.from_directory(definitions_dir()),
        calendar=KzCalendar(),
        signer=signer,
        desk_signers=desks,
        lookup=GatewayPersonLookup(gateway, signer),
        verifier=JwsVerifier(roots, clock, checker),
        auth_verifier=AuthKeyVerifier(roots, clock, checker),
        passwords=Passwords(
            time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib
        ),
        blobs=BlobStore(settings.attachments_dir),
        public_url=settings.public_url,
        stream_heartbeat_s=settings.stream_heartbeat_s,
        signed_call_window_s=settings.signed_call_window_s,
        limits=Limits(
            max_attachment_bytes=settings.max_attachment_bytes,
            session_ttl=timedelta(minutes=settings.session_minutes),
            anonymous_per_address=settings.anonymous_per_address,
            anonymous_per_iin=settings.anonymous_per_iin,
            address_free_failures=settings.address_free_failures,
            memory_keys=settings.auth_memory_keys,
        ),
    )
    return portal, close_clients


def bootstrap(
    settings: PortalSettings | None = None,
    *,
    store: EventStore | None = None,
    bus: Bus | None = None,
    clock: Clock | None = None,
    today: Clock | None = None,
) -> Service:
    """Build the service. A ``store`` or ``bus`` passed in belongs to the caller, who opens and
    closes it; what is built here is opened when the app starts and closed when it stops.

    ``today`` is the portal's business clock (catalog, deadlines, records); unset = built from
    ``simulated_date`` (shared.simclock). Certificates are always checked against ``clock``,
    real time."""
    settings = settings if settings is not None else load_settings(PortalSettings)
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
    built = _portal(settings, store, bus, clock, today)
    startup = list(lifecycle.startup)
    shutdown = list(lifecycle.shutdown)
    portal = None
    if built is not None:
        portal, close_clients = built
        verifier = portal.service.verifier
        # Started after the store and bus are open, stopped before they close.
        startup.append(portal.start)
        shutdown[:0] = [portal.stop, close_clients]
        watch_revocations(
            bus, lambda: verifier, service="portal", startup=startup, shutdown=shutdown
        )
    app = create_app(
        settings,
        store=store,
        bus=bus,
        startup=startup,
        shutdown=shutdown,
        router=portal.router if portal is not None else None,
    )
    if portal is not None:
        mount_pages(
            app,
            portal,
            public_url=settings.public_url,
            heartbeat_s=settings.stream_heartbeat_s,
        )
    # Only the simulation operator moves the clock (shared.authz), checked with the portal's
    # verifier; a portal without keys verifies nobody.
    running = portal.service.verifier if portal is not None else None
    calls = clock_signed_calls(lambda: running, store, settings)
    mount_clock_control(app, settings, today, signed_calls=calls)
    return Service(settings.service, settings, store, bus, app)


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory portal_svc.bootstrap:app_from_env``: one service, settings from the
    environment."""
    return bootstrap().app
