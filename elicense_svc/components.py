"""What the running elicense service is made of, built once by the composition root: the
handlers, the outbox relay, the intake consumer, the read models, and the HTTP client of the
gateway's sync channel. Started after the store and the bus are open, stopped before they close.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import httpx
import yaml

from elicense_svc.domain.directory import Directory
from elicense_svc.engines import Engines
from elicense_svc.entrypoints.consumer import start_consumer
from elicense_svc.gateway_lookup import GatewayRegistryLookup
from elicense_svc.handlers import ElicenseService, RetryPolicy
from elicense_svc.messages import DEFAULT_TOPOLOGY, Topology
from elicense_svc.projections import Projections
from elicense_svc.registry_port import RegistryLookup
from elicense_svc.settings import ElicenseSettings
from regulations import definitions_dir
from shared.bus.port import Bus, Consumer
from shared.calendar import KzCalendar
from shared.clock import Clock
from shared.eventlog.port import EventStore
from shared.logging import get_logger
from shared.outbox import OutboxRelay
from shared.pki.setup import http_verifier, signer_from_key_file
from shared.regulation.catalog import Catalog
from shared.signing import Signer, Verifier


def load_directory(settings: ElicenseSettings) -> Directory:
    path = settings.resolved_directory_file()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Directory.from_mapping(data, str(path))


def retry_policy(settings: ElicenseSettings) -> RetryPolicy:
    return RetryPolicy(
        base=timedelta(seconds=settings.registry_retry_base_s),
        max=timedelta(seconds=settings.registry_retry_max_s),
    )


@dataclass
class Parts:
    service: ElicenseService
    projections: Projections


class ElicenseComponents:
    def __init__(
        self,
        settings: ElicenseSettings,
        store: EventStore,
        bus: Bus,
        clock: Clock,
        *,
        signer: Signer | None = None,
        verifier: Verifier | None = None,
        lookup: RegistryLookup | None = None,
        topology: Topology = DEFAULT_TOPOLOGY,
        today: Clock | None = None,
    ) -> None:
        """``signer``/``verifier``/``lookup`` given: used as they are (tests, embedded runs);
        otherwise built from the settings (key file, trust anchors, gateway URL) at start-up.
        ``today`` is the business clock (unset = ``clock``); certificates use ``clock``."""
        self._settings = settings
        self._store = store
        self._bus = bus
        self._clock = clock
        self._today = today if today is not None else clock
        self._signer = signer
        self._verifier = verifier
        self._lookup = lookup
        self._topology = topology
        self._parts: Parts | None = None
        self._relay: OutboxRelay | None = None
        self._consumer: Consumer | None = None
        self._http: httpx.AsyncClient | None = None
        self._pki_http: httpx.Client | None = None
        self._wakeup = asyncio.Event()
        self._log = get_logger("elicense_svc.components")

    @property
    def configured(self) -> bool:
        s = self._settings
        return self._signer is not None or (s.key_file is not None and s.trust_anchors is not None)

    @property
    def parts(self) -> Parts | None:
        return self._parts

    def running_verifier(self) -> Verifier | None:
        """The verifier in use once started (None before, or without keys)."""
        return self._parts.service.verifier if self._parts is not None else None

    async def start(self) -> None:
        if not self.configured:
            self._log.warning(
                "elicense.not_configured",
                detail="no key file / trust anchors: elicense takes no requests",
            )
            return
        s = self._settings
        signer = self._signer
        verifier = self._verifier
        if signer is None:
            assert s.key_file is not None  # noqa: S101 - checked by configured
            password = s.key_password.get_secret_value() if s.key_password else ""
            signer = signer_from_key_file(s.key_file, password)
        if verifier is None:
            assert s.trust_anchors is not None  # noqa: S101 - checked by configured
            self._pki_http = httpx.Client(timeout=5.0)
            verifier = http_verifier(
                s.trust_anchors.read_bytes(),
                self._clock,
                self._pki_http,
                ocsp_max_age=timedelta(seconds=s.ocsp_max_age_s),
                responder_origin=s.registry_url,
            )
        self._http = httpx.AsyncClient(base_url=s.gateway_url, timeout=s.sync_timeout_s)
        engines = Engines(Catalog.from_directory(definitions_dir()), KzCalendar())
        service = ElicenseService(
            store=self._store,
            clock=self._today,
            engines=engines,
            directory=load_directory(s),
            lookup=self._lookup or GatewayRegistryLookup(self._http, signer),
            signer=signer,
            verifier=verifier,
            retry=retry_policy(s),
            on_outbox=self._wakeup.set,
            topology=self._topology,
        )
        self._parts = Parts(service, Projections(engines))
        self._relay = OutboxRelay(self._store, self._bus, clock=None, wakeup=self._wakeup)
        self._relay.start()
        self._consumer = await start_consumer(self._bus, service)
        resumed = await service.resume_pending()
        self._log.info("elicense.started", waiting_for_registry=resumed)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop(grace_s=10)
            self._consumer = None
        if self._parts is not None:
            self._parts.service.stop_timers()
            await self._parts.service.idle()
        if self._relay is not None:
            await self._relay.stop()
            self._relay = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._pki_http is not None:
            self._pki_http.close()
            self._pki_http = None
