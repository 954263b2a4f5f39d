"""Deadline timers on the simulated clock, with the real Kazakhstan working-day calendar.

The case: service C (Almaty 2019, 9 working days, prepare_result 8 working days) submitted on
Monday 30 December 2019 at 10:00 Almaty time (UTC+6). Between then and the deadline lie
1-2 January (New Year holidays), Friday 3 January 2020 (a day off transferred by the
Government from Sunday 5 January, which became a working day), the weekends of 4 and 11-12
January, and 7 January (Orthodox Christmas). Counting from the day after acceptance:
31 Dec (1), 5 Jan (2, the Sunday worked), 6 (3), 8 (4), 9 (5), 10 (6), 13 (7), 14 (8), 15 (9).
The request is overdue at the end of working hours (18:30 local, 12:30 UTC) on 15 January;
prepare_result, started at 11:30 on 30 December, has 8 working days of working time (64 h:
5.5 h left on 30 December, 8 h on each working day after) and is overdue at 11:30 on 14 January.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.calendar import KzCalendar
from shared.clock import SimulatedClock
from shared.eventlog.port import NewEvent
from shared.regulation.catalog import Catalog
from shared.regulation.engine import (
    DEADLINE_APPROACHING,
    REQUEST_OVERDUE,
    STEP_OVERDUE,
    EventLike,
    StepEngine,
)
from shared.regulation.model import Channel
from shared.regulation.sla import sla_report
from shared.regulation.timers import DeadlineWatch

SUBMITTED = datetime(2019, 12, 30, 4, 0, tzinfo=UTC)  # 10:00 Almaty
STEP_DEADLINE = datetime(2020, 1, 14, 5, 30, tzinfo=UTC)  # 11:30 Almaty
REQUEST_DEADLINE = datetime(2020, 1, 15, 12, 30, tzinfo=UTC)


class Stream:
    """The service's side: an in-memory stream, recording when each append happened."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.events: list[NewEvent] = []
        self.appended_at: list[tuple[str, datetime]] = []
        self._clock = clock

    async def read(self) -> Sequence[EventLike]:
        return list(self.events)

    async def append(self, events: Sequence[NewEvent]) -> None:
        self.events.extend(events)
        self.appended_at.extend((e.type, self._clock.now()) for e in events)


def test_the_calendar_case_spans_weekend_holiday_and_transfer() -> None:
    cal = KzCalendar()
    assert not cal.is_working_day(date(2020, 1, 1))  # public holiday
    assert not cal.is_working_day(date(2020, 1, 3))  # Friday, day off moved from Sunday
    assert cal.is_working_day(date(2020, 1, 5))  # Sunday worked instead
    assert not cal.is_working_day(date(2020, 1, 11))  # ordinary Saturday


@pytest.fixture
def engine(catalog: Catalog) -> StepEngine:
    return StepEngine(catalog.get("C", "almaty-2019"), KzCalendar())


async def _at_prepare_result(engine: StepEngine, clock: SimulatedClock, stream: Stream) -> None:
    stream.events += engine.submit("c-1", Channel.PORTAL, clock.now())
    for step, outcome, minutes in [
        ("register", "registered", 10),
        ("head_review", "sent_to_deputy", 50),
        ("deputy_review", "accepted", 30),
    ]:
        await clock.advance(timedelta(minutes=minutes))
        state = engine.state(stream.events)
        role = engine.definition.step(step).role
        stream.events += engine.act(state, role=role, step=step, outcome=outcome, at=clock.now())


