"""Every portal path of the seeds through the real gateway on PostgreSQL and RabbitMQ: the
portal's envelope reaches E-licensing (000, 003) or the regional workstation (001, 002, 004),
the PSC desk files for an applicant (004), the answers come back through the gateway to the
portal's inbox, and the cabinet shows the statuses in order. The far side (E-licensing or the
workstation) is played by the test: it reads its queue and publishes signed envelopes."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from gateway_svc.gateway import GatewayOptions
from gateway_svc.topology import recipient_queue
from portal_svc.app import create_app
from portal_svc.assembly import Portal, build_portal
from portal_svc.blobs import BlobStore
from portal_svc.handlers import registration_bytes
from portal_svc.passwords import Passwords
from portal_svc.psc import CENTERS
from portal_svc.settings import PortalSettings
from portal_svc.verification import AuthKeyVerifier
from shared.bus.port import Message
from shared.calendar import KzCalendar
from shared.clock import SimulatedClock, SystemClock
from shared.envelope import Envelope
from shared.eventlog.factory import create_event_store
from shared.eventlog.port import EventStore
from shared.pki.ca import issue_certificate
from shared.pki.http_signing import sign_request
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.keys import KeyAlgorithm, generate_private_key
from shared.pki.profiles import EntityRole, Individual, KeyPurpose, LegalEntitySigner
from shared.pki.revocation_client import RevocationChecker
from shared.regulation.catalog import Catalog
from tests.gateway.conftest import Harness, SystemCert, issue_system, make_harness
from tests.pki.conftest import URLS, CaPair, make_ca
from tests.pki.fakes import FakeCaEndpoint
from tests.portal.conftest import ALMATY_2014, ALMATY_2019, ASTANA_2013, PASSWORD, iin

pytestmark = pytest.mark.infra

AKMOLA_2013 = datetime.fromisoformat("2013-05-06T03:00:00+00:00")  # A@akmola-2013 in force
_serials = iter(range(900_000, 10**7))


def _issue(ca: CaPair, holder: Individual | LegalEntitySigner) -> JwsSigner:
    key = generate_private_key(KeyAlgorithm.ES256)
    certificate = issue_certificate(
        ca.issuing,
        holder,
        KeyPurpose.SIGNING,
        key.public_key(),
        serial=next(_serials),
        now=SystemClock().now(),
        urls=URLS,
    )
    return JwsSigner(key, certificate, [ca.issuing.certificate])


@dataclass
class Stack:
    harness: Harness
    portal: Portal
    client: httpx.AsyncClient
    store: EventStore
    clock: SimulatedClock
    ca: CaPair
    systems: dict[str, SystemCert]

    async def far_side(self, system: str, request_id: str) -> dict[str, Any]:
        """What the gateway delivered to ``system`` for this request."""
        box = await self.harness.listen(recipient_queue(system))

        async def arrived() -> bool:
            return any(json.loads(m.body)["correlation_id"] == request_id for m in box)

        await self.harness.wait_for(arrived, f"{request_id} at {system}")
        return next(
            json.loads(m.body) for m in box if json.loads(m.body)["correlation_id"] == request_id
        )

    async def answer(
        self,
        sender: str,
        request_id: str,
        type_: str,
        body: dict[str, Any],
        *,
        recipient: str,
        service: str,
    ) -> None:
        envelope = Envelope(
            message_id=uuid.uuid4(),
            correlation_id=request_id,
            type=type_,
            sender=sender,
            recipient=recipient,
            service_code=service,
            sent_at=SystemClock().now(),
            body=body,
        ).signed(self.systems[sender].signer)
        await self.harness.send(envelope.model_dump_json().encode(), sender=sender)

    async def history(self, request_id: str, owner_headers: dict[str, str], n: int) -> list[str]:
        async def enough() -> bool:
            response = await self.client.get(
                f"/cabinet/requests/{request_id}", headers=owner_headers
            )
            return len(response.json()["history"]) >= n

        await self.harness.wait_for(enough, f"{n} statuses of {request_id}")
        response = await self.client.get(f"/cabinet/requests/{request_id}", headers=owner_headers)
        return [h["status"] for h in response.json()["history"]]


SYSTEMS = (
    "portal",
    "psc.astana",
    "elicense",
    "provider.almaty.culture",
    "provider.almaty.green_economy",
    "provider.astana.archives",
)


@pytest.fixture(scope="module")
def gateway_ca() -> CaPair:
    return make_ca()  # in real time: the gateway checks certificates against its own clock


@pytest.fixture(scope="module")
def system_certs(gateway_ca: CaPair) -> dict[str, SystemCert]:
    return {name: issue_system(gateway_ca, name) for name in SYSTEMS}


@pytest.fixture
async def stack(
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    gateway_ca: CaPair,
    system_certs: dict[str, SystemCert],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Stack]:
    start: datetime = getattr(request, "param", ALMATY_2019)
    gw_ca, systems = gateway_ca, system_certs
    ca_endpoint = FakeCaEndpoint(gw_ca, SystemClock())
    harness, close = await make_harness(
        pg_dsn=pg_dsn,
        pg_schema=pg_schema,
        amqp_url=amqp_url,
        namespace=unique_name,
        ca_endpoint=ca_endpoint,
        gw_ca=gw_ca,
        options=GatewayOptions(inbound_backoff_max_ms=500),
    )
    schema = f"{pg_schema}p"
    conn = await asyncpg.connect(pg_dsn)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.close()
    store = create_event_store(f"{pg_dsn}?schema={schema}", clock=SystemClock())
    await store.open()
    real = SystemClock()
    checker = RevocationChecker(ca_endpoint, real, use_cache=False)
    roots = [gw_ca.root.certificate]
    # The catalog and deadlines follow the simulated date of the seed; certificates are
    # checked against real time, as the gateway checks them.
    clock = SimulatedClock(start)
    portal = build_portal(
        store=store,
        bus=harness.bus,
        clock=clock,
        catalog=Catalog.from_directory(Path("regulations/definitions")),
        calendar=KzCalendar(),
        signer=systems["portal"].signer,
        verifier=JwsVerifier(roots, real, checker),
        auth_verifier=AuthKeyVerifier(roots, real, checker),
        passwords=Passwords(time_cost=1, memory_kib=1024),
        blobs=BlobStore(tmp_path / "blobs"),
        desk_signers={"psc.astana": systems["psc.astana"].signer},
        lookup=_Registry(),
        relay_poll_s=0.05,
    )
    await portal.start()
    app = create_app(PortalSettings(), store=store, bus=harness.bus, router=portal.router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal"
    ) as client:
        yield Stack(harness, portal, client, store, clock, gw_ca, systems)
    await portal.stop()
    await store.close()
    await close()
    conn = await asyncpg.connect(pg_dsn)
    await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await conn.close()


class _Registry:
    async def person(self, iin_: str) -> dict[str, Any] | None:
        return {"iin": iin_}


async def _applicant(stack: Stack, serial: int) -> tuple[JwsSigner, dict[str, str]]:
    signer = _issue(stack.ca, Individual(iin(serial), "Сейтқалиева", "Айгерім"))
    body = {
        "iin": iin(serial),
        "password": PASSWORD,
        "signature": signer.sign(registration_bytes(iin(serial), None)),
    }
    assert (await stack.client.post("/auth/register", json=body)).status_code == 201
    token = (
        await stack.client.post("/auth/login", json={"iin": iin(serial), "password": PASSWORD})
    ).json()["token"]
    return signer, {"Authorization": f"Bearer {token}"}


async def _file(
    stack: Stack,
    signer: JwsSigner,
    headers: dict[str, str],
    service: str,
    form: dict[str, Any],
    document: str,
) -> str:
    client = stack.client
    created = await client.post("/requests", json={"service": service}, headers=headers)
    assert created.status_code == 201, created.text
    request_id = str(created.json()["request_id"])
    assert (
        await client.put(f"/requests/{request_id}/form", json={"form": form}, headers=headers)
    ).status_code == 200
    attached = await client.put(
        f"/requests/{request_id}/documents/{document}",
        params={"name": "scan.pdf"},
        content=b"%PDF-1.4 scan",
        headers={**headers, "Content-Type": "application/pdf"},
    )
    assert attached.status_code == 200, attached.text
    payload = (await client.get(f"/requests/{request_id}/signing-payload", headers=headers)).json()[
        "payload"
    ]
    signed = await client.post(
        f"/requests/{request_id}/sign",
        json={"signature": signer.sign(payload.encode())},
        headers=headers,
    )
    assert signed.status_code == 200, signed.text
    return request_id


EXPORT_2018 = {
    "item_description": "A dombra",
    "destination_country": "Kyrgyzstan",
    "return_date": "2020-03-01",
}
MINERALS = {"site_address": "Almaty, Al-Farabi 1", "cadastral_number": "20-311-001-123"}
ARCHIVE = {"subject": "Work record 1995-2001", "delivery": "in_person"}

PATHS = [
    # seed, simulated date, service, form, document, far side, submit type
    ("000", ALMATY_2014, "cultural_values_export", {}, "standard_p9_documents", "elicense"),
    ("003", AKMOLA_2013, "cultural_values_export", {}, "standard_documents", "elicense"),
    ("001", ALMATY_2019, "cultural_values_export", EXPORT_2018, "standard_p9_documents",
     "provider.almaty.culture"),
    ("002", ALMATY_2019, "minerals_absence_conclusion", MINERALS, "standard_p9_documents",
     "provider.almaty.green_economy"),
    ("004", ASTANA_2013, "archive_reference", ARCHIVE, "application_and_originals",
     "provider.astana.archives"),
]  # fmt: skip


OUTCOMES = ("completed", "refused")


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize(
    ("seed", "stack", "service", "form", "document", "far"),
    PATHS,
    indirect=["stack"],
    ids=[p[0] for p in PATHS],
)
async def test_portal_path_through_the_gateway(
    seed: str,
    stack: Stack,
    service: str,
    form: dict[str, Any],
    document: str,
    far: str,
    outcome: str,
) -> None:
    # Condition 3 of every seed ends in the result (process 8/9) or a reasoned refusal
    # (process 7/8); both must reach the cabinet through the gateway, after the statuses.
    applicant = 100 + int(seed) + (50 if outcome == "refused" else 0)
    signer, headers = await _applicant(stack, applicant)
    request_id = await _file(stack, signer, headers, service, form, document)
    delivered = await stack.far_side(far, request_id)
    assert delivered["sender"] == "portal"
    expected_type = "request.elicense.submit.v1" if far == "elicense" else "request.submitted.v1"
    assert delivered["type"] == expected_type
    assert delivered["body"]["applicant_iin"] == iin(applicant)
    for status in ("registered", "in_progress"):
        await stack.answer(
            far, request_id, "status.changed.v1", {"request_id": request_id, "status": status},
            recipient="portal", service=service,
        )  # fmt: skip
    if outcome == "completed":
        document_body = {"number": f"R-{request_id}", "decision": "issued", "service": service}
        await stack.answer(
            far, request_id, "result.issued.v1",
            {"request_id": request_id, "document": document_body, "signature": None},
            recipient="portal", service=service,
        )  # fmt: skip
    else:
        grounds = {"kk": "Құжаттар Стандартқа сәйкес емес", "ru": "Документы не соответствуют"}
        await stack.answer(
            far, request_id, "result.refused.v1",
            {"request_id": request_id, "refusal": "DOCUMENTS_NON_COMPLIANT", "grounds": grounds},
            recipient="portal", service=service,
        )  # fmt: skip
    # The result is a document; the status it ends in is the sender's notification, shown once.
    await stack.answer(
        far, request_id, "status.changed.v1", {"request_id": request_id, "status": outcome},
        recipient="portal", service=service,
    )  # fmt: skip
    statuses = await stack.history(request_id, headers, 5)
    assert statuses == ["draft", "submitted", "registered", "in_progress", outcome]

    async def has_result() -> bool:
        target = f"/cabinet/requests/{request_id}/result"
        return (await stack.client.get(target, headers=headers)).status_code == 200

    await stack.harness.wait_for(has_result, f"the result of {request_id} in the cabinet")
    if outcome == "refused":
        result = await stack.client.get(f"/cabinet/requests/{request_id}/result", headers=headers)
        assert result.json()["refusal"] == "DOCUMENTS_NON_COMPLIANT"


async def test_refusal_branches_send_nothing_through_the_gateway(stack: Stack) -> None:
    signer, headers = await _applicant(stack, 120)
    impostor = _issue(stack.ca, Individual(iin(121), "Омаров", "Ерлан"))
    client = stack.client
    created = await client.post(
        "/requests", json={"service": "cultural_values_export"}, headers=headers
    )
    request_id = created.json()["request_id"]
    await client.put(f"/requests/{request_id}/form", json={"form": EXPORT_2018}, headers=headers)
    await client.put(
        f"/requests/{request_id}/documents/standard_p9_documents",
        params={"name": "scan.pdf"},
        content=b"%PDF",
        headers={**headers, "Content-Type": "application/pdf"},
    )
    payload = (await client.get(f"/requests/{request_id}/signing-payload", headers=headers)).json()[
        "payload"
    ]
    refused = await client.post(
        f"/requests/{request_id}/sign",
        json={"signature": impostor.sign(payload.encode())},
        headers=headers,
    )
    assert refused.json()["code"] == "SUBJECT_MISMATCH"
    box = await stack.harness.listen(recipient_queue("provider.almaty.culture"))
    # A status for the request from a system it was never sent to is refused by the portal
    # (parked), so the cabinet stays as it was.
    await stack.answer(
        "provider.astana.archives", request_id, "status.changed.v1", {"status": "registered"},
        recipient="portal", service="cultural_values_export",
    )  # fmt: skip

    async def parked() -> bool:
        return bool(await stack.harness.bus.dead_letters(recipient_queue("portal")))

    await stack.harness.wait_for(parked, "the misdirected status parked by the portal")
    [dead] = await stack.harness.bus.dead_letters(recipient_queue("portal"))
    assert "is not where" in dead.reason
    assert box == []
    statuses = await stack.history(request_id, headers, 2)
    assert statuses == ["draft", "rejected_signature"]
    assert signer.identity.iin == iin(120)


@pytest.mark.parametrize("stack", [ASTANA_2013], indirect=True)
async def test_psc_desk_path_through_the_gateway(stack: Stack) -> None:
    center = next(c for c in CENTERS if c.desk == "psc.astana")
    operator = _issue(
        stack.ca,
        LegalEntitySigner(
            Individual(iin(130), "Жұмабек", "Дана"), center.bin, center.name, EntityRole.EMPLOYEE
        ),
    )

    async def desk(method: str, target: str, body: Any = None, raw: bytes | None = None,
                   media: str = "application/json") -> httpx.Response:  # fmt: skip
        content = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        signed = sign_request(operator, method, target, content)
        return await stack.client.request(
            method, target, content=content, headers={**signed, "Content-Type": media},
        )  # fmt: skip

    created = await desk(
        "POST", "/psc/requests", {"service": "archive_reference", "applicant_iin": iin(131)}
    )
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]
    assert (
        await desk("PUT", f"/psc/requests/{request_id}/form", {"form": ARCHIVE})
    ).status_code == 200
    target = f"/psc/requests/{request_id}/documents/application_and_originals?name=scan.pdf"
    assert (await desk("PUT", target, raw=b"%PDF scan", media="application/pdf")).status_code == 200
    payload = (await desk("GET", f"/psc/requests/{request_id}/signing-payload")).json()["payload"]
    signed = await desk(
        "POST", f"/psc/requests/{request_id}/sign", {"signature": operator.sign(payload.encode())}
    )
    assert signed.status_code == 200, signed.text
    far = "provider.astana.archives"
    delivered = await stack.far_side(far, request_id)
    assert (delivered["sender"], delivered["body"]["operator_iin"]) == ("psc.astana", iin(130))
    await stack.answer(
        far, request_id, "result.issued.v1",
        {"document": {"number": f"AR-{request_id}", "decision": "issued"}},
        recipient="psc.astana", service="archive_reference",
    )  # fmt: skip

    async def arrived() -> bool:
        listed = (await desk("GET", "/psc/requests")).json()["requests"]
        return bool(listed) and listed[0]["result_number"] == f"AR-{request_id}"

    await stack.harness.wait_for(arrived, "result at the desk")
    handed = await desk("POST", f"/psc/requests/{request_id}/hand-out", {"how": "in_person"})
    assert handed.status_code == 200
    receipt = await _wait_type(stack, far, request_id, "request.handed_out.v1")
    assert receipt["sender"] == "psc.astana"


async def _wait_type(stack: Stack, system: str, request_id: str, type_: str) -> dict[str, Any]:
    box: list[Message] = stack.harness.received[recipient_queue(system)]

    def found() -> dict[str, Any] | None:
        for message in box:
            body = json.loads(message.body)
            if body["correlation_id"] == request_id and body["type"] == type_:
                return dict(body)
        return None

    async def ready() -> bool:
        return found() is not None

    await stack.harness.wait_for(ready, f"{type_} at {system}")
    result = found()
    assert result is not None
    return result
