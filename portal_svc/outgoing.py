"""Envelopes the portal and the PSC desks send through the gateway (process 5): signed with
the sending system's certificate and put in the outbox with the events that caused them
(exchange ``egov.gateway.in``, routing key = the sender's system id, gateway_svc/topology.py).
Message ids derive from the causing event, so a retried command yields the same id and the
receiver's inbox drops the copy."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from shared.envelope import Envelope, to_gateway
from shared.eventlog.port import OutboxMessage
from shared.signing import Signer

PORTAL: Final = "portal"
_NAMESPACE: Final = uuid.UUID("2b8f0c7e-8f0a-4c1e-b1b3-6a4d1f3e9c20")


def message_id(cause: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, cause)


def envelope_message(
    signer: Signer,
    *,
    cause: str,
    sender: str,
    recipient: str,
    type_: str,
    service_code: str,
    correlation_id: str,
    body: Mapping[str, Any],
    at: datetime,
) -> OutboxMessage:
    envelope = Envelope(
        message_id=message_id(cause),
        correlation_id=correlation_id,
        type=type_,
        sender=sender,
        recipient=recipient,
        service_code=service_code,
        sent_at=at,
        body=dict(body),
    ).signed(signer)
    return to_gateway(envelope)
