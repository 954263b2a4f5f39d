"""Bus → inbox → command: portal requests the gateway delivers to ``to.elicense``.

The gateway verified the envelope already; elicense checks it again because a queue is not a
trust boundary (shared.inbound: addressed to elicense, a route it takes, the signature of the
sender's own information-system certificate), and the handler checks the applicant's signature
on the request. A message that can never be processed is parked (Reject) with the reason; the
inbox makes redeliveries no-ops.
"""

from __future__ import annotations

from pydantic import ValidationError

from elicense_svc import messages as msg
from elicense_svc.domain.errors import ElicenseError
from elicense_svc.handlers import ElicenseService
from shared.bus.port import Binding, Bus, Consumer, Delivery, QueueSpec, Reject
from shared.inbound import Accepts, Takes, open_delivered
from shared.inbox import Effects, InboxConsumer, envelope_message_id

CONSUMER = "elicense.intake"

# What E-licensing takes off its queue: the portal's submissions (gateway_svc/rules.yaml lets
# only the portal send E-licensing a request; E-licensing handles no other message).
ACCEPTS = Accepts(
    "E-licensing",
    frozenset({msg.SYSTEM_ID}),
    (Takes((msg.SUBMIT_TYPE,), ("portal",), (msg.SYSTEM_ID,)),),
)


def inbox_queue(topology: msg.Topology) -> QueueSpec:
    # The same declaration as the gateway's (gateway_svc.gateway.Gateway.declare), so that
    # whichever starts first creates it and the other's declare agrees.
    return QueueSpec(
        topology.inbox_queue, bindings=[Binding(topology.deliver_exchange, msg.SYSTEM_ID)]
    )


class IntakeHandler:
    def __init__(self, service: ElicenseService) -> None:
        self._service = service

    async def __call__(self, delivery: Delivery) -> Effects:
        delivered = await open_delivered(delivery.message.body, self._service.verifier, ACCEPTS)
        envelope = delivered.envelope
        try:
            submission = msg.PortalSubmission.model_validate(envelope.body)
        except ValidationError as exc:
            raise Reject(f"{msg.SUBMIT_TYPE} body: {exc}") from exc
        try:
            return await self._service.receive_portal(envelope, submission)
        except ElicenseError as exc:
            if exc.status >= 500:
                raise
            # A request elicense can never take (unknown service, bad IIN...) is parked with
            # its reason for an operator rather than retried forever.
            raise Reject(f"{exc.code}: {exc.message}") from exc


async def start_consumer(bus: Bus, service: ElicenseService, *, prefetch: int = 16) -> Consumer:
    topology = service.topology
    await bus.declare_exchange(topology.deliver_exchange)
    await bus.declare_queue(inbox_queue(topology))

    return await intake_inbox(service).consume(bus, topology.inbox_queue, prefetch=prefetch)


def intake_inbox(service: ElicenseService) -> InboxConsumer:
    """The inbox of E-licensing's queue, keyed on the signed envelope's message id (not the
    AMQP property, which nobody signs)."""

    def committed(effects: Effects) -> None:
        service.notify_outbox()
        if effects.events:
            service.kick(effects.events[0].data["request_id"])

    return InboxConsumer(
        store=service.store,
        consumer=CONSUMER,
        handler=IntakeHandler(service),
        on_commit=committed,
        message_id_of=envelope_message_id,
    )
