"""OCSP and the CRL through the gateway's sync channel (``pki.ocsp``, ``pki.crl`` in the shipped
rules.yaml), in-process (SQLite log, in-memory bus): the CA's signed answers come back unchanged,
the exchange is logged linked by the request hash, unsigned or forged calls are refused and
logged, and a verifier whose revocation source is the gateway tells a revoked certificate from a
good one."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from fastapi import FastAPI, Request, Response

from gateway_svc.app import create_app, mount_gateway
from gateway_svc.assembly import build_gateway
from gateway_svc.gateway import Gateway, GatewayOptions
from gateway_svc.messagelog import LogEntry, Query, Record
from gateway_svc.rules import DEFAULT_RULES, RulesError, parse_rules
from gateway_svc.settings import GatewaySettings
from gateway_svc.sync import SyncChannel
from shared.bus.memory import InMemoryBus
from shared.clock import SystemClock
from shared.config import load_settings
from shared.eventlog.factory import create_event_store
from shared.ids import Gender, make_iin
from shared.pki.http_signing import sign_request
from shared.pki.jws import JwsVerifier
from shared.pki.profiles import Individual
from shared.pki.revocation_client import (
    GatewayRevocationSource,
    RevocationChecker,
    RevocationError,
)
from shared.pki.setup import ViaGateway, http_verifier
from shared.signing import VerificationCode
from tests.gateway.conftest import SystemCert, issue_holder, issue_system
from tests.pki.conftest import CaPair
from tests.pki.fakes import FakeCaEndpoint

OCSP_REQUEST = "application/ocsp-request"


def ca_app(endpoint: FakeCaEndpoint, calls: list[str], quirks: set[str]) -> FastAPI:
    """registry_svc's /ocsp and /crl as the gateway reaches them (RFC 6960 A.1, DER CRL);
    with ``"crl-as-json"`` in ``quirks`` the CRL comes back under the wrong media type."""
    app = FastAPI()

    @app.post("/ocsp")
    async def answer(request: Request) -> Response:
        calls.append(f"ocsp {request.headers.get('content-type')}")
        if request.headers.get("content-type") != OCSP_REQUEST:
            return Response(b"unsupported media type", status_code=415)
        try:
            der = endpoint.post_ocsp("in-process", await request.body())
        except RevocationError:
            return Response(b"responder down", status_code=503)
        return Response(der, media_type="application/ocsp-response")

    @app.get("/crl")
    async def crl() -> Response:
        calls.append("crl")
        media_type = "application/json" if "crl-as-json" in quirks else "application/pkix-crl"
        return Response(endpoint.get_crl("in-process"), media_type=media_type)

    return app


class LoopTransport(httpx.BaseTransport):
    """Lets a sync httpx.Client on a worker thread (where verifiers run) reach the in-process
    gateway, whose ASGI app lives on the test's event loop."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self._client = client
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            return await self._client.request(
                request.method, str(request.url), content=request.read(), headers=request.headers
            )

        answer = asyncio.run_coroutine_threadsafe(send(), self._loop).result(timeout=30)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


@dataclass
class World:
    client: httpx.AsyncClient
    gateway: Gateway
    endpoint: FakeCaEndpoint
    ca: CaPair
    provider_calls: list[str]
    quirks: set[str]


@pytest.fixture
async def world(
    tmp_path: Path, gw_ca: CaPair, systems: dict[str, SystemCert]
) -> AsyncIterator[World]:
    clock = SystemClock()
    endpoint = FakeCaEndpoint(gw_ca, clock)
    # The gateway checks its callers against the CA directly, never through itself.
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
    gateway = build_gateway(
        store=store,
        bus=bus,
        clock=clock,
        verifier=verifier,
        rules_path=DEFAULT_RULES,  # the shipped rules: pki.ocsp and pki.crl as deployed
        registry=app.state.metrics.registry,
        options=GatewayOptions(),
        health_interval=timedelta(hours=1),
    )
    holder.append(gateway)
    calls: list[str] = []
    quirks: set[str] = set()
    provider = httpx.AsyncClient(transport=httpx.ASGITransport(app=ca_app(endpoint, calls, quirks)))
    mount_gateway(
        app, gateway, SyncChannel(gateway, provider, signer=systems["gateway"].signer), service="gw"
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield World(client, gateway, endpoint, gw_ca, calls, quirks)
    await provider.aclose()


def ocsp_request(certificate: x509.Certificate, issuer: x509.Certificate) -> bytes:
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256())
    return request.build().public_bytes(serialization.Encoding.DER)


