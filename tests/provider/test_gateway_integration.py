"""Through the real gateway (gateway_svc, its shipped rules) on RabbitMQ, with the provider's
log in PostgreSQL: the portal or a PSC desk sends a signed request, the regional gateway
delivers it to the workstation, staff work it on the simulated clock, and the statuses and the
signed result come back through the gateway.

The CA's certificates are valid from 2012 to 2028 so that both the gateway (wall clock) and
the workstation (simulated 2013/2019 clock) accept them; each side asks revocation of an
in-process responder answering at its own clock.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from gateway_svc.assembly import build_gateway
from gateway_svc.gateway import GatewayOptions
from gateway_svc.rules import DEFAULT_RULES
from provider_svc.domain.workstations import WORKSTATIONS
from provider_svc.entrypoints.consumer import start_consumers
from provider_svc.handlers import HANDED_OUT_TYPE, ProviderService
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
from tests.provider.conftest import ALMATY_2019, ASTANA_2013, FakeRegistry, applicant_body, iin
from tests.provider.test_flows import ARCHIVES, CULTURE, GROUNDS

pytestmark = pytest.mark.infra

_EPOCH = datetime(2012, 1, 1, tzinfo=UTC)
_serials = iter(range(10_000, 10**7))


@pytest.fixture(scope="module")
def long_ca() -> CaPair:
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


def _signer(ca: CaPair, holder: Any) -> JwsSigner:
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


def _verifier(ca: CaPair, clock: Clock) -> JwsVerifier:
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
        signer = _signer(self.ca, InformationSystem(sender))
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

    def statuses(self, system_id: str, request_id: str) -> list[str]:
        return [
            str(e.body["status"])
            for e in self.received.get(system_id, [])
            if e.type == "status.changed.v1" and e.correlation_id == request_id
        ]

    async def staff(self, ws: str, role: str) -> tuple[Any, JwsSigner]:
        staff_iin = iin(100 + len(await self.service.roster(ws)))
        holder = LegalEntitySigner(
            Individual(staff_iin, "Staff", role.replace("_", "")),
            "190340012345",
            "Akimat department",
            EntityRole.EMPLOYEE,
        )
        signer = _signer(self.ca, holder)
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
async def _stack(
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
        verifier=_verifier(ca, wall),
        rules_path=DEFAULT_RULES,
        registry=CollectorRegistry(),
        options=GatewayOptions(),
    )
    await gateway.start()
    clock = SimulatedClock(start)
    store = create_event_store(f"{pg_dsn}?schema={pg_schema}", clock=clock)
    await store.open()
    relay = OutboxRelay(store, bus, poll_interval=0.2)
    signers = {w.system_id: _signer(ca, InformationSystem(w.system_id)) for w in WORKSTATIONS}
    service = ProviderService(
        store,
        clock,
        Catalog.from_directory(definitions_dir()),
        KzCalendar(),
        signers=signers,
        verifier=_verifier(ca, clock),
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


async def test_a_2018_from_the_portal_to_the_certificate_through_the_gateway(
    long_ca: CaPair,
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    tmp_path: Path,
) -> None:
    async with _stack(
        start=ALMATY_2019,
        ca=long_ca,
        pg_dsn=pg_dsn,
        pg_schema=pg_schema,
        amqp_url=amqp_url,
        unique_name=unique_name,
        tmp_path=tmp_path,
    ) as s:
        await s.listen("portal")
        rid = await s.send(
            "portal",
            CULTURE,
            type="request.submitted.v1",
            service_code="cultural_values_export",
            body=applicant_body(),
        )

        async def arrived() -> bool:
            return await s.service.store.stream_version(f"provider-request-{rid}") > 0

        await s.wait_for(arrived, "the request at the workstation")
        for role, step, outcome, sign in [
            ("office_clerk", "register", "registered", False),
            ("head", "review_and_assign", "executor_assigned", False),
            ("executor", "send_to_commission", "sent", False),
            ("expert_commission", "expertise", "examined", False),
            ("executor", "write_up_conclusion", "conclusion_written", False),
            ("executor", "draft_result", "certificate_drafted", False),
            ("head", "sign", "signed", True),
            ("office_clerk", "hand_out", "certificate_issued", False),
        ]:
            await s.clock.advance(timedelta(minutes=5))
            await s.act(CULTURE, rid, role, step, outcome, sign=sign)

        async def completed() -> bool:
            results = [e for e in s.received.get("portal", []) if e.type == "result.issued.v1"]
            return "completed" in s.statuses("portal", rid) and bool(results)

        await s.wait_for(completed, "the completed status and the result at the portal")
        statuses = s.statuses("portal", rid)
        assert statuses[0] == "registered"
        assert "under_review" in statuses
        result = next(e for e in s.received["portal"] if e.type == "result.issued.v1")
        assert result.sender == CULTURE
        assert result.body["document"]["kind"] == "certificate"
        assert result.verify(_verifier(long_ca, SystemClock())).ok


async def test_e_from_the_psc_desk_to_a_refusal_handed_out_there(
    long_ca: CaPair,
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    tmp_path: Path,
) -> None:
    desk = "psc.astana"
    async with _stack(
        start=ASTANA_2013,
        ca=long_ca,
        pg_dsn=pg_dsn,
        pg_schema=pg_schema,
        amqp_url=amqp_url,
        unique_name=unique_name,
        tmp_path=tmp_path,
    ) as s:
        await s.listen(desk)
        await s.listen("portal")
        rid = await s.send(
            desk,
            ARCHIVES,
            type="request.submitted.v1",
            service_code="archive_reference",
            body=applicant_body(),
        )

        async def in_work() -> bool:
            return "in_progress" in s.statuses(desk, rid)

        await s.wait_for(in_work, "in_progress at the desk")
        await s.act(
            ARCHIVES,
            rid,
            "provider_employee",
            "search_and_decide",
            "refusal_prepared",
            grounds=GROUNDS,
        )
        await s.act(ARCHIVES, rid, "provider_employee", "sign_output", "to_psc", sign=True)

        async def result_at_desk() -> bool:
            return any(e.type == "result.issued.v1" for e in s.received.get(desk, []))

        await s.wait_for(result_at_desk, "the signed refusal at the desk")
        await s.send(
            desk,
            ARCHIVES,
            type=HANDED_OUT_TYPE,
            service_code="archive_reference",
            body={"outcome": "refusal_handed_out_psc"},
            correlation_id=rid,
        )

        async def refused() -> bool:
            return "refused" in s.statuses(desk, rid) and "refused" in s.statuses("portal", rid)

        await s.wait_for(refused, "refused at the desk and in the cabinet")
        refusal = next(
            e
            for e in s.received[desk]
            if e.correlation_id == rid and e.body.get("status") == "refused"
        )
        assert refusal.body["refusal"]["grounds"] == GROUNDS


GREEN_WS = "provider.almaty.green_economy"
# (service, workstation, start, [(role, step, outcome, sign, grounds)], final status, result kind)
ROUTES = [
    (
        "minerals_absence_conclusion",
        GREEN_WS,
        ALMATY_2019,
        [
            ("employee", "register", "registered", False, None),
            ("head", "head_review", "sent_to_deputy", False, None),
            ("deputy", "deputy_review", "documents_non_compliant", True, GROUNDS),
        ],
        "refused",
        "reasoned_refusal",
    ),
    (
        "minerals_building_permit",
        GREEN_WS,
        ALMATY_2019,
        [
            ("employee", "register", "registered", False, None),
            ("head", "head_review", "sent_to_deputy", False, None),
            ("deputy", "deputy_review", "accepted", False, None),
            ("department_employee", "prepare_result", "permit_drafted", False, None),
            ("deputy", "endorse", "endorsed", False, None),
            ("head", "sign", "permit_issued", True, None),
        ],
        "completed",
        "permit",
    ),
    (
        "archive_reference",
        ARCHIVES,
        ASTANA_2013,
        [
            ("provider_employee", "search_and_decide", "reference_prepared", False, None),
            ("provider_employee", "sign_output", "reference_to_cabinet", True, None),
        ],
        "completed",
        "archive_reference",
    ),
]


@pytest.mark.parametrize(
    ("service", "ws", "start", "steps", "final", "kind"),
    ROUTES,
    ids=["C-refused-at-review", "D-permit", "E-portal-reference"],
)
async def test_portal_requests_of_c_d_e_through_the_gateway(
    long_ca: CaPair,
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    tmp_path: Path,
    service: str,
    ws: str,
    start: datetime,
    steps: list[tuple[str, str, str, bool, dict[str, str] | None]],
    final: str,
    kind: str,
) -> None:
    async with _stack(
        start=start,
        ca=long_ca,
        pg_dsn=pg_dsn,
        pg_schema=pg_schema,
        amqp_url=amqp_url,
        unique_name=unique_name,
        tmp_path=tmp_path,
    ) as s:
        await s.listen("portal")
        await s.listen("psc.astana")
        rid = await s.send(
            "portal", ws, type="request.submitted.v1", service_code=service, body=applicant_body()
        )

        async def arrived() -> bool:
            return "registered" in s.statuses("portal", rid)

        await s.wait_for(arrived, "registered in the cabinet")
        for role, step, outcome, sign, grounds in steps:
            await s.clock.advance(timedelta(minutes=5))
            await s.act(ws, rid, role, step, outcome, sign=sign, grounds=grounds)

        async def finished() -> bool:
            got = [e for e in s.received.get("portal", []) if e.type == "result.issued.v1"]
            return final in s.statuses("portal", rid) and bool(got)

        await s.wait_for(finished, f"{final} and the result in the cabinet")
        result = next(e for e in s.received["portal"] if e.type == "result.issued.v1")
        assert result.body["document"]["kind"] == kind
        assert result.sender == ws
        if ws == ARCHIVES:
            # 004 p.8: the PSC IS receives the portal request's statuses too.
            async def at_desk() -> bool:
                return final in s.statuses("psc.astana", rid)

            await s.wait_for(at_desk, "the statuses at the PSC desk")
        else:
            assert s.statuses("psc.astana", rid) == []


async def test_an_overdue_request_shows_overdue_in_the_cabinet(
    long_ca: CaPair,
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    tmp_path: Path,
) -> None:
    async with _stack(
        start=ALMATY_2019,
        ca=long_ca,
        pg_dsn=pg_dsn,
        pg_schema=pg_schema,
        amqp_url=amqp_url,
        unique_name=unique_name,
        tmp_path=tmp_path,
    ) as s:
        await s.listen("portal")
        rid = await s.send(
            "portal",
            CULTURE,
            type="request.submitted.v1",
            service_code="A",
            body=applicant_body(),
        )

        async def registered() -> bool:
            return "registered" in s.statuses("portal", rid)

        await s.wait_for(registered, "registered in the cabinet")
        await s.service.arm(rid)  # the consumer arms it too; arming twice is harmless
        # The office does not register it: its 10 working minutes end at 09:10 local time.
        await s.clock.advance(timedelta(minutes=11))

        async def overdue() -> bool:
            return "overdue" in s.statuses("portal", rid)

        await s.wait_for(overdue, "overdue in the cabinet")
        note = next(
            e
            for e in s.received["portal"]
            if e.correlation_id == rid and e.body.get("status") == "overdue"
        )
        assert note.body["step"] == "register"
        assert note.body["overdue"] == "step"


async def test_a_paper_application_checks_the_person_registry_through_the_gateway(
    long_ca: CaPair,
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    tmp_path: Path,
) -> None:
    """The clerk's look-up goes through the gateway's sync channel (its rules, its log) to
    registry_svc's person registry; the registry is called in-process (ASGI), not on a port."""
    import httpx
    from fastapi import FastAPI

    from gateway_svc.routes import gateway_router
    from gateway_svc.sync import SyncChannel
    from provider_svc.domain.errors import InvalidInput
    from provider_svc.lookup import GatewayPersonLookup
    from registry_svc.components import RegistryComponents
    from registry_svc.domain.registry import LocalizedText, Person
    from registry_svc.entrypoints.api import build_router as registry_router
    from shared.ids import Gender
    from shared.web import create_service_app
    from tests.provider.conftest import APPLICANT, UNKNOWN_PERSON

    class _Up:
        async def ping(self) -> None:
            return None

    wall = SystemClock()
    registry_store = SqliteEventStore(tmp_path / "registry.sqlite3", clock=wall)
    await registry_store.open()
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
    async with (
        _stack(
            start=ALMATY_2019,
            ca=long_ca,
            pg_dsn=pg_dsn,
            pg_schema=pg_schema,
            amqp_url=amqp_url,
            unique_name=unique_name,
            tmp_path=tmp_path,
        ) as s,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=registry_app)) as to_registry,
    ):
        gateway_app = FastAPI()
        gateway_app.include_router(
            gateway_router(s.gateway, SyncChannel(s.gateway, to_registry), service="gateway")
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway_app), base_url="http://gateway.test"
        ) as to_gateway:
            service = ProviderService(
                s.service.store,
                s.clock,
                Catalog.from_directory(definitions_dir()),
                KzCalendar(),
                signers=s.signers,
                verifier=_verifier(long_ca, s.clock),
                lookup=GatewayPersonLookup(
                    to_gateway, "http://gateway.test", lambda ws: s.signers[ws]
                ),
            )
            clerk, _ = await s.staff(CULTURE, "office_clerk")
            docs = [{"code": "standard_p9_documents", "sha256": "ef" * 32}]
            with pytest.raises(InvalidInput) as unknown:
                await service.register_paper(
                    CULTURE,
                    clerk,
                    service="A",
                    applicant_iin=UNKNOWN_PERSON,
                    form={},
                    documents_=docs,
                )
            assert unknown.value.code == "registry_not_found"
            rid = await service.register_paper(
                CULTURE, clerk, service="A", applicant_iin=APPLICANT, form={}, documents_=docs
            )
            request, _, _ = await service.load(rid)
            assert request.applicant_found is True
            assert request.state.current is not None
            assert request.state.current.step == "review_and_assign"
    await registry_store.close()
