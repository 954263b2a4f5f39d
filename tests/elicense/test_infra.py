"""elicense on PostgreSQL and RabbitMQ: a portal request arrives while the registry is down,
the service stops and starts again, the registry comes back, and the request completes with
one registration, one registry answer and one result: nothing lost, nothing done twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI

from elicense_svc import messages as msg
from elicense_svc.bootstrap import bootstrap
from elicense_svc.domain import events as ev
from elicense_svc.domain.permit import signing_bytes
from elicense_svc.projections import default_engines, rebuild
from elicense_svc.settings import ElicenseSettings
from shared.bus.port import Binding, Delivery, Message, QueueSpec
from shared.bus.rabbitmq import RabbitMqBus
from shared.clock import SimulatedClock
from shared.config import load_settings
from shared.envelope import Envelope
from shared.eventlog.factory import open_event_store
from shared.eventlog.port import EventStore
from shared.pki.jws import JwsSigner
from tests.elicense.conftest import (
    ALMATY_CULTURE_BIN,
    CLERK_IIN,
    DIRECTORY,
    EXECUTOR_IIN,
    HEAD_IIN,
    FakeRegistry,
    Pki,
)
from tests.elicense.test_app import portal_envelope, signed_call
from tests.services.fakes import serving

pytestmark = pytest.mark.infra


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(1000):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


async def test_registry_outage_and_restart_lose_nothing(
    tmp_path: Path,
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    clock: SimulatedClock,
    pki: Pki,
    registry: FakeRegistry,
    elicense_signer: JwsSigner,
) -> None:
    directory = tmp_path / "directory.yaml"
    directory.write_text(yaml.safe_dump(DIRECTORY, allow_unicode=True), encoding="utf-8")
    settings = load_settings(ElicenseSettings, directory_file=directory, data_dir=tmp_path)
    store: EventStore = await open_event_store(f"{pg_dsn}?schema={pg_schema}", clock=clock)
    bus = RabbitMqBus(amqp_url, namespace=unique_name + ".", connection_name=unique_name)
    await bus.connect()
    captured: list[Envelope] = []

    async def capture(delivery: Delivery) -> None:
        captured.append(Envelope.model_validate_json(delivery.message.body))

    await bus.declare_exchange(msg.INBOUND_EXCHANGE)
    await bus.declare_queue(QueueSpec("capture", [Binding(msg.INBOUND_EXCHANGE, "elicense")]))
    capturing = await bus.consume("capture", capture)

    def service_app() -> FastAPI:  # a fresh instance on the same log and broker
        return bootstrap(
            settings,
            store=store,
            bus=bus,
            clock=clock,
            signer=elicense_signer,
            verifier=pki.verifier(),
            lookup=registry,
        ).app

    try:
        registry.down = True
        raw = portal_envelope(pki, "pg-1", clock)
        async with serving(service_app()):
            for _ in range(2):  # the same message twice: the gateway's redelivery
                await bus.publish(Message(msg.DELIVER_EXCHANGE, "elicense", raw, "pg-msg-1"))

            async def deferred() -> bool:
                events = await store.read_stream(ev.request_stream("pg-1"))
                return any(e.type == ev.REGISTRY_CHECK_DEFERRED for e in events)

            await eventually(deferred, "the request waiting for the registry")
        # Stopped. The registry comes back while elicense is down; a new instance starts.
        registry.down = False
        async with serving(service_app()) as client:
            await clock.advance(timedelta(minutes=1))  # past the retry instant

            async def found() -> bool:
                events = await store.read_stream(ev.request_stream("pg-1"))
                return any(e.type == ev.REGISTRY_RECORD_FOUND for e in events)

            await eventually(found, "the registry check after the restart")
            call = signed_call(client)
            clerk = pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN)
            head = pki.staff(HEAD_IIN, ALMATY_CULTURE_BIN)
            executor = pki.staff(EXECUTOR_IIN, ALMATY_CULTURE_BIN)
            base = "/staff/requests/pg-1"
            for signer, step, outcome in [
                (executor, "register_portal", "registered"),
                (head, "assign_executor", "assigned"),
                (executor, "check_documents", "complete"),
                (executor, "prepare_result", "result_drafted"),
            ]:
                answer = await call(
                    signer, "POST", f"{base}/actions", {"step": step, "outcome": outcome}
                )
                assert answer.status_code == 200, answer.text
            document = (await call(head, "POST", f"{base}/permit-draft")).json()["document"]
            signature = head.sign(signing_bytes(document))
            action = {"step": "sign", "outcome": "signed", "document_signature": signature}
            assert (await call(head, "POST", f"{base}/actions", action)).status_code == 200
            done = await call(
                clerk, "POST", f"{base}/actions", {"step": "hand_out", "outcome": "issued"}
            )
            assert done.json()["status"] == "completed"

            async def result_out() -> bool:
                return any(e.type == msg.RESULT_ISSUED_TYPE for e in captured)

            await eventually(result_out, "the result relayed")
        events = await store.read_stream(ev.request_stream("pg-1"))
        counts = {t: sum(e.type == t for e in events) for t in {e.type for e in events}}
        assert counts[ev.REQUEST_RECEIVED] == 1
        assert counts[ev.REGISTRY_RECORD_FOUND] == 1
        assert counts[ev.REGISTRY_CHECK_DEFERRED] == 1
        # Publication is at least once (a restart may publish a row again); receivers dedupe by
        # message id, so distinct ids are what the portal sees: "registered" at intake,
        # "awaiting_registry", "registered" again when the first step's status returns.
        notified = {e.message_id: e.body["status"] for e in captured if e.type == msg.STATUS_TYPE}
        assert list(notified.values())[:3] == ["registered", "awaiting_registry", "registered"]
        results = {e.message_id for e in captured if e.type == msg.RESULT_ISSUED_TYPE}
        assert len(results) == 1
        report = await rebuild(store, default_engines())
        assert json.dumps(sorted(report.permits)) == json.dumps([document["permit_number"]])
    finally:
        await capturing.stop()
        await bus.delete_declared()
        await bus.close()
        await store.close()
