"""Shapes of the HTTP API (pydantic v2): what staff send and what they see, and the one view of
a request both the API and the pages show (:func:`request_out`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from provider_svc.domain.request import ProviderRequest
from shared.eventlog.port import RecordedEvent
from shared.regulation.engine import StepEngine


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Grounds(_In):
    """The grounds of a refusal, in Kazakh and Russian (001 p.3: a reasoned answer)."""

    kk: str = Field(min_length=1, max_length=4000)
    ru: str = Field(min_length=1, max_length=4000)


class ActionIn(_In):
    step: str = Field(min_length=1, max_length=64)
    outcome: str = Field(min_length=1, max_length=64)
    grounds: Grounds | None = None
    document_signature: str | None = Field(
        default=None,
        description="the signer's signature over the draft (POST .../draft): a detached JWS, "
        "or a CMS as NCALayer makes it (PEM or base64 DER)",
    )


class ExtensionIn(_In):
    step: str = Field(min_length=1, max_length=64)
    until: date = Field(description="the step's new last day (local); at most the act's maximum")
    reason: str = Field(min_length=1, max_length=1000, description="why more time is needed")


class DraftIn(_In):
    outcome: str = Field(min_length=1, max_length=64)
    grounds: Grounds | None = None


class ScannedDocument(_In):
    code: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=500)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hash of the scan")
    pages: int | None = Field(default=None, ge=1, le=10_000)


class PaperApplicationIn(_In):
    """A paper application taken at the office (000 appendix 1, 004 diagram 1)."""

    service: str = Field(min_length=1, max_length=64, description="code or DIGEST letter")
    applicant_iin: str = Field(pattern=r"^[0-9]{12}$")
    form: dict[str, Any] = Field(default_factory=dict)
    documents: list[ScannedDocument] = Field(default_factory=list, max_length=100)


class RequestOut(BaseModel):
    request_id: str
    workstation: str
    service: str
    version: str
    channel: str
    status: str
    step: str | None
    role: str | None
    step_deadline: str | None
    request_deadline: str
    finished: str | None
    refusal: str | None
    allowed: list[dict[str, Any]]
    result: dict[str, Any] | None
    history: list[dict[str, Any]]


def history_of(stream: Sequence[RecordedEvent]) -> list[dict[str, Any]]:
    """A request's events as staff see them: each with who did it and in which role."""
    return [
        {
            "type": e.type,
            "at": e.recorded_at.isoformat(),
            "actor": e.metadata.get("actor"),
            "role": e.metadata.get("role"),
            "step": e.data.get("step"),
            "outcome": e.data.get("outcome"),
            "status": e.data.get("status"),
        }
        for e in stream
    ]


def request_out(
    workstation: str,
    request: ProviderRequest,
    engine: StepEngine,
    stream: Sequence[RecordedEvent],
) -> RequestOut:
    """One request of ``workstation`` as loaded (``ProviderService.load``): where it stands,
    what the step engine allows now, its signed result and its history."""
    state = request.state
    current = state.current
    return RequestOut(
        request_id=request.request_id,
        workstation=workstation,
        service=state.service,
        version=state.version,
        channel=state.channel.value,
        status=state.status,
        step=None if current is None else current.step,
        role=None if current is None else current.role,
        step_deadline=None
        if current is None or current.deadline is None
        else current.deadline.isoformat(),
        request_deadline=state.deadline.isoformat(),
        finished=state.finished,
        refusal=state.refusal,
        allowed=[
            {"role": a.role, "step": a.step, "outcomes": list(a.outcomes)}
            for a in engine.allowed(state)
        ],
        result=None
        if request.result is None
        else {
            "document": dict(request.result.document),
            "signature": request.result.signature,
            "signer_iin": request.result.signer_iin,
        },
        history=history_of(stream),
    )
