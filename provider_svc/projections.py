"""Read models of the provider workstation, rebuilt from the event log: the role inboxes, the
head's overdue view and the SLA report. ``egov replay provider`` builds them from position 0.

Each query first catches up with the log (events after the last position seen), so a read
after a write sees it, whichever process wrote it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from provider_svc.domain import events as ev
from provider_svc.domain.staff import StaffMember, fold_roster
from provider_svc.notifications import mask_iin
from shared.eventlog.port import EventStore, RecordedEvent
from shared.regulation.engine import (
    DEADLINE_APPROACHING,
    ENGINE_EVENT_TYPES,
    REQUEST_COMPLETED,
    REQUEST_OVERDUE,
    REQUEST_REFUSED,
    REQUEST_SUBMITTED,
    STEP_COMPLETED,
    STEP_EXTENDED,
    STEP_OVERDUE,
    STEP_STARTED,
    StepEngine,
)
from shared.regulation.sla import (
    FoldedRequest,
    SlaReport,
    engine_of,
    engines_by_key,
    fold_request,
    report_of,
)


@dataclass(frozen=True)
class RequestView:
    request_id: str
    workstation: str
    service: str
    version: str
    channel: str
    applicant: str  # masked
    received_at: str
    status: str = "registered"
    step: str | None = None
    role: str | None = None
    step_seq: int = 0
    step_deadline: str | None = None
    request_deadline: str | None = None
    warned: bool = False  # DeadlineApproaching for the current step
    step_overdue: bool = False
    request_overdue: bool = False
    finished: str | None = None
    refusal: str | None = None

    @property
    def overdue(self) -> bool:
        return self.finished is None and (self.step_overdue or self.request_overdue)

    def as_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "workstation": self.workstation,
            "service": self.service,
            "version": self.version,
            "channel": self.channel,
            "applicant": self.applicant,
            "received_at": self.received_at,
            "status": self.status,
            "step": self.step,
            "role": self.role,
            "step_deadline": self.step_deadline,
            "request_deadline": self.request_deadline,
            "deadline_warning": self.warned,
            "step_overdue": self.step_overdue,
            "request_overdue": self.request_overdue,
            "overdue": self.overdue,
            "finished": self.finished,
            "refusal": self.refusal,
        }


@dataclass
class ProviderProjection:
    position: int = 0
    events_seen: int = 0
    requests: dict[str, RequestView] = field(default_factory=dict)
    engine_events: dict[str, list[RecordedEvent]] = field(default_factory=dict)
    staff_events: dict[str, list[RecordedEvent]] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    # By request: the length of its engine events when it was folded for the SLA report.
    _folded: dict[str, tuple[int, FoldedRequest]] = field(
        default_factory=dict, repr=False, compare=False
    )

    async def catch_up(self, store: EventStore, *, batch: int = 1000) -> int:
        """Apply every event after the last position; returns how many were applied."""
        applied = 0
        async with self._lock:
            while True:
                page = await store.read_all(after=self.position, limit=batch)
                for event in page:
                    self.apply(event)
                    applied += 1
                if len(page) < batch:
                    return applied

    def apply(self, event: RecordedEvent) -> None:
        self.position = event.position
        self.events_seen += 1
        if event.stream_id.startswith(ev.STAFF_STREAM_PREFIX):
            ws = event.stream_id.removeprefix(ev.STAFF_STREAM_PREFIX)
            self.staff_events.setdefault(ws, []).append(event)
            return
        if not event.stream_id.startswith(ev.REQUEST_STREAM_PREFIX):
            return
        rid = event.stream_id.removeprefix(ev.REQUEST_STREAM_PREFIX)
        d = event.data
        if event.type == ev.REQUEST_RECEIVED:
            self.requests[rid] = RequestView(
                request_id=rid,
                workstation=str(d["workstation"]),
                service=str(d["service"]),
                version=str(d["version"]),
                channel=str(d["channel"]),
                applicant=mask_iin(str(d["applicant_iin"])),
                received_at=str(d["at"]),
            )
            return
        view = self.requests.get(rid)
        if view is None:
            return
        if event.type in ENGINE_EVENT_TYPES:
            self.engine_events.setdefault(rid, []).append(event)
        self.requests[rid] = _evolve(view, event.type, d)

    # --- queries -------------------------------------------------------------------------------

    def roster(self, workstation: str) -> dict[str, StaffMember]:
        return fold_roster(self.staff_events.get(workstation, []))

    def inbox(self, workstation: str, roles: Iterable[str]) -> list[RequestView]:
        wanted = set(roles)
        return sorted(
            (
                v
                for v in self.requests.values()
                if v.workstation == workstation and v.finished is None and v.role in wanted
            ),
            key=lambda v: (v.step_deadline or "~", v.request_id),
        )

    def overdue(self, workstation: str) -> list[RequestView]:
        return sorted(
            (v for v in self.requests.values() if v.workstation == workstation and v.overdue),
            key=lambda v: (v.step_deadline or "~", v.request_id),
        )

    def sla(
        self, engines: Sequence[StepEngine], now: datetime, workstation: str | None = None
    ) -> SlaReport:
        """The SLA report at ``now``. Each request is folded (its state, its finished steps'
        measured times) once per length of its stream and kept: a report costs the requests'
        runs, not a replay of their events."""
        by_key = engines_by_key(engines)
        folded = []
        for rid, view in sorted(self.requests.items()):
            events = self.engine_events.get(rid)
            if not events or (workstation is not None and view.workstation != workstation):
                continue
            kept = self._folded.get(rid)
            if kept is None or kept[0] != len(events) or not _same_engine(kept[1], by_key):
                engine = engine_of(by_key, events)
                kept = self._folded[rid] = (len(events), fold_request(engine, events))
            folded.append(kept[1])
        return report_of(folded, now)

    def summary(self) -> dict[str, dict[str, int]]:
        """Open requests per workstation and role: the inbox sizes, for ``egov replay``."""
        out: dict[str, dict[str, int]] = {}
        for view in self.requests.values():
            if view.finished is None and view.role is not None:
                per_ws = out.setdefault(view.workstation, {})
                per_ws[view.role] = per_ws.get(view.role, 0) + 1
        return {ws: dict(sorted(roles.items())) for ws, roles in sorted(out.items())}


def _same_engine(folded: FoldedRequest, by_key: dict[tuple[str, str], StepEngine]) -> bool:
    """Whether ``folded`` was folded by the engine ``by_key`` has for its service version."""
    definition = folded.engine.definition
    return by_key.get((definition.code, definition.version)) is folded.engine


def _evolve(view: RequestView, kind: str, d: dict[str, Any]) -> RequestView:
    if kind == REQUEST_SUBMITTED:
        return replace(view, request_deadline=str(d["deadline"]), status=str(d["status"]))
    if kind == STEP_EXTENDED:
        # 004: an extended search moves the step's deadline and the request's term.
        return replace(
            view,
            step_deadline=str(d["deadline"]),
            request_deadline=str(d["request_deadline"]),
            warned=False,
        )
    if kind == STEP_STARTED:
        return replace(
            view,
            step=str(d["step"]),
            role=str(d["role"]),
            step_seq=int(d["seq"]),
            step_deadline=d.get("deadline"),
            status=str(d["status"]),
            warned=False,
            step_overdue=False,
        )
    if kind == STEP_COMPLETED:
        return replace(view, status=str(d["status"]))
    if kind in (REQUEST_COMPLETED, REQUEST_REFUSED):
        finished = "completed" if kind == REQUEST_COMPLETED else "refused"
        return replace(
            view,
            status=str(d["status"]),
            finished=finished,
            step=None,
            role=None,
            refusal=d.get("refusal"),
        )
    if kind == DEADLINE_APPROACHING and int(d["seq"]) == view.step_seq:
        return replace(view, warned=True)
    if kind == STEP_OVERDUE and int(d["seq"]) == view.step_seq:
        return replace(view, step_overdue=True)
    if kind == REQUEST_OVERDUE:
        return replace(view, request_overdue=True)
    return view
