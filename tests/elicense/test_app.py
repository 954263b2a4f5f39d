"""The whole service as bootstrap builds it, over the in-memory bus: a portal request delivered
to ``to.elicense`` (as the gateway would), duplicates absorbed by the inbox, messages relayed
to the gateway's inbound exchange, staff calls signed with their certificates."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from elicense_svc import messages as msg
from elicense_svc.bootstrap import bootstrap
from elicense_svc.domain import events as ev
from elicense_svc.domain.permit import signing_bytes
from elicense_svc.settings import ElicenseSettings
from shared.bus.memory import InMemoryBus
from shared.bus.port import Binding, Delivery, Message, QueueSpec
from shared.clock import SimulatedClock
from shared.config import load_settings
from shared.envelope import Envelope
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.http_signing import sign_request
from shared.pki.jws import JwsSigner
from shared.pki.profiles import InformationSystem
from tests.elicense.conftest import (
    ALMATY_CULTURE_BIN,
    APPLICANT_IIN,
    CLERK_IIN,
    DIRECTORY,
    EXECUTOR_IIN,
    HEAD_IIN,
    UNKNOWN_IIN,
    FakeRegistry,
    Pki,
    portal_body,
)
from tests.services.fakes import serving

Call = Callable[..., Awaitable[httpx.Response]]


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(500):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def portal_envelope(pki: Pki, request_id: str, clock: SimulatedClock) -> bytes:
    envelope = Envelope(
        message_id=uuid.uuid4(),
        correlation_id=request_id,
        type=msg.SUBMIT_TYPE,
        sender="portal",
        recipient="elicense",
        service_code="cultural_values_export",
        sent_at=clock.now(),
        body=portal_body(
            pki.applicant(APPLICANT_IIN),
            at=clock.now(),
            request_id=request_id,
            service="A",
            applicant_iin=APPLICANT_IIN,
        ),
    )
    return envelope.signed(pki.signer(InformationSystem("portal"))).model_dump_json().encode()


def signed_call(client: httpx.AsyncClient) -> Call:
    async def call(
        signer: JwsSigner | None, method: str, path: str, body: Any = None
    ) -> httpx.Response:
        content = b"" if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json"}
        if signer is not None:
            headers.update(sign_request(signer, method, path, content))
        return await client.request(method, path, content=content, headers=headers)

    return call


@pytest.fixture
async def world(
    tmp_path: Path,
    store: SqliteEventStore,
    clock: SimulatedClock,
    pki: Pki,
    registry: FakeRegistry,
    elicense_signer: JwsSigner,
) -> AsyncIterator[tuple[httpx.AsyncClient, InMemoryBus, list[Envelope]]]:
    directory = tmp_path / "directory.yaml"
    directory.write_text(yaml.safe_dump(DIRECTORY, allow_unicode=True), encoding="utf-8")
    settings = load_settings(ElicenseSettings, directory_file=directory, data_dir=tmp_path)
    bus = InMemoryBus()
    await bus.connect()
    # What the gateway receives from elicense: its inbound exchange, routing key "elicense".
    await bus.declare_exchange(msg.INBOUND_EXCHANGE)
    await bus.declare_queue(QueueSpec("capture", [Binding(msg.INBOUND_EXCHANGE, "elicense")]))
    captured: list[Envelope] = []

    async def capture(delivery: Delivery) -> None:
        captured.append(Envelope.model_validate_json(delivery.message.body))

    consumer = await bus.consume("capture", capture)
    service = bootstrap(
        settings,
        store=store,
        bus=bus,
        clock=clock,
        signer=elicense_signer,
        verifier=pki.verifier(),
        lookup=registry,
    )
    async with serving(service.app) as client:
        yield client, bus, captured
    await consumer.stop()
    await bus.close()


async def deliver(bus: InMemoryBus, raw: bytes, message_id: str) -> None:
    await bus.publish(Message(msg.DELIVER_EXCHANGE, "elicense", raw, message_id))


async def test_portal_request_to_permit_through_the_app(
    world: tuple[httpx.AsyncClient, InMemoryBus, list[Envelope]],
    store: SqliteEventStore,
    clock: SimulatedClock,
    pki: Pki,
) -> None:
    client, bus, captured = world
    call = signed_call(client)
    raw = portal_envelope(pki, "web-1", clock)
    await deliver(bus, raw, "m-1")
    await deliver(bus, raw, "m-1")  # the gateway's redelivery: the inbox absorbs it

    async def found() -> bool:
        events = await store.read_stream(ev.request_stream("web-1"))
        return any(e.type == ev.REGISTRY_RECORD_FOUND for e in events)

    await eventually(found, "the registry check")
    clerk = pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN)
    head = pki.staff(HEAD_IIN, ALMATY_CULTURE_BIN)
    executor = pki.staff(EXECUTOR_IIN, ALMATY_CULTURE_BIN)
    listing = await call(clerk, "GET", "/staff/requests")
    assert listing.status_code == 200, listing.text
    assert [r["number"] for r in listing.json()] == ["ALA-CUL-2014-000001"]
    base = "/staff/requests/web-1"
    for signer, step, outcome in [
        (executor, "register_portal", "registered"),  # 000 p.5.1: a portal request
        (head, "assign_executor", "assigned"),
        (executor, "check_documents", "complete"),
        (executor, "prepare_result", "result_drafted"),
    ]:
        answer = await call(signer, "POST", f"{base}/actions", {"step": step, "outcome": outcome})
        assert answer.status_code == 200, answer.text
    draft = await call(head, "POST", f"{base}/permit-draft")
    assert draft.status_code == 200, draft.text
    document = draft.json()["document"]
    signature = head.sign(signing_bytes(document))
    signed = await call(
        head,
        "POST",
        f"{base}/actions",
        {"step": "sign", "outcome": "signed", "document_signature": signature},
    )
    assert signed.status_code == 200, signed.text
    done = await call(clerk, "POST", f"{base}/actions", {"step": "hand_out", "outcome": "issued"})
    assert done.json()["status"] == "completed"
    public = await client.get(f"/permits/{document['permit_number']}")
    assert public.status_code == 200
    assert public.json()["state"] == "valid"
    assert public.json()["signature"]["valid"] is True

    async def delivered() -> bool:
        return any(e.type == msg.RESULT_ISSUED_TYPE for e in captured)

    await eventually(delivered, "the result relayed to the gateway")
    # One registration despite two deliveries; every relayed message is signed by elicense.
    registered = [e for e in captured if e.body.get("status") == "registered"]
    assert len(registered) == 1
    assert all(e.sender == "elicense" for e in captured)


async def test_staff_authentication_and_scope(
    world: tuple[httpx.AsyncClient, InMemoryBus, list[Envelope]], pki: Pki
) -> None:
    client, _, _ = world
    call = signed_call(client)
    unsigned = await call(None, "GET", "/staff/requests")
    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "AUTHORIZATION_REFUSED"
    stranger = pki.staff(UNKNOWN_IIN, ALMATY_CULTURE_BIN)
    refused = await call(stranger, "GET", "/staff/requests")
    assert refused.status_code == 401
    assert "not E-licensing staff" in refused.json()["message"]
    wrong_bin = pki.staff(CLERK_IIN, "0" * 11 + "1")
    refused = await call(wrong_bin, "GET", "/staff/requests")
    assert refused.status_code == 401
    clerk = pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN)
    # A signature over another target does not authenticate this one.
    headers = sign_request(clerk, "GET", "/staff/requests/x")
    replayed = await client.get("/staff/requests", headers=headers)
    assert replayed.status_code == 401
    missing = await call(clerk, "GET", "/staff/requests/nope")
    assert missing.status_code == 404
    assert missing.json()["code"] == "REQUEST_NOT_FOUND"


async def test_a_captured_staff_call_is_accepted_once(
    world: tuple[httpx.AsyncClient, InMemoryBus, list[Envelope]], pki: Pki
) -> None:
    client, _, _ = world
    clerk = pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN)
    captured = sign_request(clerk, "GET", "/staff/requests")
    assert (await client.get("/staff/requests", headers=captured)).status_code == 200
    replayed = await client.get("/staff/requests", headers=captured)
    assert replayed.status_code == 401
    assert replayed.json()["reason"] == "REQUEST_REPLAYED"
    stale = sign_request(
        clerk, "GET", "/staff/requests", now=datetime.now(UTC) - timedelta(minutes=6)
    )
    expired = await client.get("/staff/requests", headers=stale)
    assert (expired.status_code, expired.json()["reason"]) == (401, "REQUEST_EXPIRED")


async def test_staff_intake_through_the_api(
    world: tuple[httpx.AsyncClient, InMemoryBus, list[Envelope]], pki: Pki
) -> None:
    client, _, _ = world
    call = signed_call(client)
    clerk = pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN)
    scan = {"code": "standard_p9_documents", "name": "passport.pdf", "content_base64": "JVBERi0x"}
    created = await call(
        clerk,
        "POST",
        "/staff/requests",
        {"request_id": "desk-1", "service": "B", "applicant_iin": APPLICANT_IIN},
    )
    assert created.status_code == 201, created.text
    assert created.json()["number"] == "ALA-CUL-2014-000001"
    attached = await call(clerk, "POST", "/staff/requests/desk-1/documents", {"documents": [scan]})
    assert attached.status_code == 200, attached.text
    assert attached.json()["documents"][0]["size"] == 6
    bad = await call(
        clerk,
        "POST",
        "/staff/requests",
        {"request_id": "desk-2", "service": "B", "applicant_iin": "123"},
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "APPLICANT_ID"
