"""portal_svc under test: a SQLite event log, a simulated clock set on a date when the seeds'
regulations are in force, an in-memory bus, and a test НУЦ (created in simulated time) whose
revocation answers come from an in-process OCSP responder."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from fastapi import FastAPI

from portal_svc.app import create_app
from portal_svc.assembly import Portal, build_portal
from portal_svc.blobs import BlobStore
from portal_svc.handlers import Limits, challenge_bytes, registration_bytes
from portal_svc.passwords import Passwords
from portal_svc.psc import CENTERS
from portal_svc.settings import PortalSettings
from portal_svc.verification import AuthKeyVerifier
from regulations import definitions_dir
from shared.bus.memory import InMemoryBus
from shared.bus.port import Binding, Delivery, Message, QueueSpec
from shared.calendar import KzCalendar
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from shared.ids import Gender, make_iin
from shared.pki.ca import CaUrls, create_issuing, create_root, issue_certificate
from shared.pki.http_signing import sign_request
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.keys import KeyAlgorithm, PrivateKey, generate_private_key
from shared.pki.profiles import (
    EntityRole,
    Holder,
    Individual,
    InformationSystem,
    KeyPurpose,
    LegalEntitySigner,
)
from shared.pki.revocation_client import RevocationChecker
from shared.regulation.catalog import Catalog
from tests.pki.conftest import CaPair
from tests.pki.fakes import FakeCaEndpoint
from tests.signer.support import BrowserSigner

# Monday 4 November 2019, 09:00 in Almaty: A@almaty-2018, C and D are in force.
ALMATY_2019 = datetime(2019, 11, 4, 3, 0, tzinfo=UTC)
# Tuesday 1 July 2014, 09:00 in Almaty: A@almaty-2014 and B (E-licensing route) are in force.
ALMATY_2014 = datetime(2014, 7, 1, 3, 0, tzinfo=UTC)
# Monday 4 March 2013, 09:00 in Astana: E@astana-2012 is in force (regional gateway, PSC).
ASTANA_2013 = datetime(2013, 3, 4, 3, 0, tzinfo=UTC)

URLS = CaUrls(ocsp="http://registry.test/ocsp", crl="http://registry.test/crl")
PASSWORD = "Qazaqstan2019"
ORG_BIN = "070240000039"


def iin(serial: int) -> str:
    return make_iin(date(1985, 3, 1), Gender.FEMALE, serial)


def person_holder(serial: int) -> Individual:
    return Individual(iin(serial), "Сейтқалиева", "Айгерім", "Нұрланқызы")


@pytest.fixture(scope="session")
def sim_ca() -> CaPair:
    # Created in simulated time, so the whole chain is valid on the seeds' dates.
    start = datetime(2011, 1, 1, tzinfo=UTC)
    root = create_root(generate_private_key(KeyAlgorithm.ES256), common_name="Test НУЦ", now=start)
    issuing = create_issuing(
        root, generate_private_key(KeyAlgorithm.ES256), common_name="Test НУЦ RSA", now=start
    )
    return CaPair(root, issuing)


@dataclass
class FakeRegistry:
    """The persons registry as the gateway's sync channel answers it; records the asks."""

    known: set[str]
    asked: list[str]

    async def person(self, iin: str) -> dict[str, Any] | None:
        self.asked.append(iin)
        return {"iin": iin, "surname": "TESTOV"} if iin in self.known else None


@dataclass(frozen=True)
class Keys:
    signing: JwsSigner
    auth: JwsSigner


