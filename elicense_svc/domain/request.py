"""A request kept in E-licensing: its number, applicant, registry check and the regulation's
steps (the shared step engine decides those; this module adds what only E-licensing does).

Pure: the state is a fold of the request stream; decisions return new events. Time comes in.

The registry check (000 appendix 1 process 4, condition 2, process 5) runs:
* as the definition's own step when it has one (003: step ``registry_check``, role
  ``registry``), once the request reaches it;
* otherwise as a gate right after registration, before any staff step can be taken, so that
  every request (portal or provider path) has its applicant confirmed by ГБД ФЛ / ГБД ЮЛ.
Steps whose role is the ``elicensing`` system (003: ``register_in_elicensing``) complete by
themselves with their one non-refusal outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from elicense_svc.domain import events as ev
from elicense_svc.domain.errors import ElicenseError, Invalid
from elicense_svc.domain.statuses import Status
from shared.clock import as_utc
from shared.eventlog.port import NewEvent
from shared.ids import parse_bin, parse_iin
from shared.regulation.engine import (
    REQUEST_REFUSED,
    EventLike,
    RequestState,
    StepEngine,
)
from shared.regulation.model import Channel, Definition

REGISTRY_ROLE = "registry"  # the definitions' role for ГБД ФЛ / ГБД ЮЛ
ELICENSING_ROLE = "elicensing"  # the definitions' role for E-licensing itself
NOT_FOUND_GROUND = "REGISTRY_DATA_NOT_FOUND"
# 000 appendix 1 process 5, the message the staff member and the applicant see.
DATA_CANNOT_BE_OBTAINED = {
    "kk": "Деректерді алу мүмкін емес",
    "ru": "Невозможно получить данные",
    "en": "Data cannot be obtained",
}

RegistryState = Literal["pending", "deferred", "found", "not_found"]


@dataclass(frozen=True)
class Applicant:
    kind: Literal["individual", "legal_entity"]
    id: str  # IIN or BIN

    @classmethod
    def parse(cls, iin: str | None, bin: str | None) -> Applicant:
        """The applicant: the legal entity when a BIN is given (the portal sends the IIN of the
        head who signed for it as well), else the individual."""
        if iin is None and bin is None:
            raise Invalid("APPLICANT_ID", "give the applicant's IIN or BIN")
        try:
            if iin is not None:
                parse_iin(iin)
            if bin is None:
                assert iin is not None  # noqa: S101 - one of them is set, checked above
                return cls("individual", iin)
            parse_bin(bin)
            return cls("legal_entity", bin)
        except ValueError as exc:
            raise Invalid("APPLICANT_ID", str(exc)) from exc

    @property
    def registry(self) -> str:
        """The sync service that holds the applicant (gateway_svc/rules.yaml)."""
        return "registry.person" if self.kind == "individual" else "registry.legal_entity"

    def as_data(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id}


@dataclass(frozen=True)
class Document:
    code: str
    name: str
    sha256: str
    size: int
    media_type: str = "application/pdf"

    def as_data(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
        }


@dataclass(frozen=True)
class ElicenseRequest:
    request_id: str
    service: str
    version: str
    channel: Channel
    provider: str
    applicant: Applicant
    source: dict[str, Any]
    received_at: datetime
    form: dict[str, Any] = field(default_factory=dict)
    documents: tuple[dict[str, Any], ...] = ()
    number: str | None = None
    registry: RegistryState = "pending"
    registry_attempts: int = 0
    retry_at: datetime | None = None
    registry_reason: str | None = None
    registry_record: dict[str, Any] | None = None
    permit_number: str | None = None
    notified: int = 0  # the seq of the last status notification sent about it
    engine_events: tuple[EventLike, ...] = ()
    stream_version: int = 0

    def steps(self, engine: StepEngine) -> RequestState:
        return engine.state(self.engine_events)


def fold(events: Sequence[EventLike], *, stream_version: int | None = None) -> ElicenseRequest:
    """Rebuild a request from its stream."""
    state: ElicenseRequest | None = None
    engine_events: list[EventLike] = []
    for event in events:
        data = event.data
        if event.type == ev.REQUEST_RECEIVED:
            state = ElicenseRequest(
                request_id=str(data["request_id"]),
                service=str(data["service"]),
                version=str(data["version"]),
                channel=Channel(data["channel"]),
                provider=str(data["provider"]),
                applicant=Applicant(data["applicant"]["kind"], data["applicant"]["id"]),
                source=dict(data["source"]),
                received_at=as_utc(datetime.fromisoformat(str(data["received_at"]))),
                form=dict(data.get("form") or {}),
                documents=tuple(data.get("documents") or ()),
            )
            continue
        if state is None:
            raise ElicenseError("CORRUPT_STREAM", f"{event.type} before {ev.REQUEST_RECEIVED}")
        state = _evolve(state, event.type, data)
        if event.type not in _OWN:
            engine_events.append(event)
    if state is None:
        raise ElicenseError("CORRUPT_STREAM", "the stream holds no request")
    return replace(
        state,
        engine_events=tuple(engine_events),
        stream_version=len(events) if stream_version is None else stream_version,
    )


_OWN = frozenset(
    {
        ev.REQUEST_REGISTERED,
        ev.DOCUMENTS_ATTACHED,
        ev.REGISTRY_CHECK_DEFERRED,
        ev.REGISTRY_RECORD_FOUND,
        ev.REGISTRY_DATA_NOT_FOUND,
        ev.PERMIT_NUMBER_RESERVED,
        ev.STATUS_NOTIFIED,
    }
)


def _evolve(state: ElicenseRequest, kind: str, data: Mapping[str, Any]) -> ElicenseRequest:
    if kind == ev.REQUEST_REGISTERED:
        return replace(state, number=str(data["number"]))
    if kind == ev.DOCUMENTS_ATTACHED:
        return replace(state, documents=(*state.documents, *data["documents"]))
    if kind == ev.REGISTRY_CHECK_DEFERRED:
        return replace(
            state,
            registry="deferred",
            registry_attempts=int(data["attempt"]),
            retry_at=as_utc(datetime.fromisoformat(str(data["retry_at"]))),
            registry_reason=str(data["reason"]),
        )
    if kind == ev.REGISTRY_RECORD_FOUND:
        return replace(
            state,
            registry="found",
            registry_attempts=int(data["attempt"]),
            retry_at=None,
            registry_reason=None,
            registry_record=dict(data["record"]),
        )
    if kind == ev.REGISTRY_DATA_NOT_FOUND:
        return replace(
            state,
            registry="not_found",
            registry_attempts=int(data["attempt"]),
            retry_at=None,
            registry_reason=str(data["reason"]),
        )
    if kind == ev.PERMIT_NUMBER_RESERVED:
        return replace(state, permit_number=str(data["permit_number"]))
    if kind == ev.STATUS_NOTIFIED:
        return replace(state, notified=max(state.notified, int(data["seq"])))
    return state


# --- decisions --------------------------------------------------------------------------------


def receive(
    engine: StepEngine,
    *,
    request_id: str,
    channel: Channel,
    provider: str,
    applicant: Applicant,
    source: Mapping[str, Any],
    number: str,
    at: datetime,
    form: Mapping[str, Any] | None = None,
    documents: Sequence[Document] = (),
    submitted_at: datetime | None = None,
) -> list[NewEvent]:
    """Processes 3 and 7: the request is taken in at ``at``, registered under its number and
    started on the definition's first step for its channel; the term counts from
    ``submitted_at`` (the portal's acceptance; default ``at``, a staff entry at the office)."""
    definition = engine.definition
    received = NewEvent(
        ev.REQUEST_RECEIVED,
        {
            "request_id": request_id,
            "service": definition.code,
            "version": definition.version,
            "channel": channel.value,
            "provider": provider,
            "applicant": applicant.as_data(),
            "source": dict(source),
            "received_at": as_utc(at).isoformat(),
            "form": dict(form or {}),
            "documents": [d.as_data() for d in documents],
        },
    )
    registered = NewEvent(ev.REQUEST_REGISTERED, {"request_id": request_id, "number": number})
    new = [received, registered, *engine.submit(request_id, channel, at, submitted_at=submitted_at)]
    return new + advance(engine, _apply(fold([received, registered]), new[2:]), at)


def _apply(state: ElicenseRequest, new: Sequence[EventLike]) -> ElicenseRequest:
    engine_events = list(state.engine_events)
    for event in new:
        state = _evolve(state, event.type, event.data)
        if event.type not in _OWN and event.type != ev.REQUEST_RECEIVED:
            engine_events.append(event)
    return replace(state, engine_events=tuple(engine_events))


def apply(state: ElicenseRequest, new: Sequence[EventLike]) -> ElicenseRequest:
    """``state`` after ``new`` (for deciding on more than one step at once)."""
    return _apply(state, new)


def _registry_step_ahead(definition: Definition, step_id: str) -> bool:
    """Is a ``registry`` step reachable from ``step_id`` (or is it that step)?"""
    seen: set[str] = set()
    todo = [step_id]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        step = definition.step(current)
        if step.role == REGISTRY_ROLE:
            return True
        todo.extend(o.next for o in step.outcomes if o.next is not None)
    return False


def needs_registry_check(engine: StepEngine, state: ElicenseRequest) -> bool:
    """Must the registry be asked now (and staff wait for its answer)?"""
    if state.registry in ("found", "not_found"):
        return False
    current = state.steps(engine).current
    if current is None:
        return False
    if current.role == REGISTRY_ROLE:
        return True
    return not _registry_step_ahead(engine.definition, current.step)


def advance(engine: StepEngine, state: ElicenseRequest, at: datetime) -> list[NewEvent]:
    """Complete the steps that E-licensing does itself, as far as they go."""
    out: list[NewEvent] = []
    while True:
        steps = state.steps(engine)
        current = steps.current
        if current is None:
            return out
        step = engine.definition.step(current.step)
        if step.role == ELICENSING_ROLE:
            outcome = next(o for o in step.outcomes if o.refusal is None)
            new = engine.act(steps, role=step.role, step=step.id, outcome=outcome.name, at=at)
        elif step.role == REGISTRY_ROLE and state.registry in ("found", "not_found"):
            wanted = "found" if state.registry == "found" else "not_found"
            names = [o.name for o in step.outcomes]
            if wanted not in names:
                raise ElicenseError(
                    "DEFINITION_SHAPE",
                    f"{engine.definition.key}: registry step {step.id!r} has no outcome "
                    f"{wanted!r} (outcomes: {', '.join(names)})",
                )
            new = engine.act(steps, role=step.role, step=step.id, outcome=wanted, at=at)
        else:
            return out
        out.extend(new)
        state = _apply(state, new)


def registry_answered(
    engine: StepEngine,
    state: ElicenseRequest,
    *,
    found: Mapping[str, Any] | None,
    reason: str,
    at: datetime,
) -> list[NewEvent]:
    """Condition 2: the registry answered. ``found`` is the record, None when it holds none."""
    attempt = state.registry_attempts + 1
    base = {
        "request_id": state.request_id,
        "registry": state.applicant.registry,
        "key": state.applicant.id,
        "attempt": attempt,
        "at": as_utc(at).isoformat(),
    }
    if found is not None:
        new = [NewEvent(ev.REGISTRY_RECORD_FOUND, {**base, "record": dict(found)})]
    else:
        new = [
            NewEvent(
                ev.REGISTRY_DATA_NOT_FOUND,
                {**base, "reason": reason, "message": DATA_CANNOT_BE_OBTAINED},
            )
        ]
    after = _apply(state, new)
    current = after.steps(engine).current
    if found is None and current is not None and current.role != REGISTRY_ROLE:
        # The gate (no registry step in the definition): process 5 ends the request with the
        # definition's refusal ground for it.
        new.append(
            NewEvent(
                REQUEST_REFUSED,
                {
                    "request_id": state.request_id,
                    "refusal": NOT_FOUND_GROUND,
                    "result": None,
                    "status": Status.REGISTRY_NOT_FOUND.value,
                    "at": as_utc(at).isoformat(),
                    "overdue": at > after.steps(engine).deadline,
                },
            )
        )
        return new
    return new + advance(engine, after, at)


def registry_unavailable(
    state: ElicenseRequest,
    *,
    reason: str,
    at: datetime,
    base_delay: timedelta,
    max_delay: timedelta,
) -> list[NewEvent]:
    """The registry or the gateway did not answer: the request waits (neither refused nor
    lost) and is asked again after an exponential backoff."""
    attempt = state.registry_attempts + 1
    delay = min(base_delay * 2 ** (attempt - 1), max_delay)
    return [
        NewEvent(
            ev.REGISTRY_CHECK_DEFERRED,
            {
                "request_id": state.request_id,
                "registry": state.applicant.registry,
                "attempt": attempt,
                "reason": reason,
                "at": as_utc(at).isoformat(),
                "retry_at": (as_utc(at) + delay).isoformat(),
                "status": Status.AWAITING_REGISTRY.value,
            },
        )
    ]


def status_of(engine: StepEngine, state: ElicenseRequest) -> str:
    """The status the applicant and staff see."""
    steps = state.steps(engine)
    if steps.finished is None and state.registry == "deferred":
        return Status.AWAITING_REGISTRY.value
    if steps.finished == "refused" and steps.refusal == NOT_FOUND_GROUND:
        return Status.REGISTRY_NOT_FOUND.value
    return steps.status
