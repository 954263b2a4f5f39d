"""The permit registry's aggregate (003 p.5.3: issued, re-issued, suspended, resumed,
terminated) and the permit document the authorized person signs.

A permit's document is typed per service (the definition's result: a certificate for A, an
approval for B) and is signed as RFC 8785 canonical JSON, so the signature checks wherever the
document is re-encoded. Re-issuing signs a new edition; the number stays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from elicense_svc.domain import events as ev
from elicense_svc.domain.errors import ElicenseError, Invalid
from elicense_svc.domain.request import ElicenseRequest
from elicense_svc.domain.statuses import PermitState
from shared.canonical import canonical_json
from shared.clock import as_utc
from shared.eventlog.port import NewEvent
from shared.regulation.engine import EventLike
from shared.regulation.model import Definition


def permit_document(
    definition: Definition, request: ElicenseRequest, permit_number: str
) -> dict[str, Any]:
    """The first edition of the permit for ``request`` (deterministic: the same inputs give the
    same bytes, so the draft shown to the signer is the document that gets registered)."""
    if request.number is None:
        raise ElicenseError("NOT_REGISTERED", f"request {request.request_id} has no number")
    result = definition.results[0]
    record = request.registry_record or {}
    return {
        "permit_number": permit_number,
        "edition": 1,
        "kind": result.kind.value,
        "title": result.name.model_dump(mode="json", exclude_none=True),
        "service": {"code": definition.code, "version": definition.version},
        "holder": {**request.applicant.as_data(), "name": holder_name(record)},
        "provider": {
            "id": request.provider,
            "name": definition.provider.name.model_dump(mode="json", exclude_none=True),
        },
        "request_number": request.number,
        "basis": {
            "act": definition.act.number,
            "date": definition.act.date.isoformat(),
        },
        "form": request.form,
    }


def holder_name(record: Mapping[str, Any]) -> Any:
    """The holder's name as the registry gives it: a person's surname, name and patronymic per
    language (ГБД ФЛ), an entity's name (ГБД ЮЛ)."""
    surname, name = record.get("surname"), record.get("name")
    if isinstance(surname, Mapping) and isinstance(name, Mapping):
        patronymic = record.get("patronymic")
        parts: list[Mapping[str, Any]] = [surname, name]
        if isinstance(patronymic, Mapping):
            parts.append(patronymic)
        languages = [lang for lang in ("kk", "ru", "en") if all(lang in p for p in parts[:2])]
        return {lang: " ".join(str(p[lang]) for p in parts if p.get(lang)) for lang in languages}
    return name


def reissued_document(previous: Mapping[str, Any], reason: str) -> dict[str, Any]:
    """The next edition of a permit: same content, the edition number and the reason."""
    if not reason.strip():
        raise Invalid("REASON_REQUIRED", "a re-issue needs its reason")
    return {**previous, "edition": int(previous["edition"]) + 1, "reissue_reason": reason}


def signing_bytes(document: Mapping[str, Any]) -> bytes:
    return canonical_json(dict(document))


@dataclass(frozen=True)
class Permit:
    number: str
    request_id: str
    service: str
    provider: str
    document: dict[str, Any]
    signature: str
    signer: dict[str, Any]
    issued_at: datetime
    state: PermitState = PermitState.VALID
    reason: str | None = None  # of the last suspension or termination
    history: tuple[dict[str, Any], ...] = ()


def fold_permit(events: Sequence[EventLike]) -> Permit:
    permit: Permit | None = None
    for event in events:
        data = event.data
        entry = {"event": event.type, "at": data["at"], "reason": data.get("reason")}
        if event.type == ev.PERMIT_ISSUED:
            permit = Permit(
                number=str(data["permit_number"]),
                request_id=str(data["request_id"]),
                service=str(data["service"]),
                provider=str(data["provider"]),
                document=dict(data["document"]),
                signature=str(data["signature"]),
                signer=dict(data["signer"]),
                issued_at=as_utc(datetime.fromisoformat(str(data["at"]))),
                history=(entry,),
            )
            continue
        if permit is None:
            raise ElicenseError("CORRUPT_STREAM", f"{event.type} before {ev.PERMIT_ISSUED}")
        history = (*permit.history, entry)
        if event.type == ev.PERMIT_REISSUED:
            permit = replace(
                permit,
                document=dict(data["document"]),
                signature=str(data["signature"]),
                signer=dict(data["signer"]),
                history=history,
            )
        elif event.type == ev.PERMIT_SUSPENDED:
            permit = replace(
                permit, state=PermitState.SUSPENDED, reason=data["reason"], history=history
            )
        elif event.type == ev.PERMIT_RESUMED:
            permit = replace(permit, state=PermitState.VALID, reason=None, history=history)
        elif event.type == ev.PERMIT_TERMINATED:
            permit = replace(
                permit, state=PermitState.TERMINATED, reason=data["reason"], history=history
            )
    if permit is None:
        raise ElicenseError("CORRUPT_STREAM", "the stream holds no permit")
    return permit


def issue(
    *,
    request: ElicenseRequest,
    permit_number: str,
    document: Mapping[str, Any],
    signature: str,
    signer: Mapping[str, Any],
    at: datetime,
) -> NewEvent:
    return NewEvent(
        ev.PERMIT_ISSUED,
        {
            "permit_number": permit_number,
            "request_id": request.request_id,
            "request_number": request.number,
            "service": request.service,
            "provider": request.provider,
            "holder": request.applicant.as_data(),
            "document": dict(document),
            "signature": signature,
            "signer": dict(signer),
            "at": as_utc(at).isoformat(),
        },
    )


# Which lifecycle command is allowed from which state, and where it leads (003 p.5.3).
_TRANSITIONS: dict[str, tuple[frozenset[PermitState], str]] = {
    "reissue": (frozenset({PermitState.VALID, PermitState.SUSPENDED}), ev.PERMIT_REISSUED),
    "suspend": (frozenset({PermitState.VALID}), ev.PERMIT_SUSPENDED),
    "resume": (frozenset({PermitState.SUSPENDED}), ev.PERMIT_RESUMED),
    "terminate": (frozenset({PermitState.VALID, PermitState.SUSPENDED}), ev.PERMIT_TERMINATED),
}
LIFECYCLE_COMMANDS = tuple(_TRANSITIONS)


def commands_allowed(state: PermitState) -> tuple[str, ...]:
    """The lifecycle commands a permit in ``state`` takes (003 p.5.3), in their usual order."""
    return tuple(c for c, (allowed, _) in _TRANSITIONS.items() if state in allowed)


def lifecycle(
    permit: Permit,
    command: str,
    *,
    reason: str,
    at: datetime,
    extra: Mapping[str, Any] | None = None,
) -> NewEvent:
    """``reissue``, ``suspend``, ``resume`` or ``terminate``; refused with the reason when the
    permit's state does not allow it."""
    if command not in _TRANSITIONS:
        raise Invalid(
            "UNKNOWN_COMMAND", f"{command!r}; permit commands: {', '.join(LIFECYCLE_COMMANDS)}"
        )
    allowed, event_type = _TRANSITIONS[command]
    if permit.state not in allowed:
        raise ElicenseError(
            "PERMIT_STATE",
            f"permit {permit.number} is {permit.state.value}: cannot {command} it",
        )
    if not reason.strip():
        raise Invalid("REASON_REQUIRED", f"to {command} a permit, give the reason")
    return NewEvent(
        event_type,
        {
            "permit_number": permit.number,
            "request_id": permit.request_id,
            "reason": reason,
            "at": as_utc(at).isoformat(),
            **dict(extra or {}),
        },
    )
