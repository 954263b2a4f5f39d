"""A revocation counts everywhere at once: the НУЦ's ``pki.revoked`` event and the listener
every service runs to drop its cached OCSP answer for the revoked certificate.

* **Publisher** (registry_svc): when a certificate is revoked, the ``certificate_revoked`` event
  and a signed ``pki.revoked.v1`` envelope (:func:`revoked_message`) are committed in one
  append; the outbox relay publishes it to the topic exchange ``egov.pki`` (routing key
  ``pki.revoked``; the bus prefixes the stack's namespace, ``EGOV_BUS_NAMESPACE``). A crash
  between the revocation and the publication loses nothing: the relay publishes the row later.
* **Listener** (every service, :func:`watch_revocations`, one call in each bootstrap): each
  process binds its own queue ``pki.revoked.<service>.<random>`` to ``egov.pki``, so every
  process (every replica, each with its own cache) gets every event. The queue is a cache
  invalidation signal, not data: transient (``QueueSpec.transient``: on RabbitMQ classic,
  non-durable, deleted with its consumer), since a process that missed events while it was
  gone starts with an empty cache, and one that misses an event while running (bus down)
  still renews its answer within the OCSP maximum age (``EGOV_OCSP_MAX_AGE_S``), which bounds
  what a missed event can cost.
* **Only the registry may flush.** Dropping a cached answer is cheap (the next check asks the
  responder), but a forged event could still be used to make every service ask OCSP for every
  certificate at will. So an event is acted on only when its envelope signature verifies
  (a certificate of the НУЦ's chain, not revoked) and the signer is the system ``registry``
  and says so as its sender; anything else is dropped (and logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import uuid
from collections.abc import Awaitable, Callable, MutableSequence
from datetime import datetime

import structlog
from pydantic import ValidationError

from shared.bus.port import Binding, Bus, Consumer, Delivery, QueueSpec, Reject
from shared.canonical import canonical_json
from shared.envelope import Envelope
from shared.eventlog.port import OutboxMessage
from shared.pki.revocation_client import forget_everywhere
from shared.signing import Signer, Verifier

PKI_EXCHANGE = "egov.pki"
REVOKED_ROUTING_KEY = "pki.revoked"
# Each process's own listener queue starts with this; it has no retry or dead-letter queues.
LISTENER_QUEUE_PREFIX = "pki.revoked."
REVOKED_TYPE = "pki.revoked.v1"
REGISTRY_SYSTEM = "registry"  # the only sender whose pki.revoked is acted on
BROADCAST = "all"  # the envelope's recipient: every system

Hook = Callable[[], Awaitable[None]]
VerifierOf = Callable[[], Verifier | None]


def revoked_message(
    signer: Signer,
    *,
    serial: int,
    issuer: str,
    revoked_at: datetime,
    reason: str,
    sent_at: datetime,
) -> OutboxMessage:
    """The signed ``pki.revoked.v1`` envelope as an outbox row. ``issuer`` is the issuing CA's
    name (RFC 4514), ``serial`` the certificate's serial number (hex in the body, as the CA's
    API writes it)."""
    message_id = uuid.uuid4()
    envelope = Envelope(
        message_id=message_id,
        correlation_id=str(message_id),
        type=REVOKED_TYPE,
        sender=REGISTRY_SYSTEM,
        recipient=BROADCAST,
        sent_at=sent_at,
        body={
            "serial": format(serial, "x"),
            "issuer": issuer,
            "revoked_at": revoked_at.isoformat(),
            "reason": reason,
        },
    ).signed(signer)
    return OutboxMessage(
        message_id=str(message_id),
        exchange=PKI_EXCHANGE,
        routing_key=REVOKED_ROUTING_KEY,
        body=canonical_json(envelope.model_dump(mode="json")),
    )


class RevocationFeed:
    """One process's listener: verifies each ``pki.revoked`` and drops the revoked serial from
    every caching :class:`~shared.pki.revocation_client.RevocationChecker` of the process."""

    def __init__(self, bus: Bus, verifier: VerifierOf, *, service: str) -> None:
        """``verifier`` gives the service's verifier when an event arrives (some services make
        theirs at start-up); None = the service verifies nothing, so it caches nothing."""
        self._bus = bus
        self._verifier = verifier
        self.queue = f"{LISTENER_QUEUE_PREFIX}{service}.{secrets.token_hex(4)}"
        self._consumer: Consumer | None = None
        self._retry: asyncio.Task[None] | None = None
        self._log = structlog.get_logger("shared.pki.revocation_events")

    async def start(self) -> None:
        """Listen now if the broker answers; if it does not (it may be down at start-up, which
        /health reports), keep trying in the background instead of failing the service: the
        OCSP maximum age bounds what the process misses meanwhile."""
        try:
            await self._subscribe()
        except Exception as exc:
            self._log.warning("pki.revoked.listener_not_started", error=str(exc), retry_s=0.5)
            self._retry = asyncio.create_task(self._keep_trying(), name=f"listen {self.queue}")

    async def _keep_trying(self) -> None:
        delay = 0.5
        while True:
            await asyncio.sleep(delay)
            try:
                await self._subscribe()
                return
            except Exception as exc:
                delay = min(delay * 2, 30.0)
                self._log.warning("pki.revoked.listener_not_started", error=str(exc), retry_s=delay)

    async def _subscribe(self) -> None:
        await self._bus.declare_exchange(PKI_EXCHANGE, kind="topic")
        await self._bus.declare_queue(
            QueueSpec(
                self.queue,
                bindings=[Binding(PKI_EXCHANGE, REVOKED_ROUTING_KEY)],
                # One attempt, no delay or dead-letter queues (a quorum queue is a Raft group
                # of its own, for every process): an event that cannot be checked now, or is
                # refused, is dropped and logged; the OCSP maximum age bounds what that costs.
                max_attempts=1,
                transient=True,
            )
        )
        self._consumer = await self._bus.consume(self.queue, self.handle)

    async def stop(self) -> None:
        retry, self._retry = self._retry, None
        if retry is not None:
            retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retry
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop(grace_s=5)

    async def handle(self, delivery: Delivery) -> None:
        try:
            envelope = Envelope.model_validate_json(delivery.message.body)
        except ValidationError as exc:
            raise Reject(f"not an envelope: {exc.errors()[0]['msg']}") from None
        if envelope.type != REVOKED_TYPE or envelope.sender != REGISTRY_SYSTEM:
            raise Reject(f"{envelope.type} from {envelope.sender!r}: only the registry revokes")
        verifier = self._verifier()
        if verifier is None:
            self._log.info("pki.revoked.ignored", detail="this service verifies nothing")
            return
        # REVOCATION_UNKNOWN (the responder is restarting) is retried, never taken as a verdict.
        result = await envelope.verify_delivered(verifier, wait_s=5.0)
        if not result.ok:
            raise Reject(f"pki.revoked signature refused: {result.code}: {result.detail}")
        if result.identity is None or result.identity.subject != REGISTRY_SYSTEM:
            signer = result.identity.subject if result.identity else "?"
            raise Reject(f"pki.revoked signed by {signer!r}, not by the registry")
        raw = envelope.body.get("serial")
        try:
            serial = int(str(raw), 16)
        except ValueError:
            raise Reject(f"pki.revoked without a hex serial: {raw!r}") from None
        dropped = forget_everywhere(serial)
        self._log.info("pki.revoked", serial=format(serial, "x"), dropped=dropped)


def watch_revocations(
    bus: Bus,
    verifier: VerifierOf,
    *,
    service: str,
    startup: MutableSequence[Hook],
    shutdown: MutableSequence[Hook],
) -> RevocationFeed:
    """The one call a bootstrap makes: listen once the bus is open (appended to ``startup``),
    stop before it closes (appended to ``shutdown``, whose hooks run in reverse order)."""
    feed = RevocationFeed(bus, verifier, service=service)
    startup.append(feed.start)
    shutdown.append(feed.stop)
    return feed
