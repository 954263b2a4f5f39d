"""The step engine: a definition plus the events so far give the allowed actions; an action gives
new events. Pure and synchronous: time comes in as arguments, never read here.

Events are plain data (``NewEvent`` with a stable type name) that the owning service appends to
its own stream; the engine never stores anything and imports no service. One request is one
stream; replaying its events (:meth:`StepEngine.state`) rebuilds where it stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, Literal, Protocol

from shared.clock import as_utc
from shared.eventlog.port import NewEvent
from shared.regulation.catalog import local_date
from shared.regulation.errors import ActionRefused, RegulationError
from shared.regulation.model import Channel, Definition, Norm, NormUnit, Outcome, RoleKind, Step

REQUEST_SUBMITTED = "RequestSubmitted.v1"
STEP_STARTED = "StepStarted.v1"
STEP_COMPLETED = "StepCompleted.v1"
REQUEST_COMPLETED = "RequestCompleted.v1"
REQUEST_REFUSED = "RequestRefused.v1"
DEADLINE_APPROACHING = "DeadlineApproaching.v1"
STEP_OVERDUE = "StepOverdue.v1"
REQUEST_OVERDUE = "RequestOverdue.v1"

ENGINE_EVENT_TYPES = frozenset(
    {
        REQUEST_SUBMITTED,
        STEP_STARTED,
        STEP_COMPLETED,
        REQUEST_COMPLETED,
        REQUEST_REFUSED,
        DEADLINE_APPROACHING,
        STEP_OVERDUE,
        REQUEST_OVERDUE,
    }
)


class WorkingCalendar(Protocol):
    """What the engine needs from a working-day calendar (``shared.calendar.KzCalendar``)."""

    def add_working_days(self, start: datetime, days: int) -> datetime: ...

    def add_calendar_days(self, start: datetime, days: int) -> datetime: ...

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime: ...

    def working_time_between(self, a: datetime, b: datetime) -> timedelta: ...


class EventLike(Protocol):
    """``NewEvent`` and ``RecordedEvent`` both fit."""

    @property
    def type(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...


_UNIT_SECONDS = {NormUnit.SECONDS: 1, NormUnit.MINUTES: 60, NormUnit.HOURS: 3600}


@dataclass(frozen=True)
class StepRun:
    seq: int  # 1-based position of this run in the request (a step may in principle repeat)
    step: str
    role: str
    started_at: datetime
    deadline: datetime | None
    completed_at: datetime | None = None
    outcome: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class RequestState:
    request_id: str
    service: str
    version: str
    channel: Channel
    submitted_at: datetime
    deadline: datetime
    status: str
    runs: tuple[StepRun, ...]
    finished: Literal["completed", "refused"] | None = None
    result: str | None = None
    refusal: str | None = None
    fired: frozenset[tuple[str, int]] = frozenset()  # (timer event type, run seq; 0 = request)

    @property
    def current(self) -> StepRun | None:
        if self.finished is not None or not self.runs:
            return None
        last = self.runs[-1]
        return last if last.completed_at is None else None

    @property
    def outcomes(self) -> tuple[str, ...]:
        return tuple(r.outcome for r in self.runs if r.outcome is not None)


@dataclass(frozen=True)
class AllowedAction:
    role: str
    step: str
    outcomes: tuple[str, ...]
    deadline: datetime | None


@dataclass(frozen=True)
class Timer:
    when: datetime
    type: str  # DeadlineApproaching.v1 / StepOverdue.v1 / RequestOverdue.v1
    seq: int  # the step run, 0 for the request
    step: str | None
    deadline: datetime


def _iso(value: datetime) -> str:
    return as_utc(value).isoformat()


def _time(value: Any) -> datetime:
    return as_utc(datetime.fromisoformat(str(value)))


def _opt_time(value: Any) -> datetime | None:
    return None if value is None else _time(value)


class StepEngine:
    """Runs requests of one definition.

    ``warn_at`` is the share of a step's allowed time after which ``DeadlineApproaching`` is
    emitted (4/5: when a fifth of the working time allowed is left). It is a simulator policy,
    not a clause of the seeds, which state only the norms.
    """

    def __init__(
        self,
        definition: Definition,
        calendar: WorkingCalendar,
        *,
        warn_at: Fraction = Fraction(4, 5),
    ) -> None:
        if not 0 < warn_at < 1:
            raise ValueError(f"warn_at must be between 0 and 1, got {warn_at}")
        self.definition = definition
        self.calendar = calendar
        self.warn_at = warn_at

    # --- deadlines -------------------------------------------------------------------------

    def norm_deadline(self, norm: Norm, role_kind: RoleKind, start: datetime) -> datetime:
        """When a norm started at ``start`` runs out. Days count on the working-day calendar;
        minutes and hours count working time for people and elapsed time for information
        systems and the applicant (they do not keep office hours)."""
        if norm.unit is NormUnit.WORKING_DAYS:
            return self.calendar.add_working_days(start, norm.amount)
        if norm.unit is NormUnit.CALENDAR_DAYS:
            return self.calendar.add_calendar_days(start, norm.amount)
        duration = timedelta(seconds=norm.amount * _UNIT_SECONDS[norm.unit])
        if role_kind is RoleKind.HUMAN:
            return self.calendar.add_working_time(start, duration)
        return start + duration

    def step_deadline(self, step: Step, start: datetime) -> datetime | None:
        if step.norm is None:
            return None
        return self.norm_deadline(step.norm, self.definition.role(step.role).kind, start)

    def request_deadline(self, submitted_at: datetime) -> datetime:
        return self.norm_deadline(self.definition.term.norm, RoleKind.HUMAN, submitted_at)

    # --- replay ----------------------------------------------------------------------------

    def state(self, events: Sequence[EventLike]) -> RequestState:
        """Rebuild a request from its events (engine events; others are ignored)."""
        state: RequestState | None = None
        for event in events:
            if event.type not in ENGINE_EVENT_TYPES:
                continue
            data = event.data
            if event.type == REQUEST_SUBMITTED:
                if state is not None:
                    raise RegulationError("a request stream holds two RequestSubmitted events")
                if (data["service"], data["version"]) != (
                    self.definition.code,
                    self.definition.version,
                ):
                    raise RegulationError(
                        f"request {data['request_id']} follows {data['service']}@"
                        f"{data['version']}, not {self.definition.key}"
                    )
                state = RequestState(
                    request_id=str(data["request_id"]),
                    service=str(data["service"]),
                    version=str(data["version"]),
                    channel=Channel(data["channel"]),
                    submitted_at=_time(data["submitted_at"]),
                    deadline=_time(data["deadline"]),
                    status=str(data["status"]),
                    runs=(),
                )
                continue
            if state is None:
                raise RegulationError(f"{event.type} before RequestSubmitted")
            state = self._evolve(state, event.type, data)
        if state is None:
            raise RegulationError("no RequestSubmitted event: the request was never submitted")
        return state

    @staticmethod
    def _evolve(state: RequestState, kind: str, data: Mapping[str, Any]) -> RequestState:
        if kind == STEP_STARTED:
            run = StepRun(
                seq=int(data["seq"]),
                step=str(data["step"]),
                role=str(data["role"]),
                started_at=_time(data["started_at"]),
                deadline=_opt_time(data.get("deadline")),
            )
            return replace(state, runs=(*state.runs, run), status=str(data["status"]))
        if kind == STEP_COMPLETED:
            runs = list(state.runs)
            index = next(i for i, r in enumerate(runs) if r.seq == int(data["seq"]))
            runs[index] = replace(
                runs[index],
                completed_at=_time(data["completed_at"]),
                outcome=str(data["outcome"]),
                actor=data.get("actor"),
            )
            return replace(state, runs=tuple(runs), status=str(data["status"]))
        if kind == REQUEST_COMPLETED:
            return replace(
                state, finished="completed", result=data["result"], status=str(data["status"])
            )
        if kind == REQUEST_REFUSED:
            return replace(
                state,
                finished="refused",
                refusal=str(data["refusal"]) if data.get("refusal") else None,
                result=data.get("result"),
                status=str(data["status"]),
            )
        # A timer event: remember it fired so it is not emitted twice.
        return replace(state, fired=state.fired | {(kind, int(data["seq"]))})

    # --- commands --------------------------------------------------------------------------

    def submit(self, request_id: str, channel: Channel, at: datetime) -> list[NewEvent]:
        """Start a request taken through ``channel`` at ``at`` (the version must be in force
        then: pick the definition with :meth:`Catalog.in_force`)."""
        at = as_utc(at, "at")
        d = self.definition
        if channel not in d.channels:
            raise ActionRefused(
                "CHANNEL_NOT_OFFERED",
                f"{d.key} is not offered through {channel.value!r}; channels: "
                + ", ".join(c.value for c in d.channels),
            )
        if not d.in_force.covers(local_date(at)):
            raise ActionRefused(
                "VERSION_NOT_IN_FORCE",
                f"{d.key} was not in force on {local_date(at)} "
                f"({d.in_force.from_}..{d.in_force.until or 'open'})",
            )
        first = d.entry_step(channel)
        submitted = NewEvent(
            REQUEST_SUBMITTED,
            {
                "request_id": request_id,
                "service": d.code,
                "version": d.version,
                "channel": channel.value,
                "submitted_at": _iso(at),
                "deadline": _iso(self.request_deadline(at)),
                "term": d.term.norm.label(),
                "status": first.status,
            },
        )
        return [submitted, self._start(request_id, first, 1, at)]

    def _start(self, request_id: str, step: Step, seq: int, at: datetime) -> NewEvent:
        deadline = self.step_deadline(step, at)
        return NewEvent(
            STEP_STARTED,
            {
                "request_id": request_id,
                "seq": seq,
                "step": step.id,
                "role": step.role,
                "started_at": _iso(at),
                "deadline": None if deadline is None else _iso(deadline),
                "norm": None if step.norm is None else step.norm.label(),
                "status": step.status,
            },
        )

    def _permitted(self, state: RequestState, step: Step) -> list[Outcome]:
        done = set(state.outcomes)
        return [
            o
            for o in step.outcomes
            if (not o.channels or state.channel in o.channels)
            and (o.after is None or o.after in done)
        ]

    def allowed(self, state: RequestState) -> list[AllowedAction]:
        """Which role may do what now (empty once the request has finished)."""
        current = state.current
        if current is None:
            return []
        step = self.definition.step(current.step)
        outcomes = tuple(o.name for o in self._permitted(state, step))
        return [AllowedAction(step.role, step.id, outcomes, current.deadline)]

    def act(
        self,
        state: RequestState,
        *,
        role: str,
        step: str,
        outcome: str,
        at: datetime,
        actor: str | None = None,
    ) -> list[NewEvent]:
        """Record that ``role`` finished ``step`` with ``outcome``; refuse anything the
        definition does not allow at this point, with the reason."""
        at = as_utc(at, "at")
        current = state.current
        if current is None:
            raise ActionRefused(
                "REQUEST_FINISHED",
                f"request {state.request_id} is already {state.finished}; nothing is pending",
            )
        if step != current.step:
            raise ActionRefused(
                "WRONG_ORDER",
                f"step {step!r} is not the current step; the request is at {current.step!r}",
            )
        definition_step = self.definition.step(current.step)
        if role != definition_step.role:
            raise ActionRefused(
                "WRONG_ROLE",
                f"step {step!r} is done by role {definition_step.role!r}, not {role!r}",
            )
        if at < current.started_at:
            raise ActionRefused(
                "BEFORE_STEP_START",
                f"{_iso(at)} is before step {step!r} started ({_iso(current.started_at)})",
            )
        names = {o.name: o for o in definition_step.outcomes}
        if outcome not in names:
            raise ActionRefused(
                "UNKNOWN_OUTCOME",
                f"step {step!r} has no outcome {outcome!r}; outcomes: {', '.join(names)}",
            )
        chosen = names[outcome]
        if chosen not in self._permitted(state, definition_step):
            guard = (
                f"after {chosen.after!r}"
                if chosen.after is not None and chosen.after not in state.outcomes
                else f"through {', '.join(c.value for c in chosen.channels)}"
            )
            raise ActionRefused(
                "OUTCOME_NOT_ALLOWED", f"outcome {outcome!r} is only possible {guard}"
            )
        events = [
            NewEvent(
                STEP_COMPLETED,
                {
                    "request_id": state.request_id,
                    "seq": current.seq,
                    "step": step,
                    "role": role,
                    "actor": actor,
                    "outcome": outcome,
                    "completed_at": _iso(at),
                    "next": chosen.next,
                    "status": chosen.status,
                    "overdue": current.deadline is not None and at > current.deadline,
                },
            )
        ]
        if chosen.next is not None:
            nxt = self.definition.step(chosen.next)
            events.append(self._start(state.request_id, nxt, current.seq + 1, at))
        elif chosen.refusal is not None:
            events.append(
                NewEvent(
                    REQUEST_REFUSED,
                    {
                        "request_id": state.request_id,
                        "refusal": chosen.refusal,
                        "result": None if chosen.result is None else chosen.result.value,
                        "status": chosen.status,
                        "at": _iso(at),
                        "overdue": at > state.deadline,
                    },
                )
            )
        elif chosen.result is not None:
            events.append(
                NewEvent(
                    REQUEST_COMPLETED,
                    {
                        "request_id": state.request_id,
                        "result": chosen.result.value,
                        "status": chosen.status,
                        "at": _iso(at),
                        "overdue": at > state.deadline,
                    },
                )
            )
        return events

    # --- timers ----------------------------------------------------------------------------

    def timers(self, state: RequestState) -> list[Timer]:
        """Timers still to fire for the request, earliest first."""
        if state.finished is not None:
            return []
        out: list[Timer] = []
        if (REQUEST_OVERDUE, 0) not in state.fired:
            out.append(Timer(state.deadline, REQUEST_OVERDUE, 0, None, state.deadline))
        current = state.current
        if current is not None and current.deadline is not None:
            warn = self._warn_instant(current, current.deadline)
            for kind, when in ((DEADLINE_APPROACHING, warn), (STEP_OVERDUE, current.deadline)):
                if (kind, current.seq) not in state.fired:
                    out.append(Timer(when, kind, current.seq, current.step, current.deadline))
        return sorted(out, key=lambda t: (t.when, t.type))

    def _share(self, span: timedelta) -> timedelta:
        return span * self.warn_at.numerator // self.warn_at.denominator

    def _warn_instant(self, run: StepRun, deadline: datetime) -> datetime:
        kind = self.definition.role(run.role).kind
        if kind is RoleKind.HUMAN:
            allowed = self.calendar.working_time_between(run.started_at, deadline)
            return self.calendar.add_working_time(run.started_at, self._share(allowed))
        return run.started_at + self._share(deadline - run.started_at)

    def due(self, state: RequestState, now: datetime) -> list[NewEvent]:
        """Timer events due at ``now`` that have not fired yet (idempotent per request)."""
        now = as_utc(now, "now")
        events: list[NewEvent] = []
        for timer in self.timers(state):
            if timer.when > now:
                break
            events.append(
                NewEvent(
                    timer.type,
                    {
                        "request_id": state.request_id,
                        "seq": timer.seq,
                        "step": timer.step,
                        "deadline": _iso(timer.deadline),
                        "at": _iso(timer.when),
                        "service": state.service,
                        "version": state.version,
                    },
                )
            )
        return events
