"""The gateway's HTTP side in-process (SQLite log, in-memory bus): the sync channel and its
faults, log queries and trace, and /health gating traffic when revocation goes stale."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from gateway_svc.app import create_app, mount_gateway
from gateway_svc.assembly import build_gateway
from gateway_svc.gateway import Gateway, GatewayOptions
from gateway_svc.messagelog import Record
from gateway_svc.rules import DEFAULT_RULES
from gateway_svc.settings import GatewaySettings
from gateway_svc.sync import SyncChannel
from shared.bus.memory import InMemoryBus
from shared.clock import SystemClock
from shared.config import load_settings
from shared.envelope import Envelope
from shared.eventlog.factory import create_event_store
from shared.pki.http_signing import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    received_signing_bytes,
    sign_request,
)
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.revocation_client import RevocationChecker
from tests.gateway.conftest import SystemCert, envelope
from tests.pki.conftest import CaPair
from tests.pki.fakes import FakeCaEndpoint

RULES = (
    DEFAULT_RULES.read_text("utf-8").split("# Synchronous services")[0]
    + """
sync_services:
  registry.person:
    provider: registry
    url: "http://registry.test/lookup"
    timeout_s: 0.5
    clients: [elicense, portal]
  registry.slow:
    provider: registry
    url: "http://registry.test/slow"
    timeout_s: 0.2
    clients: [elicense]
  registry.broken:
    provider: registry
    url: "http://registry.test/boom"
    clients: [elicense]
  registry.liar:
    provider: registry
    url: "http://registry.test/liar"
    clients: [elicense]
  registry.internal:
    provider: registry
    url: "http://registry.test/lookup"
    clients: [elicense]
  registry.person_record:
    provider: registry
    method: GET
    url: "http://registry.test/persons/{iin}"
    answer: record
    clients: [elicense]
