"""The asynchronous channel: admit, log, forward; the regional tier; status fan-out; delivery
states and parked messages.

Exactly-once from the sender's point of view rests on two rules. (1) The acceptance record and
the claim of the message id are one transaction, so a second message with the same id is a
replay and is refused (REPLAYED_MESSAGE). (2) The inbound message is acked only after every
forward was confirmed by the broker and its delivery state logged; a crash in between makes the
broker deliver it again (``redelivered`` / a later attempt), and the gateway then resumes the
forwards still missing instead of calling its own retry a replay.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateway_svc import topology
from gateway_svc.admission import Admission, AdmissionRefused, Admitted, Refusal, status_of
from gateway_svc.errors import ErrorCode
from gateway_svc.health import HealthMonitor
from gateway_svc.messagelog import (
    DeliveryState,
    LogEntry,
    MessageLog,
    Record,
    sha256_hex,
)
from gateway_svc.metrics import GatewayMetrics, route_label
from gateway_svc.rules import Kind, RuleBook, region_of
from shared.bus.port import (
    Binding,
    Bus,
    Consumer,
    Delivery,
    Message,
    QueueSpec,
    Reject,
    Unroutable,
)
from shared.envelope import Envelope
from shared.eventlog.port import AlreadyProcessed
from shared.logging import get_logger

CENTRAL = "central"
PORTAL = "portal"
PSC_DESK_FIELD = "psc_desk"  # body field naming the Public Service Center desk a request came from
ACCEPTED_VISIBLE_TRIES = 50
MAX_LOGGED_RAW = 64 * 1024  # a refused body is logged up to this size (never an oversized one)


class GatewayUnavailable(Exception):
    """The gateway's own checks fail: it refuses traffic (the broker keeps the message)."""


@dataclass(frozen=True)
class GatewayOptions:
    keep_bodies: bool = True
    declare_recipient_queues: bool = True
    prefetch: int = 32
    # A message waits on the broker while the gateway is unhealthy: many attempts, long backoff,
    # and only then the inbound queue's dead-letter queue (re-driven by an admin).
    inbound_max_attempts: int = 60
    inbound_backoff_max_ms: int = 30_000


