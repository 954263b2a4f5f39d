"""The example subscriber (examples/subscriber/, plain aio-pika, not the project's code) against
real status events: the real gateway on RabbitMQ fans out what a provider workstation sends, the
consumer validates each against the contract's schema and verifies its signature; a tampered
event, one signed under another CA and one that breaks the schema are each rejected, naming why.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import json
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from shared.bus.port import Message
from shared.envelope import Envelope
from shared.pki.profiles import InformationSystem
from tests.pki.conftest import CaPair
from tests.provider.conftest import ALMATY_2019, applicant_body
from tests.provider.support import Stack, gateway_stack, make_long_ca, make_signer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "subscriber" / "subscriber.py"
SCHEMA = ROOT / "docs" / "asyncapi" / "schemas" / "status-notification.json"
CULTURE = "provider.almaty.culture"
PROJECT_PACKAGES = {
    "shared",
    "egov",
    "regulations",
    "tests",
    "portal_svc",
    "gateway_svc",
    "elicense_svc",
    "registry_svc",
    "provider_svc",
}


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("egov_example_subscriber", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through it
    spec.loader.exec_module(module)
    return module


example = _load_example()


def test_the_example_imports_nothing_from_the_project() -> None:
    tree = ast.parse(EXAMPLE.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert imported & PROJECT_PACKAGES == set()
    third_party = imported - set(sys.stdlib_module_names) - {"__future__"}
    assert third_party == {"aio_pika", "jsonschema", "rfc8785", "cryptography", "joserfc"}


def _event(seq: int, status: str) -> Any:
    body = {"request_id": "r-1", "seq": seq, "status": status}
    return example.StatusEvent(f"cultural_values_export.{status}", {"body": body}, CULTURE)


def test_a_late_event_with_a_lower_seq_never_becomes_the_current_status() -> None:
    current = example.CurrentStatuses()
    assert current.record(_event(2, "under_review"))
    assert not current.record(_event(1, "registered"))  # delivered late: history only
    assert current.current("r-1") == "under_review"
    assert not current.record(_event(2, "under_review"))  # the same event again
    assert current.record(_event(3, "completed"))
    assert (current.current("r-1"), current.current("r-2")) == ("completed", None)


@pytest.fixture(scope="module")
def long_ca() -> CaPair:
    return make_long_ca()


class Collected:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.rejected: list[tuple[bytes, str]] = []

    async def on_event(self, event: Any) -> None:
        self.events.append(event)

    async def on_rejected(self, raw: bytes, reason: str) -> None:
        self.rejected.append((raw, reason))


async def _until(predicate: Any, what: str) -> None:
    try:
        async with asyncio.timeout(20):
            while not predicate():  # noqa: ASYNC110 - the consumer's callbacks fill the lists
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def _publish_status(stack: Stack, routing_key: str, document: dict[str, Any]) -> None:
    # Straight onto egov.status, as an attacker on the broker could: the gateway never saw it.
    await stack.bus.publish(
        Message("egov.status", routing_key, json.dumps(document).encode(), str(uuid.uuid4())),
        mandatory=False,
    )


@pytest.mark.infra
async def test_plain_aio_pika_consumer_validates_and_verifies_real_status_events(
    long_ca: CaPair,
    pg_dsn: str,
    pg_schema: str,
    amqp_url: str,
    unique_name: str,
    tmp_path: Path,
) -> None:
    seen = Collected()
    async with gateway_stack(
        start=ALMATY_2019,
        ca=long_ca,
        pg_dsn=pg_dsn,
        pg_schema=pg_schema,
        amqp_url=amqp_url,
        unique_name=unique_name,
        tmp_path=tmp_path,
    ) as s:
        subscriber = example.StatusSubscriber(
            amqp_url,
            validator=example.schema_validator(json.loads(SCHEMA.read_text(encoding="utf-8"))),
            anchors=[long_ca.root.certificate],
            on_event=seen.on_event,
            on_rejected=seen.on_rejected,
            bindings=["cultural_values_export.*"],
            exchange=f"{unique_name}.egov.status",
        )
        await subscriber.start()
        try:
            await s.listen("portal")
            rid = await s.send(
                "portal",
                CULTURE,
                type="request.submitted.v1",
                service_code="cultural_values_export",
                body=applicant_body(),
            )
            await s.at_workstation(rid)
            await s.act(CULTURE, rid, "office_clerk", "register", "registered")
            await _until(lambda: len(seen.events) >= 2, "two status events at the subscriber")

            # Real events: valid, verified, signed by the workstation, the portal's copies.
            assert seen.rejected == []
            assert [e.body["status"] for e in seen.events][:1] == ["registered"]
            assert sorted(e.seq for e in seen.events) == list(range(1, len(seen.events) + 1))
            for event in seen.events:
                assert event.signer == CULTURE
                assert event.envelope["correlation_id"] == rid
                assert event.routing_key == f"cultural_values_export.{event.body['status']}"
            await _until(lambda: len(s.statuses("portal", rid)) >= 2, "the portal's copies")
            portal_ids = {str(e.message_id) for e in s.received["portal"]}
            assert {e.envelope["message_id"] for e in seen.events} <= portal_ids

            original = seen.events[0].envelope
            key = seen.events[0].routing_key
            # 1. Tampered: a schema-valid change after signing.
            tampered = {**original, "body": {**original["body"], "step": "sign"}}
            await _publish_status(s, key, tampered)
            # 2. Signed correctly, but under a CA the subscriber does not trust.
            forged = Envelope.model_validate(original).signed(
                make_signer(make_long_ca(), InformationSystem(CULTURE))
            )
            await _publish_status(s, key, json.loads(forged.model_dump_json()))
            # 3. Breaks the schema (an unknown status).
            broken = {**original, "body": {**original["body"], "status": "teleported"}}
            await _publish_status(s, key, broken)
            await _until(lambda: len(seen.rejected) >= 3, "three rejections")
        finally:
            await subscriber.close()
    reasons = [reason for _, reason in seen.rejected]
    assert "signature does not verify" in reasons[0]
    assert "trust anchor" in reasons[1]
    assert "breaks the schema at body" in reasons[2]
