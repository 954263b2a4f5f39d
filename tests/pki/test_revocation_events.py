"""The НУЦ's pki.revoked event: a verified one from the registry drops the revoked
certificate's cached OCSP answer; a forged one, or one signed by another system, drops
nothing and is refused (dropped, logged)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from cryptography import x509

from shared.bus.memory import InMemoryBus
from shared.bus.port import Delivery, Message, Reject
from shared.canonical import canonical_json
from shared.clock import SimulatedClock
from shared.envelope import Envelope
from shared.eventlog.port import OutboxMessage
from shared.outbox import to_bus_message
from shared.pki.jws import JwsSigner, JwsVerifier
from shared.pki.profiles import InformationSystem
from shared.pki.revocation_client import RevocationAnswer, RevocationChecker, RevocationState
from shared.pki.revocation_events import (
    PKI_EXCHANGE,
    REVOKED_ROUTING_KEY,
    RevocationFeed,
    revoked_message,
)
from tests.pki.conftest import CaPair, IssueFn
from tests.pki.fakes import FakeCaEndpoint


class _Setup:
    def __init__(self, test_ca: CaPair, issue: IssueFn) -> None:
        self.ca = test_ca
        self.clock = SimulatedClock(datetime.now(UTC))
        self.endpoint = FakeCaEndpoint(test_ca, self.clock)
        self.checker = RevocationChecker(self.endpoint, self.clock)
        self.verifier = JwsVerifier([test_ca.root.certificate], self.clock, self.checker)
        self.applicant = issue().certificate
        registry = issue(InformationSystem("registry"))
        portal = issue(InformationSystem("portal"))
        self.registry = JwsSigner(registry.key, registry.certificate, [test_ca.issuing.certificate])
        self.portal = JwsSigner(portal.key, portal.certificate, [test_ca.issuing.certificate])
        # The applicant's good answer is cached before the revocation.
        assert self.check().source == "ocsp"
        assert self.check().source == "ocsp-cache"
        self.endpoint.revoke(self.applicant, x509.ReasonFlags.key_compromise)

    def check(self) -> RevocationAnswer:
        return self.checker.check(self.applicant, self.ca.issuing.certificate)

    def event(self, signer: JwsSigner) -> OutboxMessage:
        return revoked_message(
            signer,
            serial=self.applicant.serial_number,
            issuer=self.ca.issuing.certificate.subject.rfc4514_string(),
            revoked_at=self.clock.now(),
            reason="keyCompromise",
            sent_at=self.clock.now(),
        )

    def feed(self) -> RevocationFeed:
        return RevocationFeed(InMemoryBus(), lambda: self.verifier, service="portal")


def _delivery(message: Message) -> Delivery:
    return Delivery(message=message, queue="q", attempt=1, redelivered=False)


@pytest.fixture
def setup(test_ca: CaPair, issue: IssueFn) -> _Setup:
    return _Setup(test_ca, issue)


def _state(setup: _Setup) -> tuple[RevocationState, str]:
    answer = setup.checker.check(setup.applicant, setup.ca.issuing.certificate)
    return answer.state, answer.source


async def test_the_registrys_event_drops_the_cached_answer(setup: _Setup) -> None:
    assert _state(setup) == (RevocationState.GOOD, "ocsp-cache")  # the cache still says good
    await setup.feed().handle(_delivery(to_bus_message(setup.event(setup.registry))))
    assert _state(setup) == (RevocationState.REVOKED, "ocsp")


async def test_an_event_signed_by_another_system_is_refused(setup: _Setup) -> None:
    """The portal signs a pki.revoked claiming to be the registry: the signature verifies, the
    signer is not the registry, nothing is dropped."""
    with pytest.raises(Reject, match="not by the registry"):
        await setup.feed().handle(_delivery(to_bus_message(setup.event(setup.portal))))
    assert _state(setup) == (RevocationState.GOOD, "ocsp-cache")


async def test_a_tampered_event_is_refused(setup: _Setup) -> None:
    row = setup.event(setup.registry)
    envelope = Envelope.model_validate_json(row.body)
    forged = envelope.model_copy(update={"body": {**envelope.body, "serial": "abc"}})
    message = to_bus_message(row)
    tampered = Message(
        exchange=message.exchange,
        routing_key=message.routing_key,
        body=canonical_json(forged.model_dump(mode="json")),
        message_id=message.message_id,
    )
    with pytest.raises(Reject, match="BAD_SIGNATURE"):
        await setup.feed().handle(_delivery(tampered))
    assert _state(setup) == (RevocationState.GOOD, "ocsp-cache")


async def test_an_unsigned_or_foreign_message_is_refused(setup: _Setup) -> None:
    with pytest.raises(Reject, match="not an envelope"):
        await setup.feed().handle(
            _delivery(Message(PKI_EXCHANGE, REVOKED_ROUTING_KEY, b"{}", "m-1"))
        )
    envelope = Envelope.model_validate_json(setup.event(setup.registry).body)
    unsigned = envelope.model_copy(update={"signature": None})
    with pytest.raises(Reject, match="BAD_SIGNATURE"):
        await setup.feed().handle(
            _delivery(
                Message(
                    PKI_EXCHANGE,
                    REVOKED_ROUTING_KEY,
                    canonical_json(unsigned.model_dump(mode="json")),
                    "m-2",
                )
            )
        )
    assert _state(setup) == (RevocationState.GOOD, "ocsp-cache")


async def test_over_the_bus_every_listener_gets_the_event(setup: _Setup) -> None:
    """Two listeners (two processes of one service, say) each bind their own queue."""
    bus = InMemoryBus()
    await bus.connect()
    handled: list[str] = []
    done = asyncio.Event()

    class Counting(RevocationFeed):
        async def handle(self, delivery: Delivery) -> None:
            await super().handle(delivery)
            handled.append(self.queue)
            if len(handled) == 2:
                done.set()

    feeds = [Counting(bus, lambda: setup.verifier, service="portal") for _ in range(2)]
    for feed in feeds:
        await feed.start()
    assert feeds[0].queue != feeds[1].queue
    await bus.publish(to_bus_message(setup.event(setup.registry)))
    await asyncio.wait_for(done.wait(), timeout=5)
    assert sorted(handled) == sorted(feed.queue for feed in feeds)
    assert _state(setup) == (RevocationState.REVOKED, "ocsp")
    for feed in feeds:
        await feed.stop()
    await bus.close()


async def test_a_broker_down_at_start_up_delays_the_listener_not_the_service(
    setup: _Setup,
) -> None:
    """The service starts with the broker down (/health says so); the feed listens as soon as
    the broker answers, and then gets events."""
    bus = InMemoryBus()  # not connected yet: every call fails
    done = asyncio.Event()

    class Signalling(RevocationFeed):
        async def handle(self, delivery: Delivery) -> None:
            await super().handle(delivery)
            done.set()

    feed = Signalling(bus, lambda: setup.verifier, service="portal")
    await feed.start()  # does not raise
    await bus.connect()
    published = False
    for _ in range(200):  # the feed retries after 0.5 s; publish once its queue is bound
        try:
            await bus.publish(to_bus_message(setup.event(setup.registry)))
            published = True
        except Exception:  # nothing bound yet: the in-memory bus refuses
            await asyncio.sleep(0.05)
            continue
        if done.is_set() or await _wait(done, 0.2):
            break
    assert published
    await asyncio.wait_for(done.wait(), timeout=5)
    assert _state(setup) == (RevocationState.REVOKED, "ocsp")
    await feed.stop()
    await bus.close()


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(event.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