class Gateway:
    def __init__(
        self,
        *,
        bus: Bus,
        log: MessageLog,
        rules: RuleBook,
        admission: Admission,
        metrics: GatewayMetrics,
        health: HealthMonitor,
        options: GatewayOptions = GatewayOptions(),
    ) -> None:
        self._bus = bus
        self.log = log
        self.rules = rules
        self.admission = admission
        self.metrics = metrics
        self.health = health
        self.options = options
        self._consumers: list[Consumer] = []
        self._logger = get_logger("gateway_svc.gateway")

    # --- lifecycle ---------------------------------------------------------------------------

    def _queue_spec(self, name: str, bindings: Sequence[Binding]) -> QueueSpec:
        return QueueSpec(
            name,
            bindings=bindings,
            max_attempts=self.options.inbound_max_attempts,
            backoff_max_ms=self.options.inbound_backoff_max_ms,
        )

    async def declare(self) -> None:
        rules = self.rules.current.file
        for exchange in (
            topology.INBOUND_EXCHANGE,
            topology.REGIONAL_EXCHANGE,
            topology.DELIVER_EXCHANGE,
            topology.STATUS_EXCHANGE,
        ):
            await self._bus.declare_exchange(exchange)
        await self._bus.declare_queue(
            self._queue_spec(topology.INBOUND_QUEUE, [Binding(topology.INBOUND_EXCHANGE, "#")])
        )
        for region in rules.regions:
            await self._bus.declare_queue(
                self._queue_spec(
                    topology.regional_queue(region), [Binding(topology.REGIONAL_EXCHANGE, region)]
                )
            )
        if self.options.declare_recipient_queues:
            for system in rules.systems:
                await self._bus.declare_queue(
                    QueueSpec(
                        topology.recipient_queue(system),
                        bindings=[Binding(topology.DELIVER_EXCHANGE, system)],
                    )
                )

    async def start(self) -> None:
        await self.declare()
        await self.health.start()
        prefetch = self.options.prefetch
        self._consumers.append(
            await self._bus.consume(topology.INBOUND_QUEUE, self.handle_inbound, prefetch=prefetch)
        )
        for region in self.rules.current.file.regions:

            async def regional(delivery: Delivery, region: str = region) -> None:
                await self.handle_regional(region, delivery)

            self._consumers.append(
                await self._bus.consume(
                    topology.regional_queue(region), regional, prefetch=prefetch
                )
            )

    async def stop(self) -> None:
        for consumer in self._consumers:
            await consumer.stop(grace_s=10)
        self._consumers.clear()
        await self.health.stop()
        self.admission.close()

    # --- central gateway (ЭҮШ) -----------------------------------------------------------------

    async def handle_inbound(self, delivery: Delivery) -> None:
        if not self.health.ok:
            # Fail closed without losing anything: raising makes the bus retry it later.
            raise GatewayUnavailable(f"gateway unhealthy: {', '.join(self.health.failing)}")
        began = time.perf_counter()
        raw = delivery.message.body
        rules = self.rules.current
        try:
            admitted = await self.admission.admit(raw, rules)
        except AdmissionRefused as refused:
            await self._log_refusal(raw, refused.refusal)
            return
        envelope = admitted.envelope
        message_id = str(envelope.message_id)
        targets = self._targets(admitted)
        try:
            await self.log.append(
                Record.ACCEPTED,
                self._accepted_data(raw, admitted, targets),
                claim_message_id=message_id,
                also=[
                    (Record.DELIVERY, _delivery_data(envelope, t, DeliveryState.ON_DELIVERY, ""))
                    for t in targets
                ],
            )
            resuming = False
        except AlreadyProcessed:
            resuming = True
            if not await self._is_own_retry(delivery, raw, message_id):
                await self._log_refusal(
                    raw,
                    Refusal(
                        ErrorCode.REPLAYED_MESSAGE,
                        f"message id {message_id} was already accepted",
                        _verified_fields(envelope),
                        admitted.signer,
                    ),
                )
                return
        await self._forward(raw, admitted, targets, resuming=resuming)
        self.metrics.messages.labels(
            route_label(envelope.sender, envelope.recipient, set(rules.file.systems)),
            admitted.route.kind.value,
            "accepted",
        ).inc()
        self.metrics.hop_latency.labels(CENTRAL).observe(time.perf_counter() - began)

    def _targets(self, admitted: Admitted) -> list[str]:
        """Every recipient of the message: the addressee, and for a status notification also
        the portal and the Public Service Center desk the request was filed at (seed 004)."""
        envelope = admitted.envelope
        targets = [envelope.recipient]
        if admitted.route.kind is Kind.NOTIFICATION:
            rules = self.rules.current
            extra: list[str] = []
            if rules.is_member(PORTAL):
                extra.append(PORTAL)
            desk = envelope.body.get(PSC_DESK_FIELD)
            if isinstance(desk, str) and rules.is_member(desk):
                extra.append(desk)
            targets.extend(t for t in extra if t not in targets)
        return targets

    async def _is_own_retry(self, delivery: Delivery, raw: bytes, message_id: str) -> bool:
        # The broker redelivering (our crash, or our own retry after a failed forward) the very
        # bytes we accepted, while a forward is still to be done, is not a replay: resume.
        # Anything else with a used id is. The attempt header and the redelivered flag are only
        # a precondition: anybody who can publish to the inbound exchange can set the header,
        # so a copy of a message whose forwards are all done is refused whatever it carries
        # (otherwise a replay with x-egov-attempt: 2 would re-publish a status fan-out).
        if not (delivery.redelivered or delivery.attempt > 1):
            return False
        for _ in range(ACCEPTED_VISIBLE_TRIES):
            accepted = await self.log.accepted(message_id)
            if accepted is not None:
                if accepted.data.get("body_sha256") != sha256_hex(raw):
                    return False
                deliveries = await self.log.deliveries(message_id)
                return any(d.state is DeliveryState.ON_DELIVERY for d in deliveries)
            # The claim exists, so the acceptance is committed; the gap-safe log read is only
            # not past it yet (an earlier position's transaction is still open). Wait a little.
            await asyncio.sleep(0.1)
        raise RuntimeError(f"acceptance of {message_id} is not readable yet; retry later")

    async def _forward(
        self, raw: bytes, admitted: Admitted, targets: Sequence[str], *, resuming: bool
    ) -> None:
        envelope = admitted.envelope
        # Only a resumed message can have forwards behind it; a fresh one skips the log read.
        done = (
            {
                d.recipient
                for d in await self.log.deliveries(str(envelope.message_id))
                if d.state is not DeliveryState.ON_DELIVERY
            }
            if resuming
            else set()
        )
        if admitted.route.kind is Kind.NOTIFICATION:
            # Public fan-out: the original bytes, so the sender's signature still verifies.
            # Not mandatory: a topic nobody subscribes to yet is not an error.
            await self._bus.publish(
                Message(
                    topology.STATUS_EXCHANGE,
                    f"{envelope.service_code}.{status_of(envelope)}",
                    raw,
                    str(envelope.message_id),
                    headers=_headers(envelope),
                    correlation_id=envelope.correlation_id,
                ),
                mandatory=False,
            )
        for target in targets:
            if target in done:
                continue
            if target == envelope.recipient and admitted.route.region is not None:
                # Through the regional gateway (ЭҮАШ), which logs its hop and delivers.
                await self._bus.publish(
                    Message(
                        topology.REGIONAL_EXCHANGE,
                        admitted.route.region,
                        raw,
                        str(envelope.message_id),
                        headers=_headers(envelope),
                        correlation_id=envelope.correlation_id,
                    )
                )
            else:
                await self.deliver(raw, envelope, target)

    # --- regional gateway (ЭҮАШ) ---------------------------------------------------------------

    async def handle_regional(self, region: str, delivery: Delivery) -> None:
        if not self.health.ok:
            raise GatewayUnavailable(f"gateway unhealthy: {', '.join(self.health.failing)}")
        began = time.perf_counter()
        raw = delivery.message.body
        try:
            envelope = await self._admitted_for(region, raw)
        except Reject as refused:
            # Parked by the bus, which says nothing itself: the operator reads it here too.
            self._logger.warning("gateway.regional_refused", region=region, reason=refused.reason)
            raise
        hop = f"regional.{region}"
        try:
            await self.log.append(
                Record.RELAYED,
                {"hop": hop, **_verified_fields(envelope), "body_sha256": sha256_hex(raw)},
                claim_message_id=f"{hop}:{envelope.message_id}",
            )
            pending = True
        except AlreadyProcessed:
            # Our own redelivery: the hop is logged; deliver unless that happened too.
            states = {
                d.recipient: d.state for d in await self.log.deliveries(str(envelope.message_id))
            }
            state = states.get(envelope.recipient, DeliveryState.ON_DELIVERY)
            pending = state is DeliveryState.ON_DELIVERY
        if pending:
            await self.deliver(raw, envelope, envelope.recipient, hop=hop)
        self.metrics.hop_latency.labels("regional").observe(time.perf_counter() - began)

    async def _admitted_for(self, region: str, raw: bytes) -> Envelope:
        """The regional gateway's own check, before it logs its hop or delivers: a queue is
        not a trust boundary. Only the central gateway publishes to the regional exchange,
        but anyone with access to the broker can. So the envelope must pass admission's
        checks of the sender (its signature, by the sender's own information-system
        certificate), be for a recipient of this region, and be what the central gateway
        accepted: its acceptance is in the message log, for this region, with the same bytes.
        Anything else is parked (Reject) with the reason; it is neither relayed nor logged
        as relayed."""
        try:
            envelope = (await self.admission.authenticate(raw)).envelope
        except AdmissionRefused as refused:
            code, detail = refused.refusal.code, refused.refusal.detail
            if code is ErrorCode.REVOCATION_UNKNOWN:
                # No verdict on the message (the НУЦ did not answer): retried, never parked.
                raise GatewayUnavailable(f"{code.value}: {detail}") from None
            raise Reject(f"{code.value}: {detail}") from None
        message_id = str(envelope.message_id)
        if region_of(envelope.recipient) != region:
            raise Reject(
                f"WRONG_REGION: {message_id} is for {envelope.recipient!r}, which the "
                f"regional gateway of {region} does not serve"
            )
        accepted = await self._acceptance(message_id)
        if accepted is None:
            raise Reject(
                f"NOT_ADMITTED: the central gateway accepted no message {message_id}; only what "
                "it admitted is relayed"
            )
        if accepted.data.get("region") != region or accepted.data.get("body_sha256") != sha256_hex(
            raw
        ):
            raise Reject(
                f"NOT_ADMITTED: message {message_id} differs from what the central gateway "
                f"accepted (for region {accepted.data.get('region')!r}, body SHA-256 "
                f"{accepted.data.get('body_sha256')})"
            )
        return envelope

    async def _acceptance(self, message_id: str) -> LogEntry | None:
        """The central gateway's acceptance of ``message_id``, or None when it accepted none.
        A claimed id's acceptance is committed (the claim and the record are one transaction)
        but may not be readable at once (an earlier position's transaction still open), so it
        is waited for a little, as in :meth:`_is_own_retry`."""
        if not await self.log.seen(message_id):
            return None
        for _ in range(ACCEPTED_VISIBLE_TRIES):
            accepted = await self.log.accepted(message_id)
            if accepted is not None:
                return accepted
            await asyncio.sleep(0.1)
        # Claimed but no acceptance: another record claimed the id (a sync-channel envelope),
        # or the log is slow to show it; retried, and parked with this after the attempts.
        raise RuntimeError(f"message {message_id} is claimed, but no acceptance is readable")

    # --- delivery ------------------------------------------------------------------------------

    async def deliver(
        self, raw: bytes, envelope: Envelope, recipient: str, *, hop: str = CENTRAL
    ) -> DeliveryState:
        """Publish to the recipient's queue and log the outcome. No queue for it: parked as
        NOT_DELIVERED with the envelope. An unconfirmed publish raises, so the inbound message
        is retried."""
        message = Message(
            topology.DELIVER_EXCHANGE,
            recipient,
            raw,
            str(envelope.message_id),
            headers=_headers(envelope),
            correlation_id=envelope.correlation_id,
        )
        try:
            await self._bus.publish(message)
        except Unroutable as exc:
            state, reason = DeliveryState.NOT_DELIVERED, f"no queue for {recipient}: {exc.detail}"
        else:
            state, reason = DeliveryState.DELIVERED, ""
        data = _delivery_data(envelope, recipient, state, reason, hop=hop)
        if state is DeliveryState.NOT_DELIVERED:
            data["envelope_raw"] = raw.decode("utf-8")  # always kept: nothing is dropped
        await self.log.append(Record.DELIVERY, data)
        self.metrics.deliveries.labels(state.value).inc()
        if state is DeliveryState.NOT_DELIVERED:
            self._logger.warning(
                "gateway.parked", message_id=str(envelope.message_id), recipient=recipient
            )
        return state

    async def redrive(self, message_id: str, recipient: str) -> DeliveryState:
        """Try a parked message again (admin command)."""
        parked = {(d.message_id, d.recipient): d for d in await self.log.parked()}
        entry = parked.get((message_id, recipient))
        if entry is None or entry.envelope_raw is None:
            raise LookupError(f"no parked message {message_id} for {recipient}")
        raw = entry.envelope_raw.encode("utf-8")
        return await self.deliver(raw, Envelope.model_validate_json(raw), recipient, hop="redrive")

    async def stop_delivery(self, message_id: str, recipient: str, reason: str) -> None:
        """Give up on a parked message for good (admin decision), logged with the reason."""
        parked = {(d.message_id, d.recipient): d for d in await self.log.parked()}
        entry = parked.get((message_id, recipient))
        if entry is None or entry.envelope_raw is None:
            raise LookupError(f"no parked message {message_id} for {recipient}")
        envelope = Envelope.model_validate_json(entry.envelope_raw)
        await self.log.append(
            Record.DELIVERY,
            _delivery_data(envelope, recipient, DeliveryState.DELIVERY_STOPPED, reason),
        )
        self.metrics.deliveries.labels(DeliveryState.DELIVERY_STOPPED.value).inc()

    # --- logging -------------------------------------------------------------------------------

    def _accepted_data(
        self, raw: bytes, admitted: Admitted, targets: Sequence[str]
    ) -> dict[str, Any]:
        envelope = admitted.envelope
        data: dict[str, Any] = {
            "hop": CENTRAL,
            **_verified_fields(envelope),
            "kind": admitted.route.kind.value,
            "region": admitted.route.region,
            "sent_at": envelope.sent_at.isoformat(),
            "size": len(raw),
            "body_sha256": sha256_hex(raw),
            "signer_serial": admitted.signer.serial,
            "rules_version": admitted.rules_version,
            "targets": list(targets),
        }
        if admitted.route.kind is Kind.NOTIFICATION:
            data["status_key"] = f"{envelope.service_code}.{status_of(envelope)}"
        if self.log.keep_bodies:
            data["envelope_raw"] = raw.decode("utf-8")
        return data

    async def _log_refusal(self, raw: bytes, refusal: Refusal) -> None:
        data: dict[str, Any] = {
            "hop": CENTRAL,
            "code": refusal.code.value,
            "detail": refusal.detail[:2000],
            "size": len(raw),
            "body_sha256": sha256_hex(raw),
            # What the message said about itself; unverified unless the code says otherwise.
            "claimed": dict(refusal.claimed),
            "signer": refusal.signer.subject if refusal.signer else None,
            "rules_version": self.rules.current.version,
        }
        message_id = refusal.claimed.get("message_id")
        if isinstance(message_id, str):
            data["message_id"] = message_id
        if refusal.code is ErrorCode.REPLAYED_MESSAGE:
            data["correlation_id"] = refusal.claimed.get("correlation_id")
        if self.log.keep_bodies and len(raw) <= MAX_LOGGED_RAW:
            data["raw"] = raw.decode("utf-8", errors="replace")
        await self.log.append(Record.REJECTED, data)
        members = set(self.rules.current.file.systems)
        self.metrics.rejections.labels(refusal.code.value).inc()
        self.metrics.messages.labels(
            route_label(refusal.claimed.get("sender"), refusal.claimed.get("recipient"), members),
            "-",
            "rejected",
        ).inc()
        self._logger.info(
            "gateway.rejected",
            code=refusal.code.value,
            message_id=message_id,
            detail=refusal.detail[:300],
        )


def _verified_fields(envelope: Envelope) -> dict[str, Any]:
    return {
        "message_id": str(envelope.message_id),
        "correlation_id": envelope.correlation_id,
        "causation_id": envelope.causation_id,
        "type": envelope.type,
        "sender": envelope.sender,
        "recipient": envelope.recipient,
        "service_code": envelope.service_code,
    }


def _delivery_data(
    envelope: Envelope, recipient: str, state: DeliveryState, reason: str, *, hop: str = CENTRAL
) -> dict[str, Any]:
    return {
        "message_id": str(envelope.message_id),
        "correlation_id": envelope.correlation_id,
        "sender": envelope.sender,
        "recipient": recipient,
        "state": state.value,
        "reason": reason,
        "hop": hop,
    }


def _headers(envelope: Envelope) -> dict[str, str | int]:
    return {"sender": envelope.sender, "recipient": envelope.recipient, "type": envelope.type}