"""
)


def provider_app(registry: SystemCert, callers: list[str], verifier: JwsVerifier) -> FastAPI:
    """The registry's side of the sync channel: answers a person look-up with a signed reply,
    and serves records by IIN to callers that sign the request (recorded in ``callers``)."""
    app = FastAPI()

    @app.get("/persons/{iin}")
    async def person(iin: str, request: Request) -> Response:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        payload = received_signing_bytes("GET", request.url.path, b"", request.headers)
        result = verifier.verify(payload, signature)
        if not result.ok or result.identity is None:
            return Response(b'{"code": "bad_signature"}', status_code=401)
        callers.append(result.identity.subject)
        if iin != "900101300126":
            return Response(b'{"code": "person_not_found"}', status_code=404)
        return Response(b'{"iin": "900101300126", "surname": "X"}')

    def answer(request: Envelope, *, sender: str = "registry") -> bytes:
        reply = Envelope(
            message_id=uuid.uuid4(),
            correlation_id=request.correlation_id,
            causation_id=str(request.message_id),
            type="registry.answer.person.v1",
            sender=sender,
            recipient=request.sender,
            sent_at=datetime.now(UTC),
            body={"found": True, "surname": "СЕЙТҚАЛИЕВА"},
        ).signed(registry.signer)
        return reply.model_dump_json().encode()

    @app.post("/lookup")
    async def lookup(request: Request) -> Response:
        env = Envelope.model_validate_json(await request.body())
        return Response(answer(env), media_type="application/json")

    @app.post("/slow")
    async def slow(request: Request) -> Response:
        await asyncio.sleep(5)
        return Response(b"{}")

    @app.post("/boom")
    async def boom() -> Response:
        return Response(b"database down", status_code=500)

    @app.post("/liar")
    async def liar(request: Request) -> Response:
        env = Envelope.model_validate_json(await request.body())
        # Signed by the registry's key but claiming another sender: the gateway must notice.
        return Response(answer(env, sender="elicense"), media_type="application/json")

    return app


class OperatorAuth(httpx.Auth):
    """Signs the calls to the gateway's operator routes (everything but the sync channel, whose
    callers sign their own) as ``signer``: shared.authz admits only an operator there."""

    def __init__(self, signer: JwsSigner) -> None:
        self.signer = signer

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not request.url.path.startswith("/sync/") and SIGNATURE_HEADER not in request.headers:
            target = request.url.raw_path.decode("ascii")
            request.headers.update(
                sign_request(self.signer, request.method, target, request.content)
            )
        yield request


@dataclass
class Served:
    client: httpx.AsyncClient
    gateway: Gateway
    ca_endpoint: FakeCaEndpoint
    provider_callers: list[str]
    app: FastAPI | None = None  # for a second client (a browser of the console's pages)
    bus: InMemoryBus | None = None


@pytest.fixture
async def served(
    tmp_path: Path,
    gw_ca: CaPair,
    systems: dict[str, SystemCert],
    operators: dict[str, SystemCert],
) -> AsyncIterator[Served]:
    rules_path = tmp_path / "rules.yaml"
    rules_path.write_text(RULES, "utf-8")
    clock = SystemClock()
    endpoint = FakeCaEndpoint(gw_ca, clock)
    checker = RevocationChecker(endpoint, clock, use_cache=False)
    verifier = JwsVerifier([gw_ca.root.certificate], clock, checker)
    settings = load_settings(GatewaySettings, data_dir=tmp_path)
    store = create_event_store("sqlite:///:memory:", clock=clock)
    bus = InMemoryBus()
    holder: list[Gateway] = []

    async def start() -> None:
        await store.open()
        await bus.connect()
        await holder[0].start()

    async def stop() -> None:
        await holder[0].stop()
        await bus.close()
        await store.close()

    app = create_app(settings, store=store, bus=bus, startup=[start], shutdown=[stop])
    own = systems["registry"]  # stands in for the gateway's own certificate in the probe

    def probe_factory(admission):  # type: ignore[no-untyped-def]
        async def revocation() -> None:
            answer = await admission.run_blocking(
                checker.check, own.certificate, gw_ca.issuing.certificate
            )
            if answer.state.value != "good":
                raise RuntimeError(answer.detail)

        return revocation

    gateway = build_gateway(
        store=store,
        bus=bus,
        clock=clock,
        verifier=verifier,
        rules_path=rules_path,
        registry=app.state.metrics.registry,
        options=GatewayOptions(),
        extra_checks={"revocation": probe_factory},
        health_interval=timedelta(hours=1),
    )
    holder.append(gateway)
    callers: list[str] = []
    provider = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=provider_app(own, callers, verifier))
    )
    sync = SyncChannel(gateway, provider, signer=systems["gateway"].signer)
    mount_gateway(app, gateway, sync, service="gateway")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        auth = OperatorAuth(operators["gateway"].signer)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gw", auth=auth
        ) as client:
            yield Served(client, gateway, endpoint, callers, app, bus)
    await provider.aclose()


def request_from(systems: dict[str, SystemCert], sender: str = "elicense") -> Envelope:
    return envelope(
        sender, "registry", type_="registry.query.person.v1", body={"iin": "900101300126"}
    ).signed(systems[sender].signer)


async def test_sync_call_returns_the_providers_signed_answer_and_logs_both(
    served: Served, systems: dict[str, SystemCert]
) -> None:
    request = request_from(systems)
    raw = request.model_dump_json().encode()
    response = await served.client.post("/sync/registry.person", content=raw)
    assert response.status_code == 200, response.text
    reply = Envelope.model_validate_json(response.content)
    assert reply.sender == "registry"
    assert reply.causation_id == str(request.message_id)
    trace = (await served.client.get(f"/trace/{request.correlation_id}")).json()
    assert [e["record"] for e in trace] == [Record.SYNC_REQUEST, Record.SYNC_RESPONSE]
    # The response is linked to its request by the request's hash (X-Road style).
    assert trace[0]["request_sha256"] == trace[1]["request_sha256"]
    assert "code" not in trace[1]


@pytest.mark.parametrize(
    ("service", "status", "code", "origin"),
    [
        ("registry.slow", 504, "PROVIDER_TIMEOUT", "provider"),
        ("registry.broken", 502, "PROVIDER_ERROR", "provider"),
        ("registry.liar", 502, "BAD_PROVIDER_RESPONSE", "provider"),
        ("registry.nothing", 404, "UNKNOWN_SERVICE", "client"),
        ("registry.internal", 403, "ROUTE_DENIED", "client"),
    ],
)
async def test_sync_faults_name_code_and_origin(
    served: Served,
    systems: dict[str, SystemCert],
    service: str,
    status: int,
    code: str,
    origin: str,
) -> None:
    sender = "portal" if service == "registry.internal" else "elicense"
    request = request_from(systems, sender)
    response = await served.client.post(
        f"/sync/{service}", content=request.model_dump_json().encode()
    )
    assert response.status_code == status
    body = response.json()
    assert (body["code"], body["origin"]) == (code, origin)
    assert body["message"]


async def test_sync_refuses_forged_malformed_and_replayed_requests(
    served: Served, systems: dict[str, SystemCert]
) -> None:
    request = request_from(systems)
    forged = request.model_copy(update={"body": {"iin": "000000000000"}})
    response = await served.client.post(
        "/sync/registry.person", content=forged.model_dump_json().encode()
    )
    assert (response.status_code, response.json()["code"]) == (401, "BAD_SIGNATURE")
    response = await served.client.post("/sync/registry.person", content=b"{not json")
    assert (response.status_code, response.json()["code"]) == (400, "MALFORMED_JSON")
    raw = request.model_dump_json().encode()
    assert (await served.client.post("/sync/registry.person", content=raw)).status_code == 200
    again = await served.client.post("/sync/registry.person", content=raw)
    assert (again.status_code, again.json()["code"]) == (409, "REPLAYED_MESSAGE")


async def test_log_queries_by_sender_recipient_and_time(
    served: Served, systems: dict[str, SystemCert]
) -> None:
    before = datetime.now(UTC)
    for _ in range(2):
        raw = request_from(systems).model_dump_json().encode()
        assert (await served.client.post("/sync/registry.person", content=raw)).status_code == 200
    found = (await served.client.get("/messages", params={"sender": "elicense"})).json()
    assert {e["record"] for e in found} == {Record.SYNC_REQUEST, Record.SYNC_RESPONSE}
    assert len(found) == 4
    assert (await served.client.get("/messages", params={"sender": "portal"})).json() == []
    later = (before + timedelta(hours=1)).isoformat()
    window = (await served.client.get("/messages", params={"since": later})).json()
    assert window == []
    assert (await served.client.get("/trace/nothing-here")).status_code == 404


async def test_stale_revocation_makes_health_503_and_the_gateway_refuse_traffic(
    served: Served, systems: dict[str, SystemCert]
) -> None:
    assert (await served.client.get("/health")).status_code == 200
    served.ca_endpoint.ocsp_up = False
    served.ca_endpoint.crl_up = False
    health = await served.client.get("/health")
    assert health.status_code == 503
    assert health.json()["failing"] == ["revocation"]
    raw = request_from(systems).model_dump_json().encode()
    response = await served.client.post("/sync/registry.person", content=raw)
    assert (response.status_code, response.json()["code"]) == (503, "GATEWAY_UNAVAILABLE")
    assert response.json()["origin"] == "gateway"
    served.ca_endpoint.ocsp_up = True
    assert (await served.client.get("/health")).status_code == 200
    assert (await served.client.post("/sync/registry.person", content=raw)).status_code == 200


async def test_metrics_count_routes_and_failures(
    served: Served, systems: dict[str, SystemCert]
) -> None:
    await served.client.post("/sync/registry.broken", content=b"{")
    metrics = (await served.client.get("/metrics")).text
    assert 'gateway_rejections_total{code="MALFORMED_JSON"} 1.0' in metrics
    assert "gateway_sync_seconds_bucket" in metrics


def signed_request(
    systems: dict[str, SystemCert], service: str, body: bytes, *, signer: str = "elicense"
) -> dict[str, str]:
    headers = sign_request(systems[signer].signer, "POST", f"/sync/{service}", body)
    return {**headers, "X-Egov-Sender": "elicense"}


async def test_signed_request_lookup_passes_the_record_and_its_404_through(
    served: Served, systems: dict[str, SystemCert]
) -> None:
    body = b'{"iin": "900101300126"}'
    response = await served.client.post(
        "/sync/registry.person_record",
        content=body,
        headers={
            **signed_request(systems, "registry.person_record", body),
            "X-Correlation-ID": "c-42",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["iin"] == "900101300126"
    # The registry saw the gateway as its caller, by the gateway's own signature.
    assert served.provider_callers == ["gateway"]
    missing = b'{"iin": "000000000001"}'
    response = await served.client.post(
        "/sync/registry.person_record",
        content=missing,
        headers=signed_request(systems, "registry.person_record", missing),
    )
    assert (response.status_code, response.json()["code"]) == (404, "person_not_found")
    trace = (await served.client.get("/trace/c-42")).json()
    assert [(e["record"], e.get("status")) for e in trace] == [
        (Record.SYNC_REQUEST, None),
        (Record.SYNC_RESPONSE, 200),
    ]
    assert trace[0]["form"] == "signed-request"


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("tampered", 401, "BAD_SIGNATURE"),
        ("other_signer", 401, "SENDER_MISMATCH"),
        ("no_iin", 400, "INVALID_REQUEST"),
        ("odd_iin", 400, "INVALID_REQUEST"),
        # A path step would reach the registry's "/" (``/persons/..``): refused before the call.
        ("dotdot_iin", 400, "INVALID_REQUEST"),
        ("dot_iin", 400, "INVALID_REQUEST"),
        ("short_iin", 400, "INVALID_REQUEST"),
        ("number_iin", 400, "INVALID_REQUEST"),
    ],
)
async def test_signed_request_refusals(
    served: Served, systems: dict[str, SystemCert], case: str, status: int, code: str
) -> None:
    body = {
        "no_iin": b'{"bin": "123"}',
        "odd_iin": b'{"iin": "../admin"}',
        "dotdot_iin": b'{"iin": ".."}',
        "dot_iin": b'{"iin": "."}',
        "short_iin": b'{"iin": "9001013001"}',
        "number_iin": b'{"iin": 900101300126}',
    }.get(case, b'{"iin": "900101300126"}')
    signer = "portal" if case == "other_signer" else "elicense"
    headers = signed_request(systems, "registry.person_record", body, signer=signer)
    sent = b'{"iin": "900101300127"}' if case == "tampered" else body
    response = await served.client.post(
        "/sync/registry.person_record", content=sent, headers=headers
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert served.provider_callers == []


async def test_a_captured_signed_request_is_accepted_once(
    served: Served, systems: dict[str, SystemCert]
) -> None:
    body = b'{"iin": "900101300126"}'
    captured = signed_request(systems, "registry.person_record", body)
    first = await served.client.post("/sync/registry.person_record", content=body, headers=captured)
    assert first.status_code == 200, first.text
    again = await served.client.post("/sync/registry.person_record", content=body, headers=captured)
    assert (again.status_code, again.json()["code"]) == (401, "REQUEST_REPLAYED")
    assert served.provider_callers == ["gateway"]  # the replay never reached the registry


async def test_a_signed_request_outside_the_window_or_without_a_nonce_is_refused(
    served: Served, systems: dict[str, SystemCert]
) -> None:
    body = b'{"iin": "900101300126"}'
    stale = sign_request(
        systems["elicense"].signer,
        "POST",
        "/sync/registry.person_record",
        body,
        now=datetime.now(UTC) - timedelta(minutes=6),
    )
    expired = await served.client.post("/sync/registry.person_record", content=body, headers=stale)
    assert (expired.status_code, expired.json()["code"]) == (401, "REQUEST_EXPIRED")
    fresh = signed_request(systems, "registry.person_record", body)
    del fresh[NONCE_HEADER]
    bare = await served.client.post("/sync/registry.person_record", content=body, headers=fresh)
    assert (bare.status_code, bare.json()["code"]) == (401, "REQUEST_EXPIRED")
    assert NONCE_HEADER in bare.json()["message"]
    assert served.provider_callers == []


async def test_rules_reload_over_http_takes_a_valid_file_and_refuses_a_broken_one(
    served: Served, tmp_path: Path, systems: dict[str, SystemCert]
) -> None:
    rules_path = tmp_path / "rules.yaml"
    # Version 2 withdraws portal's right to call registry.person.
    rules_path.write_text(
        RULES.replace("version: 1", "version: 2").replace(
            "clients: [elicense, portal]", "clients: [elicense]"
        ),
        "utf-8",
    )
    response = await served.client.post("/admin/rules/reload")
    assert response.json() == {"version": 2}
    request = request_from(systems, "portal")
    denied = await served.client.post(
        "/sync/registry.person", content=request.model_dump_json().encode()
    )
    assert (denied.status_code, denied.json()["code"]) == (403, "ROUTE_DENIED")
    rules_path.write_text("version: 3\nsystems: {}\n", "utf-8")
    broken = await served.client.post("/admin/rules/reload")
    assert broken.status_code == 422
    assert (await served.client.get("/health")).json()["rules_version"] == 2


async def test_parked_routes_answer_404_for_what_is_not_parked(served: Served) -> None:
    assert (await served.client.get("/parked")).json() == []
    response = await served.client.post(f"/parked/{uuid.uuid4()}/portal/redrive")
    assert response.status_code == 404
    response = await served.client.post(
        f"/parked/{uuid.uuid4()}/portal/stop", json={"reason": "gone"}
    )
    assert response.status_code == 404
