"""elicense with the real gateway (async channel, access rules, sync channel) and the real
registry (ГБД ФЛ / ГБД ЮЛ and the CA that issued every certificate), in one process: the portal
publishes its signed request to the gateway, elicense asks the registry through the gateway's
sync channel, the portal's queue receives the statuses and the signed result.

Everything the gateway and the registry do here is their own code; only the wiring (in-memory
bus, in-process HTTP) is the test's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from elicense_svc import messages as msg
from elicense_svc.bootstrap import bootstrap
from elicense_svc.domain import events as ev
from elicense_svc.domain.permit import signing_bytes
from elicense_svc.gateway_lookup import GatewayRegistryLookup
from elicense_svc.settings import ElicenseSettings
from gateway_svc.assembly import build_gateway
from gateway_svc.routes import gateway_router
from gateway_svc.rules import DEFAULT_RULES
from gateway_svc.sync import SyncChannel
from registry_svc.ca_service import LocalRevocationSource
from registry_svc.components import RegistryComponents
from registry_svc.domain.registry import LocalizedText, Person
from registry_svc.entrypoints.api import build_router as registry_router
from shared.bus.memory import InMemoryBus
from shared.bus.port import Delivery, Message
from shared.clock import SimulatedClock
from shared.config import load_settings
from shared.envelope import Envelope
from shared.eventlog.sqlite import SqliteEventStore
from shared.ids import Gender
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.profiles import (
    EntityRole,
    Holder,
    Individual,
    InformationSystem,
    KeyPurpose,
    LegalEntitySigner,
)
from shared.pki.revocation_client import RevocationChecker
from shared.web import create_service_app
from tests.elicense.conftest import (
    ALMATY_CULTURE_BIN,
    APPLICANT_IIN,
    CLERK_IIN,
    DIRECTORY,
    EXECUTOR_IIN,
    HEAD_IIN,
    UNKNOWN_IIN,
    applicant_holder,
    portal_body,
)
from tests.elicense.test_app import signed_call
from tests.services.fakes import serving


class Switch(httpx.AsyncBaseTransport):
    """The network between the gateway and the registry, which the test can cut."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("registry unreachable", request=request)
        return await self.inner.handle_async_request(request)


@dataclass
class World:
    clock: SimulatedClock
    bus: InMemoryBus
    ca: RegistryComponents
    portal_inbox: list[Envelope]
    inboxes: dict[str, list[Envelope]]
    elicense_store: SqliteEventStore
    network: Switch
    staff: Callable[..., Awaitable[JwsSigner]]
    portal: JwsSigner
    verifier: JwsVerifier
    client: httpx.AsyncClient


async def _signer(ca: RegistryComponents, holder: Holder) -> JwsSigner:
    issued = await ca.ca.issue(holder, KeyPurpose.SIGNING, password="pw")
    return JwsSigner.from_key_file(load_pkcs12(issued.pkcs12, password="pw"))


class _NoBus:
    async def ping(self) -> None:
        return None