async def test_overdue_timers_fire_at_the_exact_working_day_instant(engine: StepEngine) -> None:
    clock = SimulatedClock(SUBMITTED)
    stream = Stream(clock)
    await _at_prepare_result(engine, clock, stream)
    state = engine.state(stream.events)
    assert state.deadline == REQUEST_DEADLINE
    assert state.runs[-1].step == "prepare_result"
    assert state.runs[-1].started_at == datetime(2019, 12, 30, 5, 30, tzinfo=UTC)
    assert state.runs[-1].deadline == STEP_DEADLINE

    watch = DeadlineWatch(engine, clock, stream.read, stream.append)
    await watch.arm()
    await clock.advance_to(STEP_DEADLINE - timedelta(microseconds=1))
    assert STEP_OVERDUE not in [t for t, _ in stream.appended_at]
    await clock.advance_to(STEP_DEADLINE)
    assert (STEP_OVERDUE, STEP_DEADLINE) in stream.appended_at
    await clock.advance_to(REQUEST_DEADLINE - timedelta(microseconds=1))
    assert REQUEST_OVERDUE not in [t for t, _ in stream.appended_at]
    await clock.advance_to(REQUEST_DEADLINE + timedelta(days=3))
    assert (REQUEST_OVERDUE, REQUEST_DEADLINE) in stream.appended_at
    # Each timer fired once, in order; the warning came before the step's deadline.
    kinds = [t for t, _ in stream.appended_at]
    assert kinds == [DEADLINE_APPROACHING, STEP_OVERDUE, REQUEST_OVERDUE]
    warned = stream.appended_at[0][1]
    assert SUBMITTED < warned < STEP_DEADLINE
    overdue = next(e for e in stream.events if e.type == STEP_OVERDUE)
    assert overdue.data["step"] == "prepare_result"
    assert overdue.data["deadline"] == STEP_DEADLINE.isoformat()


async def test_completing_a_step_in_time_disarms_its_overdue_timer(engine: StepEngine) -> None:
    clock = SimulatedClock(SUBMITTED)
    stream = Stream(clock)
    await _at_prepare_result(engine, clock, stream)
    watch = DeadlineWatch(engine, clock, stream.read, stream.append)
    await watch.arm()
    await clock.advance_to(STEP_DEADLINE - timedelta(minutes=30))
    state = engine.state(stream.events)
    stream.events += engine.act(
        state,
        role="department_employee",
        step="prepare_result",
        outcome="conclusion_drafted",
        at=clock.now(),
    )
    await watch.arm()
    await clock.advance_to(STEP_DEADLINE + timedelta(minutes=10))
    assert [e.type for e in stream.events if e.type == STEP_OVERDUE] == []
    # The next step (endorse, 1 working hour) started at 11:00 local on 14 January.
    state = engine.state(stream.events)
    assert state.runs[-1].deadline == datetime(2020, 1, 14, 6, 0, tzinfo=UTC)


async def test_finished_request_has_no_timers(engine: StepEngine) -> None:
    clock = SimulatedClock(SUBMITTED)
    stream = Stream(clock)
    stream.events += engine.submit("c-1", Channel.PORTAL, clock.now())
    await clock.advance(timedelta(minutes=1))
    state = engine.state(stream.events)
    stream.events += engine.act(
        state, role="employee", step="register", outcome="registered", at=clock.now()
    )
    for step, outcome in [("head_review", "sent_to_deputy")]:
        state = engine.state(stream.events)
        stream.events += engine.act(state, role="head", step=step, outcome=outcome, at=clock.now())
    state = engine.state(stream.events)
    stream.events += engine.act(
        state,
        role="deputy",
        step="deputy_review",
        outcome="documents_non_compliant",
        at=clock.now(),
    )
    watch = DeadlineWatch(engine, clock, stream.read, stream.append)
    assert await watch.arm() is None
    assert clock.pending_timers == 0


async def test_sla_report_measures_working_time_against_the_norm(
    engine: StepEngine,
) -> None:
    clock = SimulatedClock(SUBMITTED)
    stream = Stream(clock)
    await _at_prepare_result(engine, clock, stream)
    # prepare_result finishes one working hour after its deadline (next morning 10:30 local).
    await clock.advance_to(datetime(2020, 1, 15, 4, 30, tzinfo=UTC))
    state = engine.state(stream.events)
    stream.events += engine.act(
        state,
        role="department_employee",
        step="prepare_result",
        outcome="conclusion_drafted",
        at=clock.now(),
    )
    report = sla_report([engine], [stream.events], clock.now())
    by_step = {s.step: s for s in report.steps}
    assert by_step["register"].late == 0
    assert by_step["register"].actual == [timedelta(minutes=10)]
    prepare = by_step["prepare_result"]
    assert prepare.late == 1
    # 30 Dec 11:30-18:30 (5.5 h of work) + 8 full days (8 h each) + 15 Jan 09:00-10:30.
    assert prepare.actual == [
        timedelta(hours=5, minutes=30) + 8 * timedelta(hours=8) + timedelta(hours=1, minutes=30)
    ]
    assert by_step["endorse"].finished == 0
    assert report.requests[0].requests == 1
    assert report.requests[0].late == 0
    assert "prepare_result" in report.render()
