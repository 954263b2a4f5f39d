"""Bus -> inbox: what comes back through the gateway on queue ``to.portal`` (and
``to.psc.<desk>``): status notifications (``status.*``) and results (``result.*``) from
E-licensing and the provider workstations (processes 8-9; 004 p.7)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, Final

from pydantic import ValidationError

from portal_svc.domain import events, statuses
from portal_svc.domain import requests as req
from portal_svc.outgoing import PORTAL
from shared.bus.port import Delivery, Reject
from shared.canonical import canonical_json
from shared.contract.status import STATUS_TYPE, StatusChanged
from shared.envelope import Envelope
from shared.eventlog.port import EventStore, NewEvent
from shared.inbound import Accepts, Takes, open_delivered
from shared.inbox import Effects
from shared.signing import Verifier

STATUS_PREFIX: Final = "status."
RESULT_PREFIX: Final = "result."
REFUSED_TYPE: Final = "result.refused.v1"


def _result_data(envelope: Envelope, request: req.PortalRequest) -> dict[str, Any]:
    """One shape for both senders' results: a provider sends ``document`` + ``signature``,
    E-licensing ``document`` + ``document_signature`` + ``permit_number``, or a refusal with
    ``refusal`` and ``grounds`` and no document."""
    body = envelope.body
    document = body.get("document")
    document = document if isinstance(document, dict) else None
    signature = body.get("signature") or body.get("document_signature")
    refused = envelope.type == REFUSED_TYPE or (
        document is not None and document.get("decision") == "refused"
    )
    number = body.get("permit_number") or (document or {}).get("number") or request.request_id
    return {
        "request_id": request.request_id,
        "number": str(number),
        "service": request.service,
        "decision": "refused" if refused else "issued",
        "status": statuses.REFUSED if refused else statuses.COMPLETED,
        "document": document,
        "document_sha256": None
        if document is None
        else hashlib.sha256(canonical_json(document)).hexdigest(),
        "signature": signature if isinstance(signature, str) else None,
        "refusal": body.get("refusal") or (document or {}).get("refusal_code"),
        "grounds": body.get("grounds") or (document or {}).get("grounds"),
        "from": envelope.sender,
        "at": envelope.sent_at.isoformat(),
    }


def _status_data(envelope: Envelope) -> dict[str, Any]:
    """What the cabinet keeps of a status notification: its status, step, the request's
    deadline and the sender's ``seq``, the running number of this request's statuses (the
    statuses one action causes share one instant, and the gateway may deliver them out of
    order). A ``status.changed.v2`` body must meet the contract; an older (v1) one needs only
    a status, its ``seq`` counted where the workstation sent one."""
    body = envelope.body
    if envelope.type == STATUS_TYPE:
        try:
            note = StatusChanged.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise Reject(f"status body off the contract at {where}: {first['msg']}") from None
        if note.request_id != envelope.correlation_id:
            raise Reject(f"status of {note.request_id} sent as {envelope.correlation_id}")
        return {
            "status": note.status,
            "step": note.step,
            "deadline": note.request_deadline.isoformat(),
            "seq": note.seq,
        }
    status = body.get("status")
    if not isinstance(status, str) or not status:
        raise Reject("a status notification without a status")
    seq = body.get("seq")
    return {
        "status": status,
        "step": body.get("step"),
        "deadline": body.get("request_deadline"),
        "seq": seq if isinstance(seq, int) else None,
    }


# What comes back to the portal and its PSC desks, and from whom (each a route
# gateway_svc/rules.yaml allows): statuses and results from the provider workstations, to the
# portal or the desk a request was filed at, and from E-licensing, to the portal. The gateway
# fans a status out to the portal and the desk as well, under its own recipient.
ACCEPTS: Final = Accepts(
    "the portal",
    frozenset({PORTAL}),
    (
        Takes((f"{STATUS_PREFIX}#", f"{RESULT_PREFIX}#"), ("provider.*.*",), (PORTAL, "psc.*")),
        Takes((f"{STATUS_PREFIX}#", f"{RESULT_PREFIX}#"), ("elicense",), (PORTAL,)),
    ),
)


class Inbound:
    """The portal's consumer of ``to.portal`` and of each PSC desk's ``to.<desk>``: the
    envelope is checked here again, whatever the gateway did (shared.inbound: addressed to the
    portal or one of its desks, a route it takes, signed with the sender's own system
    certificate), then against the request it concerns."""

    def __init__(self, store: EventStore, verifier: Verifier, *, desks: Iterable[str] = ()) -> None:
        self._store = store
        self._verifier = verifier
        self._accepts = ACCEPTS.receiving_for({PORTAL, *desks})

    async def __call__(self, delivery: Delivery) -> Effects:
        body = delivery.message.body
        envelope = (await open_delivered(body, self._verifier, self._accepts)).envelope
        stream = events.request_stream(envelope.correlation_id)
        history = await self._store.read_stream(stream)
        request = req.fold(history)
        if request is None:
            raise Reject(f"no request {envelope.correlation_id} was sent from here")
        if envelope.sender != request.recipient:
            raise Reject(f"{envelope.sender} is not where {request.request_id} was sent")
        if envelope.recipient != (request.desk or "portal"):
            raise Reject(f"{request.request_id} was not filed at {envelope.recipient}")
        metadata = {"actor": envelope.sender, "message_id": str(envelope.message_id)}
        if envelope.type.startswith(STATUS_PREFIX):
            data = {
                "request_id": request.request_id,
                **_status_data(envelope),
                "from": envelope.sender,
                "at": envelope.sent_at.isoformat(),
            }
            new = [NewEvent(events.STATUS_CHANGED, data, metadata=metadata)]
        elif envelope.type.startswith(RESULT_PREFIX):
            if request.result is not None:
                raise Reject(f"{request.request_id} already has its result")
            data = _result_data(envelope, request)
            new = [NewEvent(events.RESULT_RECEIVED, data, metadata=metadata)]
        else:
            raise Reject(f"the portal does not take {envelope.type}")
        return Effects(stream, new, expected_version=len(history))