@pytest.fixture(name="world")
async def world_fixture(tmp_path: Path, clock: SimulatedClock) -> AsyncIterator[World]:
    stores = {
        name: SqliteEventStore(tmp_path / f"{name}.sqlite3", clock=clock)
        for name in ("registry", "gateway", "elicense")
    }
    for store in stores.values():
        await store.open()
    bus = InMemoryBus()
    await bus.connect()
    # The registry and its CA: every certificate below is issued by it.
    ca = RegistryComponents(
        stores["registry"], clock, data_dir=tmp_path / "ca", public_url="http://registry.test"
    )
    await ca.start()
    await ca.registry.register_person(
        Person(
            iin=APPLICANT_IIN,
            surname=LocalizedText(kk="Сейтқалиева", ru="Сейткалиева"),
            name=LocalizedText(kk="Айгерім", ru="Айгерим"),
            birth_date=date(1985, 3, 14),
            gender=Gender.FEMALE,
            address="Almaty, Abay ave. 1",
        )
    )
    registry_app = create_service_app(
        "registry",
        store=stores["registry"],
        bus=_NoBus(),
        version="test",
        title="registry",
        description="registry under test",
    )  # the shared edge turns its errors (404 person_not_found) into answers
    registry_app.include_router(registry_router(ca))
    verifier = JwsVerifier(
        [ca.ca.trust_anchor],
        clock,
        RevocationChecker(LocalRevocationSource(ca.ca), clock, use_cache=False),
    )
    gateway = build_gateway(
        store=stores["gateway"],
        bus=bus,
        clock=clock,
        verifier=verifier,
        rules_path=DEFAULT_RULES,
        registry=CollectorRegistry(),
    )
    await gateway.start()
    network = Switch(httpx.ASGITransport(app=registry_app))
    gateway_signer = await _signer(ca, InformationSystem("gateway"))
    sync_http = httpx.AsyncClient(transport=network)
    gateway_app = FastAPI()
    gateway_app.include_router(
        gateway_router(
            gateway, SyncChannel(gateway, sync_http, signer=gateway_signer), service="gateway"
        )
    )
    gateway_http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway_app), base_url="http://gateway.test"
    )
    inboxes: dict[str, list[Envelope]] = {}
    consumers = []
    # What reaches the portal and the provider workstations (through the regional tier).
    for system in ("portal", "provider.almaty.culture", "provider.akmola.culture"):
        inbox = inboxes[system] = []

        async def receive(delivery: Delivery, inbox: list[Envelope] = inbox) -> None:
            inbox.append(Envelope.model_validate_json(delivery.message.body))

        consumers.append(await bus.consume(f"to.{system}", receive))
    directory = tmp_path / "directory.yaml"
    directory.write_text(yaml.safe_dump(DIRECTORY, allow_unicode=True), encoding="utf-8")
    elicense_signer = await _signer(ca, InformationSystem("elicense"))
    service = bootstrap(
        load_settings(ElicenseSettings, directory_file=directory, data_dir=tmp_path),
        store=stores["elicense"],
        bus=bus,
        clock=clock,
        signer=elicense_signer,
        verifier=verifier,
        lookup=GatewayRegistryLookup(gateway_http, elicense_signer),
    )

    async def staff(iin: str, bin: str = ALMATY_CULTURE_BIN) -> JwsSigner:
        person = Individual(iin=iin, surname="Қызметкер", given_name="Тест")
        holder = LegalEntitySigner(person, bin, "Culture", EntityRole.EMPLOYEE)
        return await _signer(ca, holder)

    try:
        async with serving(service.app) as client:
            yield World(
                clock,
                bus,
                ca,
                inboxes["portal"],
                inboxes,
                stores["elicense"],
                network,
                staff,
                await _signer(ca, InformationSystem("portal")),
                verifier,
                client,
            )
    finally:
        for consumer in consumers:
            await consumer.stop()
        await gateway.stop()
        await gateway_http.aclose()
        await sync_http.aclose()
        await bus.close()
        for store in stores.values():
            await store.close()


