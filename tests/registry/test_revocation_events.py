"""The НУЦ announces each revocation: the signed pki.revoked envelope is committed with the
revocation (the registry's outbox) and relayed to egov.pki, signed by the registry's own
system certificate."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography import x509

from registry_svc.announce import KEY_FILE, RevocationEvents, announce_with, registry_signer
from registry_svc.components import RegistryComponents
from registry_svc.errors import Conflict
from shared.bus.memory import InMemoryBus
from shared.bus.port import Delivery
from shared.clock import SimulatedClock
from shared.envelope import Envelope
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki.profiles import Individual, KeyPurpose
from shared.pki.revocation_events import (
    PKI_EXCHANGE,
    REVOKED_ROUTING_KEY,
    REVOKED_TYPE,
    RevocationFeed,
)

HOLDER = Individual(iin="900101300126", surname="SEITKALIYEVA", given_name="AIGERIM")


async def _issue(components: RegistryComponents) -> int:
    issued = await components.ca.issue(HOLDER, KeyPurpose.SIGNING, password="pw")
    return issued.serial


async def test_the_revocation_and_its_event_are_one_append(
    components: RegistryComponents, store: SqliteEventStore, clock: SimulatedClock, tmp_path: Path
) -> None:
    """No relay runs: the row is in the outbox all the same, so a crash right after the
    revocation loses nothing (the relay publishes it at the next start)."""
    signer = await registry_signer(components.ca, tmp_path / "data", clock)
    announce_with(components.ca, signer, clock)
    serial = await _issue(components)
    before = len(await store.pending_outbox())
    await components.ca.revoke(serial, x509.ReasonFlags.key_compromise)
    rows = [row.message for row in await store.pending_outbox()]
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.exchange, row.routing_key) == (PKI_EXCHANGE, REVOKED_ROUTING_KEY)
    envelope = Envelope.model_validate_json(row.body)
    assert (envelope.type, envelope.sender) == (REVOKED_TYPE, "registry")
    assert envelope.body["serial"] == format(serial, "x")
    assert envelope.body["reason"] == "keyCompromise"
    assert envelope.body["issuer"] == (
        components.ca.keys.issuing.certificate.subject.rfc4514_string()
    )
    result = envelope.verify(components.verifier)
    assert result.ok, result.detail
    assert result.identity is not None
    assert result.identity.subject == "registry"


async def test_the_registrys_key_is_issued_once_and_reused(
    components: RegistryComponents, clock: SimulatedClock, tmp_path: Path
) -> None:
    first = await registry_signer(components.ca, tmp_path / "data", clock)
    again = await registry_signer(components.ca, tmp_path / "data", clock)
    assert (tmp_path / "data" / "ca" / KEY_FILE).stat().st_mode & 0o077 == 0
    assert first.identity.serial == again.identity.serial


async def test_a_refused_revocation_announces_nothing(
    components: RegistryComponents, store: SqliteEventStore, clock: SimulatedClock, tmp_path: Path
) -> None:
    announce_with(
        components.ca, await registry_signer(components.ca, tmp_path / "data", clock), clock
    )
    serial = await _issue(components)
    await components.ca.revoke(serial, x509.ReasonFlags.key_compromise)
    before = len(await store.pending_outbox())
    with pytest.raises(Conflict, match="already revoked"):
        await components.ca.revoke(serial, x509.ReasonFlags.key_compromise)
    assert len(await store.pending_outbox()) == before


async def test_the_relay_publishes_it_to_every_listener(
    components: RegistryComponents, store: SqliteEventStore, clock: SimulatedClock, tmp_path: Path
) -> None:
    bus = InMemoryBus()
    await bus.connect()
    events = RevocationEvents(
        components.ca,
        store,
        bus,
        lambda: components.verifier,
        data_dir=tmp_path / "data",
        clock=clock,
    )
    await events.start()
    got: asyncio.Queue[Envelope] = asyncio.Queue()

    class Listening(RevocationFeed):
        async def handle(self, delivery: Delivery) -> None:
            await super().handle(delivery)  # verified, or it raises
            got.put_nowait(Envelope.model_validate_json(delivery.message.body))

    listener = Listening(bus, lambda: components.verifier, service="portal")
    await listener.start()
    serial = await _issue(components)
    await components.ca.revoke(serial, x509.ReasonFlags.key_compromise)
    envelope = await asyncio.wait_for(got.get(), timeout=10)
    assert envelope.body["serial"] == format(serial, "x")
    await listener.stop()
    await events.stop()
    await bus.close()