def signed(caller: SystemCert, service: str, body: bytes) -> dict[str, str]:
    headers = sign_request(caller.signer, "POST", f"/sync/{service}", body)
    return {**headers, "X-Egov-Sender": caller.system_id}


async def entries(world: World, correlation_id: str) -> list[LogEntry]:
    return await world.gateway.log.query(Query(correlation_id=correlation_id))


async def test_ocsp_through_the_gateway_answers_good_and_revoked_and_is_logged(
    world: World, systems: dict[str, SystemCert]
) -> None:
    issuer = world.ca.issuing.certificate
    good = issue_system(world.ca, "provider.akmola.culture")
    revoked = issue_system(world.ca, "provider.akmola.culture")
    world.endpoint.revoke(revoked.certificate, x509.ReasonFlags.key_compromise)
    caller = systems["elicense"]
    seen: dict[str, ocsp.OCSPCertStatus] = {}
    for name, cert in (("good", good), ("revoked", revoked)):
        der = ocsp_request(cert.certificate, issuer)
        response = await world.client.post(
            "/sync/pki.ocsp",
            content=der,
            headers={
                **signed(caller, "pki.ocsp", der),
                "Content-Type": OCSP_REQUEST,
                "X-Correlation-ID": f"ocsp-{name}",
            },
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/ocsp-response"
        answer = ocsp.load_der_ocsp_response(response.content)
        assert answer.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
        assert answer.serial_number == cert.certificate.serial_number
        seen[name] = answer.certificate_status

        logged = await entries(world, f"ocsp-{name}")
        assert [e.record for e in logged] == [Record.SYNC_REQUEST, Record.SYNC_RESPONSE]
        request_entry, response_entry = (e.data for e in logged)
        digest = hashlib.sha256(der).hexdigest()
        assert request_entry["request_sha256"] == response_entry["request_sha256"] == digest
        assert request_entry["sender"] == "elicense"
        assert request_entry["form"] == "signed-request"
        # DER is kept losslessly, and the answer logged is the one the caller got.
        assert base64.b64decode(request_entry["raw_base64"]) == der
        assert response_entry["response_sha256"] == hashlib.sha256(response.content).hexdigest()
        assert base64.b64decode(response_entry["raw_base64"]) == response.content
    assert seen == {"good": ocsp.OCSPCertStatus.GOOD, "revoked": ocsp.OCSPCertStatus.REVOKED}
    # The gateway forwarded the DER with its media type; the provider never saw anything else.
    assert world.provider_calls == [f"ocsp {OCSP_REQUEST}"] * 2


async def test_crl_through_the_gateway_lists_the_revoked_serial(
    world: World, systems: dict[str, SystemCert]
) -> None:
    revoked = issue_system(world.ca, "provider.akmola.culture")
    world.endpoint.revoke(revoked.certificate, x509.ReasonFlags.superseded)
    response = await world.client.post(
        "/sync/pki.crl", content=b"", headers=signed(systems["portal"], "pki.crl", b"")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.content)
    assert crl.issuer == world.ca.issuing.certificate.subject
    assert crl.is_signature_valid(world.ca.issuing.certificate.public_key())  # type: ignore[arg-type]
    serial = revoked.certificate.serial_number
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    assert world.provider_calls == ["crl"]


@pytest.mark.parametrize("case", ["unsigned", "other_body", "other_target"])
async def test_unsigned_or_wrongly_signed_ocsp_is_refused_and_logged(
    world: World, systems: dict[str, SystemCert], case: str
) -> None:
    before = datetime.now(UTC)
    der = ocsp_request(systems["portal"].certificate, world.ca.issuing.certificate)
    headers = {"Content-Type": OCSP_REQUEST}
    if case == "other_body":
        # A genuine signature, but over another certificate's request.
        other = ocsp_request(systems["registry"].certificate, world.ca.issuing.certificate)
        headers.update(signed(systems["elicense"], "pki.ocsp", other))
    elif case == "other_target":
        # The right body, but signed for another service: the signature binds the target.
        headers.update(signed(systems["elicense"], "pki.crl", der))
    response = await world.client.post("/sync/pki.ocsp", content=der, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "BAD_SIGNATURE"
    assert response.json()["origin"] == "client"
    assert world.provider_calls == []
    digest = hashlib.sha256(der).hexdigest()
    logged = await world.gateway.log.query(Query(since=before))
    refusals = [e.data for e in logged if e.data.get("request_sha256") == digest]
    assert [(d["service_id"], d["code"]) for d in refusals] == [("pki.ocsp", "BAD_SIGNATURE")]
    assert all(e.record == Record.REJECTED for e in logged if e.data in refusals)


@pytest.mark.parametrize(
    ("case", "code"),
    [("json_type", "INVALID_REQUEST"), ("empty", "INVALID_REQUEST")],
)
async def test_an_ocsp_call_that_is_not_a_der_request_is_refused_before_the_provider(
    world: World, systems: dict[str, SystemCert], case: str, code: str
) -> None:
    if case == "json_type":
        body, content_type = b'{"serial": 1}', "application/json"
    else:
        body, content_type = b"", OCSP_REQUEST
    response = await world.client.post(
        "/sync/pki.ocsp",
        content=body,
        headers={**signed(systems["elicense"], "pki.ocsp", body), "Content-Type": content_type},
    )
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert world.provider_calls == []


async def test_a_verifier_asking_through_the_gateway_rejects_the_revoked_certificate(
    world: World, systems: dict[str, SystemCert]
) -> None:
    good = issue_system(world.ca, "provider.akmola.culture")
    revoked = issue_system(world.ca, "provider.akmola.culture")
    world.endpoint.revoke(revoked.certificate, x509.ReasonFlags.key_compromise)
    clock = SystemClock()
    transport = LoopTransport(world.client, asyncio.get_running_loop())
    with httpx.Client(transport=transport) as sync_client:
        source = GatewayRevocationSource(sync_client, "http://gw", systems["elicense"].signer)
        relying = JwsVerifier(
            [world.ca.root.certificate],
            clock,
            RevocationChecker(source, clock, use_cache=False),
        )
        payload = b'{"document": "licence"}'
        results = {
            name: await asyncio.to_thread(relying.verify, payload, cert.signer.sign(payload))
            for name, cert in (("good", good), ("revoked", revoked))
        }
    assert results["good"].code is VerificationCode.OK
    assert results["revoked"].code is VerificationCode.CERT_REVOKED
    # Each answer came through the gateway's sync channel, logged under the caller's name.
    logged = await world.gateway.log.query(Query(sender="elicense"))
    assert {e.data["service_id"] for e in logged if e.record == Record.SYNC_RESPONSE} == {
        "pki.ocsp"
    }
    assert all(call.startswith("ocsp") for call in world.provider_calls)
    assert world.provider_calls


async def test_the_verifier_falls_back_to_the_crl_through_the_gateway(
    world: World, systems: dict[str, SystemCert]
) -> None:
    revoked = issue_system(world.ca, "provider.akmola.culture")
    world.endpoint.revoke(revoked.certificate, x509.ReasonFlags.key_compromise)
    world.endpoint.ocsp_up = False  # the responder fails; the gateway reports PROVIDER_ERROR
    clock = SystemClock()
    transport = LoopTransport(world.client, asyncio.get_running_loop())

    def check() -> str:
        with httpx.Client(transport=transport) as sync_client:
            source = GatewayRevocationSource(sync_client, "http://gw/", systems["portal"].signer)
            checker = RevocationChecker(source, clock, use_cache=False)
            answer = checker.check(revoked.certificate, world.ca.issuing.certificate)
            return f"{answer.state.value}/{answer.source}"

    assert await asyncio.to_thread(check) == "revoked/crl"
    assert world.provider_calls == [f"ocsp {OCSP_REQUEST}", "crl"]


async def test_an_answer_of_the_wrong_media_type_is_a_provider_fault_and_logged(
    world: World, systems: dict[str, SystemCert]
) -> None:
    world.quirks.add("crl-as-json")
    response = await world.client.post(
        "/sync/pki.crl",
        content=b"",
        headers={**signed(systems["portal"], "pki.crl", b""), "X-Correlation-ID": "crl-odd"},
    )
    assert response.status_code == 502
    assert response.json()["code"] == "BAD_PROVIDER_RESPONSE"
    assert response.json()["origin"] == "provider"
    assert "application/pkix-crl" in response.json()["message"]
    logged = await entries(world, "crl-odd")
    assert [e.record for e in logged] == [Record.SYNC_REQUEST, Record.SYNC_RESPONSE]
    assert logged[1].data["code"] == "BAD_PROVIDER_RESPONSE"


@pytest.mark.parametrize(
    ("service", "problem"),
    [
        (
            {"url": "http://r.test/ocsp/{serial}", "request_type": "application/ocsp-request"},
            "cannot fill URL placeholders",
        ),
        ({"url": "http://r.test/crl", "answer": "binary"}, "answer_type"),
        ({"url": "http://r.test/crl", "answer_type": "application/pkix-crl"}, "answer_type"),
        ({"url": "http://r.test/crl", "request_type": "not a type"}, "request_type"),
    ],
)
def test_rules_refuse_an_inconsistent_binary_service(service: dict[str, str], problem: str) -> None:
    text = DEFAULT_RULES.read_text("utf-8").split("# Synchronous services")[0]
    document = yaml.safe_load(text)
    document["sync_services"] = {"x": {"provider": "registry", "clients": ["portal"], **service}}
    with pytest.raises(RulesError, match=problem):
        parse_rules(yaml.safe_dump(document, allow_unicode=True))


async def test_http_verifier_via_gateway_asks_through_the_sync_channel(
    world: World, systems: dict[str, SystemCert]
) -> None:
    revoked = issue_system(world.ca, "provider.akmola.culture")
    world.endpoint.revoke(revoked.certificate, x509.ReasonFlags.key_compromise)
    roots_pem = world.ca.root.certificate.public_bytes(serialization.Encoding.PEM)
    transport = LoopTransport(world.client, asyncio.get_running_loop())
    payload = b"{}"
    with httpx.Client(transport=transport) as sync_client:
        relying = http_verifier(
            roots_pem,
            SystemClock(),
            sync_client,
            via_gateway=ViaGateway("http://gw", systems["provider.almaty.culture"].signer),
        )
        result = await asyncio.to_thread(relying.verify, payload, revoked.signer.sign(payload))
    assert result.code is VerificationCode.CERT_REVOKED
    logged = await world.gateway.log.query(Query(sender="provider.almaty.culture"))
    assert {e.record for e in logged} == {Record.SYNC_REQUEST, Record.SYNC_RESPONSE}


async def test_a_signed_call_by_a_persons_certificate_is_not_a_systems(
    world: World, systems: dict[str, SystemCert]
) -> None:
    """The sync channel's signed-call form, as the asynchronous channel's admission: only an
    information system's certificate speaks for a system; a person's is SENDER_MISMATCH
    even when the sender header names its own subject."""
    person = issue_holder(
        world.ca, "person", Individual(make_iin(date(1990, 1, 1), Gender.MALE, 7), "Portal", "Sync")
    )
    der = ocsp_request(systems["portal"].certificate, world.ca.issuing.certificate)
    headers = {
        "Content-Type": OCSP_REQUEST,
        **sign_request(person.signer, "POST", "/sync/pki.ocsp", der),
        "X-Egov-Sender": person.signer.identity.subject,
    }
    response = await world.client.post("/sync/pki.ocsp", content=der, headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, "SENDER_MISMATCH")
    assert "not an information system's" in response.json()["message"]
    assert world.provider_calls == []
