"""One request at a provider workstation: what arrived, where the step engine says it stands,
the refusal grounds and the signed result. Rebuilt from the request's own stream."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from provider_svc.domain.events import (
    APPLICANT_CHECKED,
    GROUNDS_RECORDED,
    REQUEST_RECEIVED,
    RESULT_SIGNED,
    STATUS_NOTIFIED,
)
from shared.regulation.engine import EventLike, RequestState, StepEngine
from shared.regulation.model import Channel


@dataclass(frozen=True)
class Origin:
    """Where the request came from and where its statuses and result go back to."""

    workstation: str  # the provider system that owns the request
    channel: Channel
    reply_to: str  # system id of the portal or the PSC desk; "portal" for paper requests
    psc_desk: str | None
    message_id: str | None  # the delivering envelope (None for paper)
    applicant_iin: str
    form: Mapping[str, Any]
    documents: tuple[Mapping[str, Any], ...]
    # When the applicant's signed request was accepted by the portal or the PSC desk (002
    # p.3: the term counts from it); None for paper, which counts from its registration.
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class SignedResult:
    document: Mapping[str, Any]
    signature: str
    signer_iin: str | None
    signer: str


@dataclass(frozen=True)
class ProviderRequest:
    request_id: str
    origin: Origin
    state: RequestState
    version: int  # stream version, for optimistic concurrency
    grounds: Mapping[str, str] | None = None
    result: SignedResult | None = None
    applicant_found: bool | None = None
    notified: tuple[str, ...] = field(default_factory=tuple)  # statuses already notified


def origin_of(events: Sequence[EventLike]) -> Origin:
    for event in events:
        if event.type == REQUEST_RECEIVED:
            d = event.data
            return Origin(
                workstation=str(d["workstation"]),
                channel=Channel(d["channel"]),
                reply_to=str(d["reply_to"]),
                psc_desk=d.get("psc_desk"),
                message_id=d.get("message_id"),
                applicant_iin=str(d["applicant_iin"]),
                form=dict(d.get("form") or {}),
                documents=tuple(d.get("documents") or ()),
                submitted_at=None
                if d.get("submitted_at") is None
                else datetime.fromisoformat(str(d["submitted_at"])),
            )
    raise ValueError("the request stream has no RequestReceived event")


def fold(engine: StepEngine, events: Sequence[EventLike], version: int) -> ProviderRequest:
    origin = origin_of(events)
    state = engine.state(events)
    grounds: Mapping[str, str] | None = None
    result: SignedResult | None = None
    found: bool | None = None
    notified: list[str] = []
    for event in events:
        d = event.data
        if event.type == GROUNDS_RECORDED:
            grounds = {"kk": str(d["kk"]), "ru": str(d["ru"])}
        elif event.type == RESULT_SIGNED:
            result = SignedResult(
                document=d["document"],
                signature=str(d["signature"]),
                signer_iin=d.get("signer_iin"),
                signer=str(d["signer"]),
            )
        elif event.type == APPLICANT_CHECKED:
            found = bool(d["found"])
        elif event.type == STATUS_NOTIFIED:
            notified.append(str(d["status"]))
    return ProviderRequest(
        state.request_id, origin, state, version, grounds, result, found, tuple(notified)
    )


def engine_key(events: Sequence[EventLike]) -> tuple[str, str]:
    """(service code, version) of a request stream, to pick its engine."""
    for event in events:
        if event.type == "RequestSubmitted.v1":
            return str(event.data["service"]), str(event.data["version"])
    raise ValueError("the request stream has no RequestSubmitted event")
