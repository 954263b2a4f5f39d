"""The step engine: a definition plus the events so far give the allowed actions; an action gives
new events. Pure and synchronous: time comes in as arguments, never read here.

Events are plain data (``NewEvent`` with a stable type name) that the owning service appends to
its own stream; the engine never stores anything and imports no service. One request is one
stream; replaying its events (:meth:`StepEngine.state`) rebuilds where it stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
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
STEP_EXTENDED = "StepExtended.v1"

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
        STEP_EXTENDED,
    }
)


class DailyHours(Protocol):
    @property
    def per_day(self) -> timedelta: ...


class WorkingCalendar(Protocol):
    """What the engine needs from a working-day calendar (``shared.calendar.KzCalendar``)."""

    @property
    def working_hours(self) -> DailyHours: ...

    def add_working_days(self, start: datetime, days: int) -> datetime: ...

    def add_calendar_days(
        self, start: datetime, days: int, *, from_receipt_day: bool = True
    ) -> datetime: ...

    def add_calendar_months(self, start: datetime, months: int) -> datetime: ...

    def day_end(self, day: date) -> datetime: ...

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

    @property
    def received_at(self) -> datetime:
        """When the request reached the body that runs it: the first step's start (the term
        counts from ``submitted_at``, the submission to the portal or desk)."""
        return self.runs[0].started_at if self.runs else self.submitted_at


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


def _current_run(state: RequestState, step: str) -> StepRun:
    """The run of ``step`` now in work; refused if the request has finished or is elsewhere."""
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
    return current


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
        """When a step's norm started at ``start`` runs out.

        The seeds mean a request's steps to fit inside its term (002 p.3 gives 9 working days;
        the steps of p.5 add up to 8 working days and 6 h 15 min), so a step in working days
        is working time: n times a working day's hours from its start (a 2-working-day step
        started Monday 14:00 ends Wednesday 14:00). Counting it like a term (from the next
        day, to the end of the n-th) would give every chained step the rest of its start day
        free and let steps done on time overrun the term. A step in calendar days counts from
        its start's date to the end of working hours of the n-th day after (moved to the next
        working day). Minutes and hours count working time for people and elapsed time for
        information systems and the applicant (they do not keep office hours)."""
        if norm.unit is NormUnit.WORKING_DAYS:
            per_day = self.calendar.working_hours.per_day
            return self.calendar.add_working_time(start, per_day * norm.amount)
        if norm.unit is NormUnit.CALENDAR_DAYS:
            return self.calendar.add_calendar_days(start, norm.amount, from_receipt_day=False)
        duration = timedelta(seconds=norm.amount * _UNIT_SECONDS[norm.unit])
        if role_kind is RoleKind.HUMAN:
            return self.calendar.add_working_time(start, duration)
        return start + duration

    def step_deadline(
        self, step: Step, start: datetime, term: datetime | None = None
    ) -> datetime | None:
        """A step's deadline; never after ``term``, the request's deadline, when given: the
        term binds the whole service (003 gives the result action 10 working days and the
        service 10 working days, so the seconds-long actions before it fall inside them)."""
        if step.norm is None:
            return None
        own = self.norm_deadline(step.norm, self.definition.role(step.role).kind, start)
        # A step started after the term already ran out keeps its own norm: capping it at the
        # term would give it a deadline before it began.
        return own if term is None or term <= start else min(own, term)

    def request_deadline(self, submitted_at: datetime, channel: Channel | None = None) -> datetime:
        """When a request submitted at ``submitted_at`` is due.

        A term in working or calendar days follows the Civil Code rule for periods: it runs
        from the day after the submission is accepted (after 18:30 or on a day off: the next
        working day) to the end of working hours of its last day; 002 p.3 counts it from the
        moment of submission to the portal («порталға құжаттар берілген сәттен бастап»), and
        sets no other rule. A term ``from_steps`` (004) is the latest end of the channel's
        step chains, each step taking its full norm."""
        term = self.definition.term
        if term.from_steps:
            if channel is None:
                raise ValueError(f"{self.definition.key}: the term depends on the channel")
            entry = self.definition.entry_step(channel)
            return self._chain_end(entry, as_utc(submitted_at), channel, frozenset(), ())
        norm = term.norm
        if norm.unit is NormUnit.WORKING_DAYS:
            return self.calendar.add_working_days(submitted_at, norm.amount)
        if norm.unit is NormUnit.CALENDAR_DAYS:
            return self.calendar.add_calendar_days(submitted_at, norm.amount)
        return self.norm_deadline(norm, RoleKind.HUMAN, submitted_at)

    def _chain_end(
        self,
        step: Step,
        start: datetime,
        channel: Channel,
        done: frozenset[str],
        path: tuple[str, ...],
        first_deadline: datetime | None = None,
    ) -> datetime:
        """The latest instant a chain from ``step`` started at ``start`` ends when every step
        takes its full norm (``first_deadline`` replaces the first step's own)."""
        if step.id in path:
            raise RegulationError(f"{self.definition.key}: steps loop at {step.id!r}")
        end = first_deadline or self.step_deadline(step, start)
        if end is None:
            raise RegulationError(f"{self.definition.key}: step {step.id!r} has no norm")
        latest = end
        for outcome in step.outcomes:
            if outcome.channels and channel not in outcome.channels:
                continue
            if outcome.after is not None and outcome.after not in done:
                continue
            if outcome.next is not None:
                nxt = self.definition.step(outcome.next)
                later = self._chain_end(nxt, end, channel, done | {outcome.name}, (*path, step.id))
                latest = max(latest, later)
        return latest

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
        if kind == STEP_EXTENDED:
            seq = int(data["seq"])
            extended = tuple(
                replace(r, deadline=_time(data["deadline"])) if r.seq == seq else r
                for r in state.runs
            )
            # The warning is given again before the new deadline.
            return replace(
                state,
                runs=extended,
                deadline=_time(data["request_deadline"]),
                fired=state.fired - {(DEADLINE_APPROACHING, seq)},
            )
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

    def submit(
        self,
        request_id: str,
        channel: Channel,
        at: datetime,
        *,
        submitted_at: datetime | None = None,
    ) -> list[NewEvent]:
        """Start a request taken through ``channel``, received at ``at`` (its first step starts
        then) and submitted at ``submitted_at`` (default ``at``): the moment the applicant's
        signed request was accepted by the portal or the PSC desk, or the paper application
        registered at the office. The term and the version in force count from the submission
        (002 p.3: «порталға құжаттар берілген сәттен бастап»); pick the definition with
        :meth:`Catalog.in_force` for that instant. A submission stamped after the receipt (a
        sender's clock ahead) counts as the receipt."""
        at = as_utc(at, "at")
        submitted = at if submitted_at is None else min(as_utc(submitted_at, "submitted_at"), at)
        d = self.definition
        if channel not in d.channels:
            raise ActionRefused(
                "CHANNEL_NOT_OFFERED",
                f"{d.key} is not offered through {channel.value!r}; channels: "
                + ", ".join(c.value for c in d.channels),
            )
        if not d.in_force.covers(local_date(submitted)):
            raise ActionRefused(
                "VERSION_NOT_IN_FORCE",
                f"{d.key} was not in force on {local_date(submitted)} "
                f"({d.in_force.from_}..{d.in_force.until or 'open'})",
            )
        first = d.entry_step(channel)
        deadline = self.request_deadline(submitted, channel)
        event = NewEvent(
            REQUEST_SUBMITTED,
            {
                "request_id": request_id,
                "service": d.code,
                "version": d.version,
                "channel": channel.value,
                "submitted_at": _iso(submitted),
                "received_at": _iso(at),
                "deadline": _iso(deadline),
                "term": d.term.label(),
                "status": first.status,
            },
        )
        return [event, self._start(request_id, first, 1, at, deadline)]

    def _start(
        self, request_id: str, step: Step, seq: int, at: datetime, term: datetime
    ) -> NewEvent:
        deadline = self.step_deadline(step, at, term)
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
        current = _current_run(state, step)
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
            events.append(self._start(state.request_id, nxt, current.seq + 1, at, state.deadline))
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

    def extend(
        self,
        state: RequestState,
        *,
        step: str,
        until: date,
        reason: str,
        at: datetime,
        actor: str | None = None,
    ) -> list[NewEvent]:
        """Extend the current step to the end of working hours of ``until`` (the next working
        day's if it is not one), as its norm allows in some cases (004 appendix, table 3,
        action 6: the archive search «15 тен 30 күн күнтізбелік күнге дейін (жекелеген
        жағдайларда 6 айға дейін)»). The request's term moves with it when the steps after the
        new deadline would end later. Refused with the reason when the step cannot be extended
        that far."""
        at = as_utc(at, "at")
        current = _current_run(state, step)
        definition_step = self.definition.step(step)
        norm = definition_step.norm
        if norm is None or norm.extension is None or current.deadline is None:
            raise ActionRefused(
                "NOT_EXTENDABLE",
                f"step {step!r} of {self.definition.key} has no extension in the act",
            )
        if not reason.strip():
            raise ActionRefused("REASON_REQUIRED", "state why the step needs more time")
        if at > current.deadline:
            raise ActionRefused(
                "DEADLINE_PASSED",
                f"step {step!r} was due {_iso(current.deadline)}; extend it before it is due",
            )
        months = norm.extension.up_to_months
        maximum = self.calendar.add_calendar_months(current.started_at, months)
        deadline = self.calendar.day_end(until)
        if deadline > maximum:
            raise ActionRefused(
                "BEYOND_MAXIMUM",
                f"step {step!r} may take at most {months} months "
                f"({norm.extension.source.clause}): until {_iso(maximum)}, not {_iso(deadline)}",
            )
        if deadline <= current.deadline:
            raise ActionRefused(
                "NOT_LATER",
                f"step {step!r} is already due {_iso(current.deadline)}; "
                f"{until.isoformat()} does not extend it",
            )
        tail = self._chain_end(
            definition_step,
            current.started_at,
            state.channel,
            frozenset(state.outcomes),
            (),
            first_deadline=deadline,
        )
        return [
            NewEvent(
                STEP_EXTENDED,
                {
                    "request_id": state.request_id,
                    "seq": current.seq,
                    "step": step,
                    "actor": actor,
                    "reason": reason.strip(),
                    "at": _iso(at),
                    "previous_deadline": _iso(current.deadline),
                    "deadline": _iso(deadline),
                    "request_deadline": _iso(max(state.deadline, tail)),
                    "status": state.status,
                },
            )
        ]

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
