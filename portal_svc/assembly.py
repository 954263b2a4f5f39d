"""Wiring of the portal's parts around a store, a bus and a clock: the command handlers, the
cabinet read model, the HTTP router, the inbox consumer of ``to.portal`` (and each PSC desk's
``to.<desk>``) and the outbox relay. The composition root and the tests both build it here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from fastapi import APIRouter

from portal_svc.blobs import BlobStore
from portal_svc.domain.accounts import LoginPolicy
from portal_svc.entrypoints.api import build_router
from portal_svc.entrypoints.consumer import Inbound
from portal_svc.handlers import ApplicantLookup, Limits, PortalService
from portal_svc.passwords import Passwords
from portal_svc.projections import Cabinet
from shared.bus.port import Binding, Bus, Consumer, QueueSpec
from shared.clock import Clock
from shared.envelope import GATEWAY_INBOUND_EXCHANGE
from shared.eventlog.port import EventStore
from shared.inbox import InboxConsumer, envelope_message_id
from shared.outbox import OutboxRelay
from shared.pki.http_signing import DEFAULT_WINDOW_S
from shared.regulation.catalog import Catalog
from shared.regulation.engine import WorkingCalendar
from shared.signing import Signer, Verifier

PORTAL_QUEUE: Final = "to.portal"  # gateway_svc.topology.recipient_queue("portal")
DELIVER_EXCHANGE: Final = "egov.deliver"  # gateway_svc.topology.DELIVER_EXCHANGE


@dataclass
class Portal:
    service: PortalService
    cabinet: Cabinet
    router: APIRouter
    relay: OutboxRelay
    inbound: InboxConsumer
    bus: Bus
    queues: tuple[str, ...]
    consumers: list[Consumer] = field(default_factory=list)

    async def start(self) -> None:
        """Declare and consume what the gateway delivers, and relay the outbox. The queues are
        declared exactly as the gateway declares them (gateway_svc.gateway.Gateway.declare),
        so whichever starts first creates them and the other's declaration agrees."""
        await self.bus.declare_exchange(GATEWAY_INBOUND_EXCHANGE)
        await self.bus.declare_exchange(DELIVER_EXCHANGE)
        for queue in self.queues:
            system = queue.removeprefix("to.")
            await self.bus.declare_queue(
                QueueSpec(queue, bindings=[Binding(DELIVER_EXCHANGE, system)])
            )
        self.relay.start()
        for queue in self.queues:
            self.consumers.append(await self.inbound.consume(self.bus, queue))

    async def stop(self) -> None:
        for consumer in self.consumers:
            await consumer.stop()
        self.consumers.clear()
        await self.relay.stop()


def _committed(relay: OutboxRelay, cabinet: Cabinet) -> None:
    """After every commit to the portal's log: the relay sends what it wrote to the outbox, and
    the cabinet's live streams (SSE) read what changed, at once rather than on a poll."""
    relay.notify()
    cabinet.notify()


def build_portal(
    *,
    store: EventStore,
    bus: Bus,
    clock: Clock,
    catalog: Catalog,
    calendar: WorkingCalendar,
    signer: Signer,
    verifier: Verifier,
    auth_verifier: Verifier,
    passwords: Passwords,
    blobs: BlobStore,
    desk_signers: Mapping[str, Signer] | None = None,
    lookup: ApplicantLookup | None = None,
    policy: LoginPolicy | None = None,
    limits: Limits | None = None,
    relay_poll_s: float = 0.5,
    stream_heartbeat_s: float = 15.0,
    public_url: str = "http://127.0.0.1:8081",
    signed_call_window_s: float = DEFAULT_WINDOW_S,
) -> Portal:
    relay = OutboxRelay(store, bus, poll_interval=relay_poll_s)
    cabinet = Cabinet(store)
    service = PortalService(
        store,
        clock,
        catalog,
        calendar,
        signer=signer,
        verifier=verifier,
        auth_verifier=auth_verifier,
        passwords=passwords,
        blobs=blobs,
        policy=policy,
        limits=limits,
        desk_signers=desk_signers,
        lookup=lookup,
        on_commit=lambda: _committed(relay, cabinet),
    )
    inbound = InboxConsumer(
        store,
        "portal",
        Inbound(store, verifier, desks=desk_signers or {}),
        on_commit=lambda _effects: _committed(relay, cabinet),
        message_id_of=envelope_message_id,  # the signed id, not the AMQP property
    )
    queues = (PORTAL_QUEUE, *(f"to.{desk}" for desk in sorted(desk_signers or {})))
    return Portal(
        service=service,
        cabinet=cabinet,
        router=build_router(
            service,
            cabinet,
            heartbeat_s=stream_heartbeat_s,
            public_url=public_url,
            signed_call_window_s=signed_call_window_s,
        ),
        relay=relay,
        inbound=inbound,
        bus=bus,
        queues=queues,
    )
