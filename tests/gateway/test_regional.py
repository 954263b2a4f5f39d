"""The regional gateway (ЭҮАШ) checks what it takes off its queue itself, on the real broker and
database: a queue is not a trust boundary. Only the central gateway publishes to the regional
exchange, but anyone with access to the broker can; what the central gateway did not admit (an
unsigned envelope, one signed by a system for another, a validly signed one it never saw, one for
another region) is parked with its reason, never logged as relayed and never delivered. The
real journey still passes, and a copy of it is not delivered twice."""

from __future__ import annotations

import asyncio
import json

import pytest

from gateway_svc.messagelog import Record
from gateway_svc.topology import REGIONAL_EXCHANGE, recipient_queue, regional_queue
from shared.bus.port import DeadLetter, Message
from shared.envelope import Envelope
from tests.gateway.conftest import Harness, SystemCert, envelope

pytestmark = pytest.mark.infra

ALMATY = "provider.almaty.culture"
ASTANA = "provider.astana.archives"


async def _publish_regional(harness: Harness, region: str, raw: bytes, message_id: str) -> None:
    """What an attacker with access to the broker can do: publish straight to a region."""
    await harness.bus.publish(Message(REGIONAL_EXCHANGE, region, raw, message_id))


async def _parked(harness: Harness, region: str, message_id: str) -> DeadLetter:
    found: list[DeadLetter] = []

    async def arrived() -> bool:
        letters = await harness.bus.dead_letters(regional_queue(region))
        found[:] = [d for d in letters if d.message.message_id == message_id]
        return bool(found)

    await harness.wait_for(arrived, f"{message_id} parked in {regional_queue(region)}")
    return found[0]


async def _nothing_relayed(harness: Harness, message_id: str, inbox: list[Message]) -> None:
    await asyncio.sleep(0.3)  # a delivery, had there been one, would have arrived by now
    assert [m for m in inbox if m.message_id == message_id] == []
    assert not [e for e in await harness.records(message_id) if e.record == Record.RELAYED]
    assert await harness.gateway.log.deliveries(message_id) == []


async def test_an_unsigned_envelope_on_the_regional_exchange_is_parked_not_delivered(
    harness: Harness,
) -> None:
    inbox = await harness.listen(recipient_queue(ALMATY))
    env = envelope("portal", ALMATY)
    mid = str(env.message_id)
    await _publish_regional(harness, "almaty", env.model_dump_json().encode(), mid)
    parked = await _parked(harness, "almaty", mid)
    assert parked.reason == "BAD_SIGNATURE: envelope is unsigned"
    await _nothing_relayed(harness, mid, inbox)


async def test_a_validly_signed_envelope_the_central_gateway_never_admitted_is_parked(
    harness: Harness, systems: dict[str, SystemCert]
) -> None:
    inbox = await harness.listen(recipient_queue(ALMATY))
    env = envelope("portal", ALMATY).signed(systems["portal"].signer)
    mid = str(env.message_id)
    await _publish_regional(harness, "almaty", env.model_dump_json().encode(), mid)
    parked = await _parked(harness, "almaty", mid)
    assert parked.reason.startswith(f"NOT_ADMITTED: the central gateway accepted no message {mid}")
    await _nothing_relayed(harness, mid, inbox)


async def test_an_envelope_signed_by_another_system_than_its_sender_is_parked(
    harness: Harness, systems: dict[str, SystemCert]
) -> None:
    inbox = await harness.listen(recipient_queue(ALMATY))
    env = envelope("portal", ALMATY).signed(systems["elicense"].signer)
    mid = str(env.message_id)
    await _publish_regional(harness, "almaty", env.model_dump_json().encode(), mid)
    parked = await _parked(harness, "almaty", mid)
    assert parked.reason.startswith("SENDER_MISMATCH: sender 'portal'")
    await _nothing_relayed(harness, mid, inbox)


async def test_the_real_journey_passes_and_its_copies_are_not_relayed_again(
    harness: Harness, systems: dict[str, SystemCert]
) -> None:
    almaty = await harness.listen(recipient_queue(ALMATY))
    astana = await harness.listen(recipient_queue(ASTANA))
    env = envelope("portal", ALMATY).signed(systems["portal"].signer)
    mid = str(env.message_id)
    raw = env.model_dump_json().encode()
    await harness.send(raw)  # through the central gateway, as every system sends
    await harness.wait_records(mid, Record.DELIVERY, count=2)
    assert [m.message_id for m in almaty] == [mid]
    [relayed] = [e for e in await harness.records(mid) if e.record == Record.RELAYED]
    assert relayed.data["hop"] == "regional.almaty"

    # The admitted bytes, published to the region again: the hop is logged once, delivered once.
    await _publish_regional(harness, "almaty", raw, mid)
    # The same envelope re-encoded (its signature still verifies): not the bytes admitted.
    reencoded = json.dumps(json.loads(raw), indent=1).encode()
    await _publish_regional(harness, "almaty", reencoded, f"{mid}-copy")
    parked = await _parked(harness, "almaty", f"{mid}-copy")
    assert parked.reason.startswith(f"NOT_ADMITTED: message {mid} differs from what the central")
    # The admitted bytes for a provider of another region, put in that region's queue.
    await _publish_regional(harness, "astana", raw, f"{mid}-astana")
    parked = await _parked(harness, "astana", f"{mid}-astana")
    assert parked.reason.startswith(f"WRONG_REGION: {mid} is for '{ALMATY}'")

    await asyncio.sleep(0.5)  # a second delivery, had there been one, would have arrived
    assert [m.message_id for m in almaty] == [mid]
    assert astana == []
    assert len([e for e in await harness.records(mid) if e.record == Record.RELAYED]) == 1
    assert Envelope.model_validate_json(almaty[0].body).signature == env.signature
