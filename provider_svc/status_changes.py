"""Status changes to notifications: for every step change of a request, the signed
``status.changed.v2`` for the gateway, and the signed result where it is delivered (the cabinet
at the end, the PSC desk before its hand-out step)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from provider_svc.domain import events
from provider_svc.domain.request import Origin
from provider_svc.domain.roles import EXTERNAL_ROLES
from provider_svc.domain.statuses import OVERDUE
from provider_svc.notifications import result_message, status_message
from shared.eventlog.port import NewEvent, OutboxMessage
from shared.regulation.engine import (
    REQUEST_COMPLETED,
    REQUEST_OVERDUE,
    REQUEST_REFUSED,
    STEP_OVERDUE,
    STEP_STARTED,
    RequestState,
    StepEngine,
)
from shared.regulation.model import Channel
from shared.signing import Signer


def notify_changes(
    engine: StepEngine,
    origin: Origin,
    history: list[Any],
    start: int,
    *,
    into: list[Any],
    signer: Signer,
    now: datetime,
) -> list[OutboxMessage]:
    """A status notification for every step change among ``history[start:]`` (appends the
    StatusNotified events to ``into``, which must be the request's whole stream so far: the
    notifications are numbered on from the ones it holds)."""
    definition = engine.definition
    state = engine.state(history)
    out: list[OutboxMessage] = []
    # ``into`` holds the request's whole stream (recorded and new): number on from what it has.
    sent = sum(1 for e in into if e.type == events.STATUS_NOTIFIED)
    for event in list(history[start:]):
        d = event.data
        extra: dict[str, Any] = {}
        if event.type == STEP_STARTED:
            status, step, deadline = str(d["status"]), str(d["step"]), d.get("deadline")
            signed = _last(history, events.RESULT_SIGNED)
            if d["role"] in EXTERNAL_ROLES and signed is not None:
                # 004 p.7 process 7: the signed result goes to the PSC desk, which hands
                # it out (process 8) and reports back.
                out.append(_result(signer, origin, state, signed, now))
        elif event.type in (REQUEST_COMPLETED, REQUEST_REFUSED):
            status, step, deadline = str(d["status"]), None, None
            signed = _last(history, events.RESULT_SIGNED)
            if signed is not None:
                extra["result"] = {
                    "kind": signed.data["document"]["kind"],
                    "sha256": signed.data["sha256"],
                    "signed_by": signed.data["signer"],
                }
                if origin.channel is Channel.PORTAL:
                    # To the personal cabinet; a paper request is handed out at the office,
                    # a PSC one was sent to the desk before its hand-out step.
                    out.append(_result(signer, origin, state, signed, now))
            if event.type == REQUEST_REFUSED:
                grounds = _last(history, events.GROUNDS_RECORDED)
                extra["refusal"] = {
                    "code": d.get("refusal"),
                    "grounds": None
                    if grounds is None
                    else {"kk": grounds.data["kk"], "ru": grounds.data["ru"]},
                }
        elif event.type in (STEP_OVERDUE, REQUEST_OVERDUE):
            status, step, deadline = OVERDUE, d.get("step"), d.get("deadline")
            extra["overdue"] = "step" if event.type == STEP_OVERDUE else "request"
        else:
            continue
        notified, message = status_message(
            signer=signer,
            origin=origin,
            request_id=state.request_id,
            seq=sent + 1,
            service_code=definition.code,
            version=definition.version,
            status=status,
            step=step,
            step_deadline=None if deadline is None else str(deadline),
            request_deadline=state.deadline.isoformat(),
            at=now,
            extra=extra,
        )
        # The notification is caused by whoever caused the step change.
        cause = {k: v for k, v in event.metadata.items() if k in ("actor", "role")}
        into.append(NewEvent(notified.type, notified.data, notified.event_id, cause))
        out.append(message)
        sent += 1
    return out


def _result(
    signer: Signer, origin: Origin, state: RequestState, signed: Any, at: datetime
) -> OutboxMessage:
    return result_message(
        signer=signer,
        origin=origin,
        request_id=state.request_id,
        service_code=state.service,
        document=signed.data["document"],
        signature=str(signed.data["signature"]),
        at=at,
    )


def _last(history: Sequence[Any], kind: str) -> Any | None:
    for event in reversed(history):
        if event.type == kind:
            return event
    return None
