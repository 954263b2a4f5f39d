"""SLA report: per service version and per step, the actual time taken against the norm.

Actual time is measured the way the norm counts: working time for norms in minutes, hours and
working days (what the calendar says was available), elapsed time for calendar days and for
information systems. A step is late when it finished after its deadline, or is still open
after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.regulation.engine import EventLike, RequestState, StepEngine
from shared.regulation.model import Norm, NormUnit, RoleKind


@dataclass
class StepStats:
    service: str
    version: str
    step: str
    role: str
    norm: str
    runs: int = 0
    finished: int = 0
    late: int = 0
    actual: list[timedelta] = field(default_factory=list)

    @property
    def max_actual(self) -> timedelta | None:
        return max(self.actual) if self.actual else None

    @property
    def mean_actual(self) -> timedelta | None:
        if not self.actual:
            return None
        return sum(self.actual, timedelta(0)) / len(self.actual)


@dataclass
class RequestStats:
    service: str
    version: str
    term: str
    requests: int = 0
    finished: int = 0
    late: int = 0


@dataclass(frozen=True)
class SlaReport:
    requests: tuple[RequestStats, ...]
    steps: tuple[StepStats, ...]

    def render(self) -> str:
        lines = ["service@version | step | role | norm | runs | finished | late | mean | max"]
        for s in self.steps:
            lines.append(
                f"{s.service}@{s.version} | {s.step} | {s.role} | {s.norm} | {s.runs} | "
                f"{s.finished} | {s.late} | {_fmt(s.mean_actual)} | {_fmt(s.max_actual)}"
            )
        lines.append("service@version | term | requests | finished | late")
        for r in self.requests:
            lines.append(
                f"{r.service}@{r.version} | {r.term} | {r.requests} | {r.finished} | {r.late}"
            )
        return "\n".join(lines)


def _fmt(value: timedelta | None) -> str:
    return "-" if value is None else str(value)


def sla_report(
    engines: Iterable[StepEngine],
    requests: Iterable[Sequence[EventLike]],
    now: datetime,
) -> SlaReport:
    """Aggregate the event streams of many requests; ``now`` decides open steps' lateness."""
    by_key = engines_by_key(engines)
    return report_of((fold_request(engine_of(by_key, events), events) for events in requests), now)


@dataclass(frozen=True)
class FoldedRequest:
    """What one request brings to the report whatever ``now`` is: its state folded from its
    events and the measured time of each finished step run (None for a run still open). A
    reader that keeps it while the request's stream has not grown (a projection) folds each
    request once, not at every report."""

    engine: StepEngine
    state: RequestState
    actual: tuple[timedelta | None, ...]  # by run, in the order of ``state.runs``
    finished_at: datetime | None  # the last step run's completion


def engines_by_key(engines: Iterable[StepEngine]) -> dict[tuple[str, str], StepEngine]:
    return {(e.definition.code, e.definition.version): e for e in engines}


def engine_of(by_key: dict[tuple[str, str], StepEngine], events: Sequence[EventLike]) -> StepEngine:
    """The engine of the service version a request's stream was submitted under."""
    submitted = next(e for e in events if e.type == "RequestSubmitted.v1")
    return by_key[(str(submitted.data["service"]), str(submitted.data["version"]))]


def fold_request(engine: StepEngine, events: Sequence[EventLike]) -> FoldedRequest:
    state = engine.state(events)
    d = engine.definition
    actual = tuple(
        None
        if run.completed_at is None
        else _measure(engine, run.role, d.step(run.step).norm, run.started_at, run.completed_at)
        for run in state.runs
    )
    finished_at = max((r.completed_at for r in state.runs if r.completed_at), default=None)
    return FoldedRequest(engine, state, actual, finished_at)


def report_of(requests: Iterable[FoldedRequest], now: datetime) -> SlaReport:
    """The report of folded requests at ``now``."""
    step_stats: dict[tuple[str, str, str], StepStats] = {}
    request_stats: dict[tuple[str, str], RequestStats] = {}
    for folded in requests:
        state, d = folded.state, folded.engine.definition
        key = (d.code, d.version)
        rs = request_stats.get(key)
        if rs is None:
            rs = request_stats[key] = RequestStats(*key, d.term.label())
        rs.requests += 1
        finished_at = folded.finished_at
        if state.finished is not None:
            rs.finished += 1
        end = finished_at if state.finished is not None and finished_at else now
        if end > state.deadline:
            rs.late += 1
        for run, actual in zip(state.runs, folded.actual, strict=True):
            ss = step_stats.get((*key, run.step))
            if ss is None:
                step = d.step(run.step)
                label = step.norm.label() if step.norm else "-"
                ss = step_stats[(*key, run.step)] = StepStats(*key, run.step, run.role, label)
            ss.runs += 1
            stop = run.completed_at or now
            if actual is not None:
                ss.finished += 1
                ss.actual.append(actual)
            if run.deadline is not None and stop > run.deadline:
                ss.late += 1
    return SlaReport(
        requests=tuple(request_stats[k] for k in sorted(request_stats)),
        steps=tuple(step_stats[k] for k in sorted(step_stats)),
    )


def _measure(
    engine: StepEngine, role: str, norm: Norm | None, start: datetime, stop: datetime
) -> timedelta:
    kind = engine.definition.role(role).kind
    calendar_days = norm is not None and norm.unit is NormUnit.CALENDAR_DAYS
    if kind is RoleKind.HUMAN and not calendar_days:
        return engine.calendar.working_time_between(start, stop)
    return stop - start
