"""Outgoing messages: status notifications and result deliveries, signed by the workstation's
system certificate and put in the outbox for the gateway (exchange ``egov.gateway.in``,
routing key = the sender's system id, gateway_svc/topology.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from uuid import uuid4

from provider_svc.domain.events import STATUS_NOTIFIED
from provider_svc.domain.request import Origin
from shared.canonical import canonical_json
from shared.contract.status import STATUS_TYPE, StatusChanged
from shared.contract.status import mask_iin as mask_iin
from shared.envelope import Envelope, to_gateway
from shared.eventlog.port import NewEvent, OutboxMessage
from shared.signing import Signer

RESULT_TYPE: Final = "result.issued.v1"  # RESPONSE by the gateway's "result.#" rule


def status_message(
    *,
    signer: Signer,
    origin: Origin,
    request_id: str,
    seq: int,
    service_code: str,
    version: str,
    status: str,
    step: str | None,
    step_deadline: str | None,
    request_deadline: str,
    at: datetime,
    extra: Mapping[str, Any] | None = None,
) -> tuple[NewEvent, OutboxMessage]:
    # The contract's model checks the body here, at the producer: a field off the contract
    # fails the command, not a subscriber.
    body = StatusChanged(
        request_id=request_id,
        # The gateway may deliver one request's notifications out of order, and those of one
        # action share ``at`` (a single commit, a clock that may stand still): the number,
        # 1, 2, ... per request, is what orders them and shows a gap.
        seq=seq,
        status=status,
        step=step,
        step_deadline=step_deadline,
        request_deadline=request_deadline,
        version=version,
        channel=origin.channel.value,
        applicant=mask_iin(origin.applicant_iin),
        at=at,
        psc_desk=origin.psc_desk or None,
        **(extra or {}),
    ).as_body()
    envelope = Envelope(
        message_id=uuid4(),
        correlation_id=request_id,
        type=STATUS_TYPE,
        sender=origin.workstation,
        recipient=origin.reply_to,
        service_code=service_code,
        sent_at=at,
        body=body,
    ).signed(signer)
    event = NewEvent(
        STATUS_NOTIFIED,
        {
            "request_id": request_id,
            "seq": seq,
            "status": status,
            "step": step,
            "message_id": str(envelope.message_id),
            "recipient": envelope.recipient,
            "at": at.isoformat(),
        },
    )
    return event, to_gateway(envelope)


def document_sha256(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(dict(document))).hexdigest()


def result_message(
    *,
    signer: Signer,
    origin: Origin,
    request_id: str,
    service_code: str,
    document: Mapping[str, Any],
    signature: str,
    at: datetime,
) -> OutboxMessage:
    """The signed result to the portal cabinet or the PSC desk that filed the request (a
    RESPONSE, not fanned out: the document names the applicant in full)."""
    envelope = Envelope(
        message_id=uuid4(),
        correlation_id=request_id,
        type=RESULT_TYPE,
        sender=origin.workstation,
        recipient=origin.reply_to,
        service_code=service_code,
        sent_at=at,
        body={"request_id": request_id, "document": dict(document), "signature": signature},
    ).signed(signer)
    return to_gateway(envelope)