async def until(check: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    for _ in range(500):
        result = check()
        if result if isinstance(result, bool) else await result:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def submit(world: World, request_id: str, iin: str) -> None:
    envelope = Envelope(
        message_id=uuid.uuid4(),
        correlation_id=request_id,
        type=msg.SUBMIT_TYPE,
        sender="portal",
        recipient="elicense",
        service_code="cultural_values_export",
        sent_at=world.clock.now(),
        body=portal_body(
            await _signer(world.ca, applicant_holder(iin)),
            at=world.clock.now(),
            request_id=request_id,
            service="A",
            applicant_iin=iin,
        ),
    ).signed(world.portal)

    # What the portal does: publish to the gateway's inbound exchange under its system id.
    await world.bus.publish(
        Message(
            "egov.gateway.in",
            "portal",
            envelope.model_dump_json().encode(),
            str(envelope.message_id),
        )
    )


def portal_statuses(world: World, request_id: str) -> list[str]:
    return [
        str(e.body["status"])
        for e in world.portal_inbox
        if e.type == msg.STATUS_TYPE and e.correlation_id == request_id
    ]


async def test_portal_path_end_to_end_through_gateway_and_registry(world: World) -> None:
    await submit(world, "gw-1", APPLICANT_IIN)
    await until(lambda: "registered" in portal_statuses(world, "gw-1"), "registered at the portal")

    async def checked() -> bool:
        events = await world.elicense_store.read_stream(ev.request_stream("gw-1"))
        return any(e.type == ev.REGISTRY_RECORD_FOUND for e in events)

    await until(checked, "the registry answer through the sync channel")
    call = signed_call(world.client)
    clerk = await world.staff(CLERK_IIN)
    head = await world.staff(HEAD_IIN)
    executor = await world.staff(EXECUTOR_IIN)
    base = "/staff/requests/gw-1"
    for signer, step, outcome in [
        (executor, "register_portal", "registered"),  # 000 p.5.1: a portal request
        (head, "assign_executor", "assigned"),
        (executor, "check_documents", "complete"),
        (executor, "prepare_result", "result_drafted"),
    ]:
        answer = await call(signer, "POST", f"{base}/actions", {"step": step, "outcome": outcome})
        assert answer.status_code == 200, answer.text
    document = (await call(head, "POST", f"{base}/permit-draft")).json()["document"]
    assert document["holder"]["name"]["ru"] == "Сейткалиева Айгерим"
    action = {
        "step": "sign",
        "outcome": "signed",
        "document_signature": head.sign(signing_bytes(document)),
    }
    assert (await call(head, "POST", f"{base}/actions", action)).status_code == 200
    hand_out = {"step": "hand_out", "outcome": "issued"}
    assert (await call(clerk, "POST", f"{base}/actions", hand_out)).status_code == 200

    def result() -> bool:
        return any(e.type == msg.RESULT_ISSUED_TYPE for e in world.portal_inbox)

    await until(result, "the signed result in the portal's queue")
    delivered = next(e for e in world.portal_inbox if e.type == msg.RESULT_ISSUED_TYPE)
    # The portal can check both signatures: elicense's on the envelope, the head's on the permit.
    assert delivered.verify(world.verifier).ok
    check = world.verifier.verify(
        signing_bytes(delivered.body["document"]),  # type: ignore[arg-type]
        str(delivered.body["document_signature"]),
        expected_iin=HEAD_IIN,
    )
    assert check.ok
    await until(lambda: "completed" in portal_statuses(world, "gw-1"), "the completed status")


async def test_unknown_applicant_data_cannot_be_obtained(world: World) -> None:
    await submit(world, "gw-2", UNKNOWN_IIN)
    await until(
        lambda: "registry_not_found" in portal_statuses(world, "gw-2"), "process 5 at the portal"
    )
    # The status and the result are separate messages: the gateway may forward them in any order.
    await until(
        lambda: any(e.type == msg.RESULT_REFUSED_TYPE for e in world.portal_inbox),
        "the refusal in the portal's queue",
    )
    refused = next(e for e in world.portal_inbox if e.type == msg.RESULT_REFUSED_TYPE)
    assert refused.body["refusal"] == "REGISTRY_DATA_NOT_FOUND"


async def test_registry_unreachable_then_back(world: World) -> None:
    world.network.down = True
    await submit(world, "gw-3", APPLICANT_IIN)
    await until(lambda: "awaiting_registry" in portal_statuses(world, "gw-3"), "the waiting status")
    world.network.down = False
    await world.clock.advance(timedelta(seconds=30))

    async def found() -> bool:
        events = await world.elicense_store.read_stream(ev.request_stream("gw-3"))
        return any(e.type == ev.REGISTRY_RECORD_FOUND for e in events)

    await until(found, "the request moving on once the registry is back")
    events = await world.elicense_store.read_stream(ev.request_stream("gw-3"))
    deferred = [e for e in events if e.type == ev.REGISTRY_CHECK_DEFERRED]
    assert len(deferred) == 1
    assert "PROVIDER_UNREACHABLE" in deferred[0].data["reason"]


async def test_000_provider_path_through_the_gateway(world: World) -> None:
    """Processes 1-8 at the office: intake, the registry through the sync channel, a
    condition-3 refusal; statuses reach the provider's workstation through the regional tier."""
    call = signed_call(world.client)
    clerk = await world.staff(CLERK_IIN)
    head = await world.staff(HEAD_IIN)
    executor = await world.staff(EXECUTOR_IIN)
    created = await call(
        clerk,
        "POST",
        "/staff/requests",
        {"request_id": "desk-1", "service": "B", "applicant_iin": APPLICANT_IIN},
    )
    assert created.status_code == 201, created.text

    async def checked() -> bool:
        answer = await call(clerk, "GET", "/staff/requests/desk-1")
        return bool(answer.json()["registry"]["state"] == "found")

    await until(checked, "the registry answer through the sync channel")
    base = "/staff/requests/desk-1"
    for signer, step, outcome in [
        (clerk, "register", "registered"),
        (head, "assign_executor", "assigned"),
        (executor, "check_documents", "complete"),
        (executor, "prepare_result", "applicant_non_compliant"),
    ]:
        answer = await call(signer, "POST", f"{base}/actions", {"step": step, "outcome": outcome})
        assert answer.status_code == 200, answer.text
    desk = world.inboxes["provider.almaty.culture"]

    def refused() -> bool:
        return any(e.body.get("status") == "refused" for e in desk)

    await until(refused, "the refusal status at the provider's workstation")
    assert {e.sender for e in desk} == {"elicense"}
    assert all(e.verify(world.verifier).ok for e in desk)
    # The applicant did not file at the portal: no result goes there.
    assert not any(e.type.startswith("result.") for e in world.portal_inbox)
