"""A gateway on the real PostgreSQL and RabbitMQ, under this test's own schema and namespace,
with a test CA whose OCSP responder answers in-process (revocations count at once)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from gateway_svc.assembly import build_gateway
from gateway_svc.gateway import Gateway, GatewayOptions
from gateway_svc.messagelog import LogEntry, Query
from gateway_svc.rules import DEFAULT_RULES
from gateway_svc.topology import INBOUND_EXCHANGE
from shared.bus.port import Delivery, Message
from shared.bus.rabbitmq import RabbitMqBus
from shared.clock import SystemClock
from shared.envelope import Envelope
from shared.eventlog.factory import create_event_store
from shared.eventlog.port import EventStore
from shared.pki import oids
from shared.pki.ca import issue_certificate
from shared.pki.jws import JwsSigner
from shared.pki.keys import KeyAlgorithm, generate_private_key
from shared.pki.profiles import (
    Holder,
    Individual,
    InformationSystem,
    KeyPurpose,
    simulator_operator,
)
from shared.pki.revocation_client import RevocationChecker
from tests.pki.conftest import URLS, CaPair, make_ca
from tests.pki.fakes import FakeCaEndpoint

_serials = iter(range(50_000, 10**7))


@dataclass(frozen=True)
class SystemCert:
    system_id: str
    signer: JwsSigner
    certificate: Any
    key: Any


@pytest.fixture(scope="session")
def gw_ca() -> CaPair:
    return make_ca()


@pytest.fixture
def ca_endpoint(gw_ca: CaPair) -> FakeCaEndpoint:
    return FakeCaEndpoint(gw_ca, SystemClock())


def issue_system(ca: CaPair, system_id: str) -> SystemCert:
    return issue_holder(ca, system_id, InformationSystem(system_id))


def issue_holder(ca: CaPair, name: str, holder: Holder) -> SystemCert:
    key = generate_private_key(KeyAlgorithm.ES256)
    certificate = issue_certificate(
        ca.issuing,
        holder,
        KeyPurpose.SIGNING,
        key.public_key(),
        serial=next(_serials),
        now=datetime.now(UTC),
        urls=URLS,
    )
    signer = JwsSigner(key, certificate, [ca.issuing.certificate])
    return SystemCert(name, signer, certificate, key)


def envelope(
    sender: str,
    recipient: str,
    *,
    type_: str = "request.submitted.v1",
    body: dict[str, Any] | None = None,
    service_code: str | None = "culture.export",
    correlation_id: str | None = None,
) -> Envelope:
    return Envelope(
        message_id=uuid.uuid4(),
        correlation_id=correlation_id or f"req-{uuid.uuid4().hex[:12]}",
        type=type_,
        sender=sender,
        recipient=recipient,
        service_code=service_code,
        sent_at=datetime.now(UTC),
        body=body if body is not None else {"applicant_iin": "900101300126"},
    )


@dataclass
class Harness:
    gateway: Gateway
    bus: RabbitMqBus
    store: EventStore
    registry: CollectorRegistry
    received: dict[str, list[Message]] = field(default_factory=dict)

    async def send(
        self, raw: bytes, *, sender: str = "portal", message_id: str | None = None
    ) -> None:
        await self.bus.publish(
            Message(INBOUND_EXCHANGE, sender, raw, message_id or uuid.uuid4().hex)
        )

    async def listen(self, queue: str) -> list[Message]:
        box = self.received.setdefault(queue, [])

        async def collect(delivery: Delivery) -> None:
            box.append(delivery.message)

        await self.bus.consume(queue, collect)
        return box

    async def wait_for(
        self, predicate: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 20
    ) -> None:
        async with asyncio.timeout(timeout_s):
            # Polls database/consumer state, which signals nothing that could be awaited.
            while not await predicate():  # noqa: ASYNC110
                await asyncio.sleep(0.05)

    async def records(self, message_id: str) -> list[LogEntry]:
        return await self.gateway.log.query(Query(message_id=message_id))

    async def wait_records(self, message_id: str, record: str, count: int = 1) -> list[LogEntry]:
        async def enough() -> bool:
            found = [e for e in await self.records(message_id) if e.record == record]
            return len(found) >= count

        await self.wait_for(enough, f"{count} {record} for {message_id}")
        return [e for e in await self.records(message_id) if e.record == record]


async def make_harness(
    *,
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    namespace: str,
    ca_endpoint: FakeCaEndpoint,
    gw_ca: CaPair,
    options: GatewayOptions,
    max_message_bytes: int = 64 * 1024,
) -> tuple[Harness, Callable[[], Awaitable[None]]]:
    clock = SystemClock()
    store = create_event_store(f"{pg_dsn}?schema={pg_schema}", clock=clock)
    await store.open()
    bus = RabbitMqBus(amqp_url, namespace=namespace + ".", connection_name=namespace)
    await bus.connect()
    from shared.pki.jws import JwsVerifier

    verifier = JwsVerifier(
        [gw_ca.root.certificate],
        clock,
        RevocationChecker(ca_endpoint, clock, use_cache=False),
    )
    registry = CollectorRegistry()
    gateway = build_gateway(
        store=store,
        bus=bus,
        clock=clock,
        verifier=verifier,
        rules_path=DEFAULT_RULES,
        registry=registry,
        max_message_bytes=max_message_bytes,
        options=options,
    )
    await gateway.start()

    async def close() -> None:
        await gateway.stop()
        await bus.delete_declared()
        await bus.close()
        await store.close()

    return Harness(gateway, bus, store, registry), close


@pytest.fixture
async def harness(
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    ca_endpoint: FakeCaEndpoint,
    gw_ca: CaPair,
) -> AsyncIterator[Harness]:
    h, close = await make_harness(
        pg_dsn=pg_dsn,
        pg_schema=pg_schema,
        amqp_url=amqp_url,
        namespace=unique_name,
        ca_endpoint=ca_endpoint,
        gw_ca=gw_ca,
        options=GatewayOptions(inbound_backoff_max_ms=500),
    )
    try:
        yield h
    finally:
        await close()


@pytest.fixture(scope="session")
def systems(gw_ca: CaPair) -> dict[str, SystemCert]:
    names = [
        "portal",
        "elicense",
        "registry",
        "psc.astana",
        "provider.almaty.culture",
        "provider.astana.archives",
        "intruder",
        "gateway",
    ]
    return {name: issue_system(gw_ca, name) for name in names}


@pytest.fixture(scope="session")
def operators(gw_ca: CaPair) -> dict[str, SystemCert]:
    """The gateway's operator and the simulation operator (shared.authz's roles), and a
    citizen with a personal certificate."""
    return {
        "gateway": issue_holder(
            gw_ca,
            "gateway-operator",
            simulator_operator(
                Individual("700101300203", "Shlyuz", "Operator"), (oids.ROLE_GATEWAY_OPERATOR,)
            ),
        ),
        "simulation": issue_holder(
            gw_ca,
            "simulation-operator",
            simulator_operator(
                Individual("700101300302", "Simulyatsiya", "Operator"),
                (oids.ROLE_SIMULATION_OPERATOR,),
            ),
        ),
        "citizen": issue_holder(
            gw_ca, "citizen", Individual("851231400011", "Seitkali", "Aigerim")
        ),
    }
