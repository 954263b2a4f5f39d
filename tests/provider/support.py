"""The real gateway world of the provider's integration tests: gateway_svc with its shipped
rules on RabbitMQ, the provider's log in PostgreSQL, the outbox relay and the inbox consumers,
a CA valid from 2012 to 2028, and the person registry reached through the gateway's sync
channel (moved here from test_gateway_integration.py so the matrix module shares them)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from gateway_svc.assembly import build_gateway
from gateway_svc.gateway import GatewayOptions
from gateway_svc.rules import DEFAULT_RULES
from provider_svc.domain.workstations import WORKSTATIONS, workstation
from provider_svc.entrypoints.consumer import start_consumers
from provider_svc.handlers import ProviderService
from regulations import definitions_dir
from shared.bus.port import Delivery, Message
from shared.bus.rabbitmq import RabbitMqBus
from shared.calendar import KzCalendar
from shared.clock import Clock, SimulatedClock, SystemClock
from shared.envelope import Envelope
from shared.eventlog.factory import create_event_store
from shared.eventlog.sqlite import SqliteEventStore
from shared.outbox import OutboxRelay
from shared.pki.ca import create_issuing, create_root, issue_certificate
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.keys import KeyAlgorithm, generate_private_key
from shared.pki.profiles import (
    EntityRole,
    Individual,
    InformationSystem,
    KeyPurpose,
    LegalEntitySigner,
)
from shared.pki.revocation_client import RevocationChecker
from shared.regulation.catalog import Catalog
from tests.pki.conftest import URLS, CaPair
from tests.pki.fakes import FakeCaEndpoint
from tests.provider.conftest import FakeRegistry, iin

_EPOCH = datetime(2012, 1, 1, tzinfo=UTC)
_serials = iter(range(10_000, 10**7))


def make_long_ca() -> CaPair:
    """A CA valid 2012-2028: both the gateway (wall clock) and the workstation (2013/2019)
    accept its certificates."""
    root = create_root(
        generate_private_key(KeyAlgorithm.ES256), common_name="Provider Test Root", now=_EPOCH
    )
    issuing = create_issuing(
        root,
        generate_private_key(KeyAlgorithm.ES256),
        common_name="Provider Test Issuing",
        now=_EPOCH,
        validity=timedelta(days=365 * 16),
    )
    return CaPair(root, issuing)


def make_signer(ca: CaPair, holder: Any) -> JwsSigner:
    key = generate_private_key(KeyAlgorithm.ES256)
    certificate = issue_certificate(
        ca.issuing,
        holder,
        KeyPurpose.SIGNING,
        key.public_key(),
        serial=next(_serials),
        now=_EPOCH,
        validity=timedelta(days=365 * 16),
        urls=URLS,
    )
    return JwsSigner(key, certificate, [ca.issuing.certificate])


def verifier(ca: CaPair, clock: Clock) -> JwsVerifier:
    checker = RevocationChecker(FakeCaEndpoint(ca, clock), clock, use_cache=False)
    return JwsVerifier([ca.root.certificate], clock, checker)


@dataclass
class Stack:
    bus: RabbitMqBus
    clock: SimulatedClock
    service: ProviderService
    ca: CaPair
    gateway: Any
    signers: dict[str, JwsSigner]
    received: dict[str, list[Envelope]] = field(default_factory=dict)

    async def send(self, sender: str, recipient: str, **fields: Any) -> str:
        signer = make_signer(self.ca, InformationSystem(sender))
        envelope = Envelope(
            message_id=uuid.uuid4(),
            correlation_id=fields.pop("correlation_id", None) or str(uuid.uuid4()),
            sender=sender,
            recipient=recipient,
            sent_at=datetime.now(UTC),
            **fields,
        ).signed(signer)
        await self.bus.publish(
            Message(
                "egov.gateway.in",
                sender,
                envelope.model_dump_json().encode(),
                str(envelope.message_id),
            )
        )
        return envelope.correlation_id

    async def listen(self, system_id: str) -> None:
        box = self.received.setdefault(system_id, [])

        async def collect(delivery: Delivery) -> None:
            box.append(Envelope.model_validate_json(delivery.message.body))

        await self.bus.consume(f"to.{system_id}", collect)

    async def wait_for(self, predicate: Callable[[], Awaitable[bool]], what: str) -> None:
        try:
            async with asyncio.timeout(30):
                # Polls the log and the collected messages; nothing signals them.
                while not await predicate():  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    async def at_workstation(self, rid: str, what: str = "the request at the workstation") -> None:
        """Wait until the workstation has logged request ``rid`` (it came through the gateway)."""

        async def arrived() -> bool:
            return await self.service.store.stream_version(f"provider-request-{rid}") > 0

        await self.wait_for(arrived, what)

    def statuses(self, system_id: str, request_id: str) -> list[str]:
        return [
            str(e.body["status"])
            for e in self.received.get(system_id, [])
            if e.type == "status.changed.v2" and e.correlation_id == request_id
        ]

    async def staff(self, ws: str, role: str) -> tuple[Any, JwsSigner]:
        staff_iin = iin(100 + len(await self.service.roster(ws)))
        department = workstation(ws)  # its staff sign with OU=BIN<its BIN>
        holder = LegalEntitySigner(
            Individual(staff_iin, "Staff", role.replace("_", "")),
            department.bin,
            department.name,
            EntityRole.EMPLOYEE,
        )
        signer = make_signer(self.ca, holder)
        await self.service.appoint(ws, iin=staff_iin, name=role, roles=[role], by="test")
        return (await self.service.roster(ws))[staff_iin], signer

    async def act(
        self,
        ws: str,
        rid: str,
        role: str,
        step: str,
        outcome: str,
        *,
        sign: bool = False,
        grounds: dict[str, str] | None = None,
    ) -> None:
        from provider_svc.domain.documents import signing_bytes

        member, signer = await self.staff(ws, role)
        signature = None
        if sign:
            draft = await self.service.draft(ws, member, rid, outcome=outcome, grounds=grounds)
            signature = signer.sign(signing_bytes(draft))
        await self.service.act(
            ws,
            member,
            rid,
            step=step,
            outcome=outcome,
            grounds=grounds,
            document_signature=signature,
        )


@asynccontextmanager
async def gateway_stack(
    *,
    start: datetime,
    ca: CaPair,
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    tmp_path: Path,
) -> AsyncIterator[Stack]:
    bus = RabbitMqBus(amqp_url, namespace=f"{unique_name}.", connection_name=unique_name)
    await bus.connect()
    wall = SystemClock()
    gateway_store = SqliteEventStore(tmp_path / "gateway.sqlite3", clock=wall)
    await gateway_store.open()
    gateway = build_gateway(
        store=gateway_store,
        bus=bus,
        clock=wall,
        verifier=verifier(ca, wall),
        rules_path=DEFAULT_RULES,
        registry=CollectorRegistry(),
        options=GatewayOptions(),
    )
    await gateway.start()
    clock = SimulatedClock(start)
    store = create_event_store(f"{pg_dsn}?schema={pg_schema}", clock=clock)
    await store.open()
    relay = OutboxRelay(store, bus, poll_interval=0.2)
    signers = {w.system_id: make_signer(ca, InformationSystem(w.system_id)) for w in WORKSTATIONS}
    service = ProviderService(
        store,
        clock,
        Catalog.from_directory(definitions_dir()),
        KzCalendar(),
        signers=signers,
        verifier=verifier(ca, clock),
        lookup=FakeRegistry(),
        on_commit=relay.notify,
    )
    relay.start()
    consumers = await start_consumers(bus, service, wake_relay=relay.notify)
    stack = Stack(bus, clock, service, ca, gateway, signers)
    try:
        yield stack
    finally:
        for consumer in consumers:
            await consumer.stop()
        service.stop_timers()
        await relay.stop()
        await gateway.stop()
        await bus.delete_declared()
        await bus.close()
        await store.close()
        await gateway_store.close()


class _Up:
    async def ping(self) -> None:
        return None


@asynccontextmanager
async def office_via_gateway(stack: Stack, tmp_path: Path) -> AsyncIterator[ProviderService]:
    """The office's workstation service over ``stack``'s log whose person look-ups go through
    the gateway's sync channel (its rules, its log) to registry_svc's person registry, which
    knows the conftest's APPLICANT; both are called in-process (ASGI), not on a port."""
    import httpx
    from fastapi import FastAPI

    from gateway_svc.routes import gateway_router
    from gateway_svc.sync import SyncChannel
    from provider_svc.lookup import GatewayPersonLookup
    from registry_svc.components import RegistryComponents
    from registry_svc.domain.registry import LocalizedText, Person
    from registry_svc.entrypoints.api import build_router as registry_router
    from shared.ids import Gender
    from shared.web import create_service_app
    from tests.provider.conftest import APPLICANT

    wall = SystemClock()
    registry_store = SqliteEventStore(tmp_path / "registry.sqlite3", clock=wall)
    await registry_store.open()
    try:
        parts = RegistryComponents(
            registry_store,
            wall,
            data_dir=tmp_path / "registry",
            public_url="http://registry.test",
            require_signed_requests=False,
        )
        await parts.start()
        await parts.registry.register_person(
            Person(
                iin=APPLICANT,
                surname=LocalizedText(kk="Тестов", ru="Тестов"),
                name=LocalizedText(kk="Тест", ru="Тест"),
                birth_date=datetime(1980, 5, 17, tzinfo=UTC).date(),
                gender=Gender.MALE,
                address="Almaty, Abay 1",
            )
        )
        registry_app = create_service_app(
            "registry", store=registry_store, bus=_Up(), version="t", title="t", description="t"
        )
        registry_app.include_router(registry_router(parts))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=registry_app)
        ) as to_registry:
            gateway_app = FastAPI()
            gateway_app.include_router(
                gateway_router(
                    stack.gateway, SyncChannel(stack.gateway, to_registry), service="gateway"
                )
            )
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway_app), base_url="http://gateway.test"
            ) as to_gateway:
                yield ProviderService(
                    stack.service.store,
                    stack.clock,
                    Catalog.from_directory(definitions_dir()),
                    KzCalendar(),
                    signers=stack.signers,
                    verifier=verifier(stack.ca, stack.clock),
                    lookup=GatewayPersonLookup(
                        to_gateway, "http://gateway.test", lambda ws: stack.signers[ws]
                    ),
                )
    finally:
        await registry_store.close()