@dataclass
class World:
    clock: SimulatedClock
    store: SqliteEventStore
    bus: InMemoryBus
    portal: Portal
    app: FastAPI
    client: httpx.AsyncClient
    ca: CaPair
    endpoint: FakeCaEndpoint
    sent: list[Message]
    systems: dict[str, JwsSigner]
    serials: Any
    registry: FakeRegistry
    # Each issued key and certificate, by serial: the same key signs CMS as a browser would
    # (in_browser), beside the JwsSigner an API client uses.
    issued: dict[int, tuple[PrivateKey, x509.Certificate]] = field(default_factory=dict)

    def issue(
        self,
        holder: Holder,
        purpose: KeyPurpose = KeyPurpose.SIGNING,
        *,
        not_before: datetime | None = None,
        validity: timedelta = timedelta(days=365),
    ) -> JwsSigner:
        return self.issue_with_certificate(
            holder, purpose, not_before=not_before, validity=validity
        )[0]

    def issue_with_certificate(
        self,
        holder: Holder,
        purpose: KeyPurpose = KeyPurpose.SIGNING,
        *,
        not_before: datetime | None = None,
        validity: timedelta = timedelta(days=365),
    ) -> tuple[JwsSigner, x509.Certificate]:
        key = generate_private_key(KeyAlgorithm.ES256)
        certificate = issue_certificate(
            self.ca.issuing,
            holder,
            purpose,
            key.public_key(),
            serial=next(self.serials),
            now=self.clock.now(),
            urls=URLS,
            not_before=not_before,
            validity=validity,
        )
        self.issued[certificate.serial_number] = (key, certificate)
        return JwsSigner(key, certificate, [self.ca.issuing.certificate]), certificate

    def in_browser(self, signer: JwsSigner) -> BrowserSigner:
        """The key behind ``signer``, signing CMS as a browser does through `egov signer`."""
        assert signer.identity.serial is not None
        key, certificate = self.issued[int(signer.identity.serial, 16)]
        return BrowserSigner.of(key, certificate, (self.ca.issuing.certificate,))

    def person(self, serial: int, **kwargs: Any) -> Keys:
        holder = person_holder(serial)
        return Keys(self.issue(holder, **kwargs), self.issue(holder, KeyPurpose.AUTH))

    def org_signer(
        self, serial: int, bin_: str = ORG_BIN, role: EntityRole = EntityRole.FIRST_HEAD
    ) -> Keys:
        holder = LegalEntitySigner(
            Individual(iin(serial), "Омаров", "Ерлан"), bin_, "Mura LLP", role
        )
        return Keys(self.issue(holder), self.issue(holder, KeyPurpose.AUTH))

    def operator(self, serial: int, desk: str = "psc.astana") -> JwsSigner:
        center = next(c for c in CENTERS if c.desk == desk)
        holder = LegalEntitySigner(
            Individual(iin(serial), "Жұмабек", "Дана"), center.bin, center.name, EntityRole.EMPLOYEE
        )
        return self.issue(holder)

    # --- HTTP helpers ------------------------------------------------------------------------

    async def register(self, keys: Keys, *, bin_: str | None = None) -> httpx.Response:
        applicant = keys.signing.identity.iin
        assert applicant is not None
        signature = keys.signing.sign(registration_bytes(applicant, bin_))
        return await self.client.post(
            "/auth/register",
            json={"iin": applicant, "bin": bin_, "password": PASSWORD, "signature": signature},
        )

    async def login(self, keys: Keys, *, bin_: str | None = None) -> dict[str, str]:
        response = await self.client.post(
            "/auth/login",
            json={"iin": keys.signing.identity.iin, "bin": bin_, "password": PASSWORD},
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    async def signed_in(self, keys: Keys, *, bin_: str | None = None) -> dict[str, str]:
        assert (await self.register(keys, bin_=bin_)).status_code == 201
        return await self.login(keys, bin_=bin_)

    async def challenge_login(self, keys: Keys, signer: JwsSigner | None = None) -> httpx.Response:
        challenge = (await self.client.get("/auth/challenge")).json()["challenge"]
        signature = (signer or keys.auth).sign(challenge_bytes(challenge))
        return await self.client.post(
            "/auth/login/signed",
            json={
                "iin": keys.signing.identity.iin,
                "challenge": challenge,
                "signature": signature,
            },
        )

    async def draft(
        self,
        headers: dict[str, str],
        service: str,
        form: dict[str, Any],
        documents: tuple[str, ...],
    ) -> str:
        response = await self.client.post("/requests", json={"service": service}, headers=headers)
        assert response.status_code == 201, response.text
        request_id = str(response.json()["request_id"])
        filled = await self.client.put(
            f"/requests/{request_id}/form", json={"form": form}, headers=headers
        )
        assert filled.status_code == 200, filled.text
        for code in documents:
            attached = await self.client.put(
                f"/requests/{request_id}/documents/{code}",
                params={"name": f"{code}.pdf"},
                content=b"%PDF-1.4 scan of " + code.encode(),
                headers={**headers, "Content-Type": "application/pdf"},
            )
            assert attached.status_code == 200, attached.text
        return request_id

    async def sign(
        self, headers: dict[str, str], request_id: str, signer: JwsSigner
    ) -> httpx.Response:
        payload = await self.client.get(f"/requests/{request_id}/signing-payload", headers=headers)
        signature = signer.sign(payload.json()["payload"].encode())
        return await self.client.post(
            f"/requests/{request_id}/sign", json={"signature": signature}, headers=headers
        )

    def desk_headers(
        self, operator: JwsSigner, method: str, target: str, body: bytes = b""
    ) -> dict[str, str]:
        return {**sign_request(operator, method, target, body), "Content-Type": "application/json"}

    async def desk(
        self, operator: JwsSigner, method: str, target: str, body: Any = None
    ) -> httpx.Response:
        raw = b"" if body is None else json.dumps(body).encode()
        headers = self.desk_headers(operator, method, target, raw)
        return await self.client.request(method, target, content=raw, headers=headers)

    # --- what the gateway would deliver --------------------------------------------------------

    def envelopes(self) -> list[dict[str, Any]]:
        return [json.loads(m.body) for m in self.sent]

    async def deliver(
        self,
        sender: str,
        request_id: str,
        type_: str,
        body: dict[str, Any],
        *,
        recipient: str = "portal",
        service_code: str = "cultural_values_export",
        at: datetime | None = None,
    ) -> None:
        from uuid import uuid4

        from shared.envelope import Envelope

        envelope = Envelope(
            message_id=uuid4(),
            correlation_id=request_id,
            type=type_,
            sender=sender,
            recipient=recipient,
            service_code=service_code,
            sent_at=at or self.clock.now(),
            body=body,
        ).signed(self.systems[sender])
        message = Message(
            "egov.deliver", recipient, envelope.model_dump_json().encode(), str(envelope.message_id)
        )
        await self.portal.inbound(Delivery(message, f"to.{recipient}", 1, False))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def _collect(box: list[Message], delivery: Delivery) -> None:
    box.append(delivery.message)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.from_directory(definitions_dir())  # parsing the YAML is the slow part


@pytest.fixture(scope="session")
def calendar() -> KzCalendar:
    return KzCalendar()


@pytest.fixture
def start() -> datetime:
    return ALMATY_2019


@pytest.fixture
async def world(
    tmp_path: Path, sim_ca: CaPair, start: datetime, catalog: Catalog, calendar: KzCalendar
) -> AsyncIterator[World]:
    clock = SimulatedClock(start)
    store = SqliteEventStore(tmp_path / "portal.sqlite3", clock=clock)
    await store.open()
    bus = InMemoryBus()
    await bus.connect()
    await bus.declare_exchange("egov.gateway.in")
    await bus.declare_queue(QueueSpec("gateway.inbound", [Binding("egov.gateway.in", "#")]))
    sent: list[Message] = []

    async def collect(delivery: Delivery) -> None:
        sent.append(delivery.message)

    consumer = await bus.consume("gateway.inbound", collect)
    endpoint = FakeCaEndpoint(sim_ca, clock)
    checker = RevocationChecker(endpoint, clock, use_cache=False)
    roots = [sim_ca.root.certificate]
    verifier = JwsVerifier(roots, clock, checker)
    serials = iter(range(10_000, 10**7))
    w = World(
        clock=clock,
        store=store,
        bus=bus,
        portal=None,  # type: ignore[arg-type]
        app=None,  # type: ignore[arg-type]
        client=None,  # type: ignore[arg-type]
        ca=sim_ca,
        endpoint=endpoint,
        sent=sent,
        systems={},
        serials=serials,
        registry=FakeRegistry({iin(n) for n in range(60, 70)}, []),
    )
    for system in (
        "portal",
        "psc.astana",
        "elicense",
        "provider.almaty.culture",
        "provider.astana.archives",
        "provider.almaty.green_economy",
    ):
        w.systems[system] = w.issue(InformationSystem(system))
    w.portal = build_portal(
        store=store,
        bus=bus,
        clock=clock,
        catalog=catalog,
        calendar=calendar,
        signer=w.systems["portal"],
        verifier=verifier,
        auth_verifier=AuthKeyVerifier(roots, clock, checker),
        passwords=Passwords(time_cost=1, memory_kib=1024),
        blobs=BlobStore(tmp_path / "blobs"),
        desk_signers={"psc.astana": w.systems["psc.astana"]},
        lookup=w.registry,
        limits=Limits(max_attachment_bytes=64 * 1024),
        relay_poll_s=0.05,
    )
    w.app = create_app(PortalSettings(), store=store, bus=bus, router=w.portal.router)
    # The relay is run by the tests (relay_once), so what was sent is known exactly.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=w.app), base_url="http://portal"
    ) as client:
        w.client = client
        yield w
    await consumer.stop()
    await bus.close()
    await store.close()


Factory = Callable[..., Any]
