"""A request as the portal sees it: the draft the applicant (or a PSC operator) fills, what
condition 2 decided, and what came back through the gateway. Pure: folded from the stream."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from portal_svc.domain import events, statuses
from shared.contract import application


@dataclass(frozen=True)
class Document:
    code: str
    name: str
    media_type: str
    size: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class PortalRequest:
    request_id: str
    owner: str  # account id, or "psc:<desk>" for a desk request
    service: str
    version: str
    channel: str  # "portal" or "psc"
    recipient: str  # system id the gateway delivers to
    applicant_iin: str | None
    applicant_bin: str | None
    desk: str | None = None
    operator_iin: str | None = None
    form: Mapping[str, Any] = field(default_factory=dict)
    documents: tuple[Document, ...] = ()
    status: str = statuses.DRAFT
    status_at: datetime | None = None  # the sender's time of the status shown
    status_seq: int | None = None  # the sender's number of the status shown, when numbered
    result: Mapping[str, Any] | None = None
    survey: Mapping[str, Any] | None = None
    handed_out: bool = False
    version_no: int = 0

    @property
    def editable(self) -> bool:
        return self.status in statuses.EDITABLE

    def signing_payload(self) -> dict[str, Any]:
        """What the applicant signs (process 4): everything the provider will act on. The
        documents enter by their SHA-256, so the signature covers their content too. The shape
        is the contract's (shared.contract.application), so E-licensing can check it again."""
        return application.signed_request(**self._signed_fields())

    def signing_bytes(self) -> bytes:
        return application.signing_bytes(**self._signed_fields())

    def _signed_fields(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "service": self.service,
            "version": self.version,
            "applicant_iin": self.applicant_iin,
            "applicant_bin": self.applicant_bin,
            "form": self.form,
            "documents": [d.as_json() for d in self.documents],
        }


def _newer(request: PortalRequest, data: Mapping[str, Any], status: str) -> PortalRequest:
    """The gateway may deliver two notifications of one request out of order (it handles
    messages concurrently): the status shown is the one the sender numbered last (``seq``),
    else the one it stamped last; a late, lower number never replaces a higher one."""
    at = datetime.fromisoformat(str(data["at"]))
    seq = data.get("seq")
    if isinstance(seq, int) and request.status_seq is not None:
        if seq < request.status_seq:
            return request
    elif request.status_at is not None and at < request.status_at:
        return request
    numbered = seq if isinstance(seq, int) else request.status_seq
    return replace(request, status=status, status_at=at, status_seq=numbered)


def fold(history: Iterable[Any]) -> PortalRequest | None:
    request: PortalRequest | None = None
    version = 0
    for event in history:
        version += 1
        data = event.data
        if event.type == events.DRAFT_CREATED:
            request = PortalRequest(
                request_id=data["request_id"],
                owner=data["owner"],
                service=data["service"],
                version=data["version"],
                channel=data["channel"],
                recipient=data["recipient"],
                applicant_iin=data.get("applicant_iin"),
                applicant_bin=data.get("applicant_bin"),
                desk=data.get("desk"),
                operator_iin=data.get("operator_iin"),
            )
        elif request is None:
            continue
        elif event.type == events.FORM_FILLED:
            request = replace(request, form=dict(data["form"]))
        elif event.type == events.DOCUMENT_ATTACHED:
            document = Document(
                data["code"], data["name"], data["media_type"], data["size"], data["sha256"]
            )
            kept = tuple(d for d in request.documents if d.code != document.code)
            request = replace(request, documents=(*kept, document))
        elif event.type == events.SUBMISSION_REFUSED:
            request = _newer(request, data, statuses.REJECTED_SIGNATURE)
        elif event.type == events.REQUEST_SUBMITTED:
            request = _newer(request, data, statuses.SUBMITTED)
        elif event.type == events.STATUS_CHANGED:
            request = _newer(request, data, data["status"])
        elif event.type == events.RESULT_RECEIVED:
            # A document, not a status: the sender's notification carries the final status.
            request = replace(request, result=dict(data))
        elif event.type == events.SURVEY_ANSWERED:
            request = replace(request, survey=dict(data))
        elif event.type == events.RESULT_HANDED_OUT:
            request = _newer(replace(request, handed_out=True), data, statuses.HANDED_OUT)
        request = replace(request, version_no=version)
    return request
