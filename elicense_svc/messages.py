"""Envelopes elicense sends through the gateway and the portal request it receives.

Outgoing messages are signed with elicense's system certificate and written to the outbox in
the same transaction as the events that caused them (shared.outbox publishes them to the
gateway's inbound exchange with elicense's system id as routing key).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contract import application
from shared.contract.status import STATUS_TYPE as STATUS_TYPE
from shared.envelope import GATEWAY_INBOUND_EXCHANGE, Envelope, to_gateway
from shared.eventlog.port import OutboxMessage
from shared.signing import Signer

SYSTEM_ID = "elicense"
INBOUND_EXCHANGE = GATEWAY_INBOUND_EXCHANGE
DELIVER_EXCHANGE = "egov.deliver"  # gateway_svc.topology.DELIVER_EXCHANGE
INBOX_QUEUE = f"to.{SYSTEM_ID}"  # gateway_svc.topology.recipient_queue("elicense")


@dataclass(frozen=True)
class Topology:
    """Where elicense publishes (the gateway's inbound exchange) and what it consumes (its
    ``to.elicense`` queue on the delivery exchange). Other names only to isolate tests that
    share one broker."""

    inbound_exchange: str = INBOUND_EXCHANGE
    deliver_exchange: str = DELIVER_EXCHANGE
    inbox_queue: str = INBOX_QUEUE


DEFAULT_TOPOLOGY = Topology()


SUBMIT_TYPE = "request.elicense.submit.v1"  # portal → elicense (REQUEST)
# ``source.via`` of a request the applicant filed at E-licensing's own portal (elicense.kz).
ELICENSE_KZ = "elicense.kz"
# STATUS_TYPE (elicense → portal / provider, NOTIFICATION) is the contract's, imported above.
RESULT_ISSUED_TYPE = "result.issued.v1"  # elicense → portal: the signed permit (RESPONSE)
RESULT_REFUSED_TYPE = "result.refused.v1"  # elicense → portal: refusal with grounds (RESPONSE)

# Message ids are derived from the event that caused the message (one id per cause and kind):
# a message is committed with its cause, and the relay republishing the row after a crash
# reuses its id, so the receivers' inboxes drop the copy.
_NAMESPACE = uuid.UUID("6f1d3c52-4b7e-4f0a-9a52-0c1e5d2b7a11")


class DocumentIn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    media_type: str = "application/pdf"


class PortalSubmission(BaseModel):
    """The body of ``request.elicense.submit.v1``: the portal has checked the applicant's EDS
    (condition 2) and forwards the signed request (process 7) with the applicant's signature,
    which E-licensing checks again over the same request (:meth:`signed_bytes`).

    ``version`` and ``applicant_signature`` are optional here so that a submission without
    them is refused by that check with its own reason, before anything is numbered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    service: str = Field(min_length=1)
    version: str | None = Field(None, min_length=1)  # the regulation version signed for
    channel: Literal["portal", "elicense_portal"] = "portal"  # egov.kz or elicense.kz
    applicant_iin: str | None = None
    applicant_bin: str | None = None
    submitted_at: datetime | None = None
    form: dict[str, Any] = Field(default_factory=dict)
    documents: list[DocumentIn] = Field(default_factory=list)
    applicant_signature: str | None = None

    def signed_bytes(self) -> bytes | None:
        """The bytes the applicant signed at the portal (shared.contract.application), rebuilt
        from this body; None without the version, without which they cannot be."""
        if self.version is None:
            return None
        return application.signing_bytes(
            request_id=self.request_id,
            service=self.service,
            version=self.version,
            applicant_iin=self.applicant_iin,
            applicant_bin=self.applicant_bin,
            form=self.form,
            documents=[d.model_dump() for d in self.documents],
        )


def message_id(cause: str, kind: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{cause}:{kind}")


def outgoing(
    signer: Signer,
    *,
    cause: str,
    type: str,
    recipient: str,
    service_code: str,
    correlation_id: str,
    body: Mapping[str, Any],
    at: datetime,
    exchange: str = INBOUND_EXCHANGE,
) -> OutboxMessage:
    envelope = Envelope(
        message_id=message_id(cause, type + ":" + recipient),
        correlation_id=correlation_id,
        type=type,
        sender=SYSTEM_ID,
        recipient=recipient,
        service_code=service_code,
        sent_at=at,
        body=dict(body),
    ).signed(signer)
    return to_gateway(envelope, exchange=exchange)
