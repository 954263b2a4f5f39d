"""The composition root of the gateway service: the only place that builds its event store,
its bus, its verifier and its HTTP clients (see shared.runtime for who closes what)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import httpx
from cryptography import x509
from fastapi import FastAPI

from gateway_svc.admission import Admission
from gateway_svc.app import create_app, mount_gateway
from gateway_svc.assembly import Check, build_gateway
from gateway_svc.gateway import Gateway, GatewayOptions
from gateway_svc.settings import GatewaySettings
from gateway_svc.sync import SyncChannel
from shared.bus.port import Bus
from shared.clock import Clock, SystemClock
from shared.config import load_settings
from shared.eventlog.port import EventStore
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.pkcs12 import KeyFile, load_pkcs12
from shared.pki.revocation_client import (
    HttpRevocationSource,
    RevocationChecker,
    RevocationState,
)
from shared.pki.revocation_events import watch_revocations
from shared.runtime import Service, mount_clock_control, service_resources
from shared.signing import VerificationCode, VerificationResult
from shared.web import Hook


class NoTrustAnchors:
    """The verifier of a gateway given no trusted roots: it refuses everything (fail closed)."""

    def verify(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        return VerificationResult(
            VerificationCode.UNTRUSTED_CHAIN,
            detail="the gateway has no trusted roots configured (EGOV_GATEWAY_TRUST_ANCHORS)",
        )

    def verify_document(
        self,
        payload: bytes,
        signature: str,
        *,
        expected_iin: str | None = None,
        expected_bin: str | None = None,
    ) -> VerificationResult:
        return self.verify(payload, signature)


def _load_key(settings: GatewaySettings) -> KeyFile:
    if settings.key_file is None:
        raise ValueError("no key file configured (EGOV_GATEWAY_KEY_FILE)")
    password = settings.key_password.get_secret_value() if settings.key_password else ""
    return load_pkcs12(settings.key_file.read_bytes(), password=password)


def _key_check(settings: GatewaySettings, clock: Clock) -> Check:
    async def signing_key() -> None:
        # Re-read each time: a key file removed or replaced by a broken one must show here.
        key_file = await asyncio.to_thread(_load_key, settings)
        now = clock.now()
        certificate = key_file.certificate
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise RuntimeError(
                f"the gateway certificate is not valid now (valid "
                f"{certificate.not_valid_before_utc.isoformat()} to "
                f"{certificate.not_valid_after_utc.isoformat()})"
            )

    return signing_key


def _revocation_check(
    checker: RevocationChecker, certificate: x509.Certificate, issuer: x509.Certificate
) -> Callable[[Admission], Check]:
    def make(admission: Admission) -> Check:
        async def revocation() -> None:
            # The same checker (and cache) the verifier uses, on the verifier's thread: if no
            # fresh answer can be had for our own certificate, none can be for a sender's.
            answer = await admission.run_blocking(checker.check, certificate, issuer)
            if answer.state is not RevocationState.GOOD:
                raise RuntimeError(f"revocation information unusable: {answer.detail}")

        return revocation

    return make


def bootstrap(
    settings: GatewaySettings | None = None,
    *,
    store: EventStore | None = None,
    bus: Bus | None = None,
    clock: Clock | None = None,
) -> Service:
    """Build the service. A ``store`` or ``bus`` passed in belongs to the caller, who opens and
    closes it; what is built here is opened when the app starts and closed when it stops."""
    settings = settings if settings is not None else load_settings(GatewaySettings)
    clock = clock if clock is not None else SystemClock()
    resources = service_resources(settings, store=store, bus=bus, clock=clock)
    store, bus, lifecycle = resources.store, resources.bus, resources.lifecycle

    revocation_http = httpx.Client(timeout=5.0)
    sync_http = httpx.AsyncClient()
    extra_checks: dict[str, Callable[[Admission], Check]] = {}
    verifier: JwsVerifier | NoTrustAnchors = NoTrustAnchors()
    if settings.trust_anchors is not None:
        roots = x509.load_pem_x509_certificates(settings.trust_anchors.read_bytes())
        checker = RevocationChecker(
            HttpRevocationSource(revocation_http),
            clock,
            ocsp_max_age=timedelta(seconds=settings.ocsp_max_age_s),
            responder_origin=settings.registry_url,
        )
        verifier = JwsVerifier(roots, clock, checker)
        if settings.key_file is not None:
            own = _load_key(settings)
            extra_checks["revocation"] = _revocation_check(checker, own.certificate, own.chain[0])
    if settings.key_file is not None:
        key_check = _key_check(settings, clock)
        extra_checks["signing_key"] = lambda _admission: key_check

    holder: list[Gateway] = []

    async def start_gateway() -> None:
        await holder[0].start()

    async def stop_gateway() -> None:
        await holder[0].stop()

    async def close_clients() -> None:
        await sync_http.aclose()
        await asyncio.to_thread(revocation_http.close)

    startup: list[Hook] = [*lifecycle.startup, start_gateway]
    shutdown: list[Hook] = [close_clients, *lifecycle.shutdown, stop_gateway]
    watch_revocations(bus, lambda: verifier, service="gateway", startup=startup, shutdown=shutdown)
    app = create_app(settings, store=store, bus=bus, startup=startup, shutdown=shutdown)
    gateway = build_gateway(
        store=store,
        bus=bus,
        clock=clock,
        verifier=verifier,
        rules_path=settings.resolved_rules_file(),
        registry=app.state.metrics.registry,
        max_message_bytes=settings.max_message_bytes,
        options=GatewayOptions(
            keep_bodies=settings.log_bodies,
            declare_recipient_queues=settings.declare_recipient_queues,
        ),
        extra_checks=extra_checks,
        health_timeout_s=settings.health_timeout_s,
        health_interval=timedelta(seconds=settings.health_interval_s),
    )
    holder.append(gateway)
    signer = JwsSigner.from_key_file(_load_key(settings)) if settings.key_file else None
    sync = SyncChannel(
        gateway, sync_http, signer=signer, signed_call_window_s=settings.signed_call_window_s
    )
    mount_gateway(app, gateway, sync, service=settings.service)
    mount_clock_control(app, settings, clock)  # real time: the gateway's clock is not moved
    return Service(settings.service, settings, store, bus, app)


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory gateway_svc.bootstrap:app_from_env``: one service, settings from the
    environment."""
    return bootstrap().app
