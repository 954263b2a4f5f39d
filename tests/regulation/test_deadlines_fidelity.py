"""Step deadlines and terms against the seeds: steps done on time fit the term.

For every service version, channel and way through the steps, a request whose every step
takes exactly its norm ends within its term with no step or request overdue, whenever it was
submitted; one minute more in any one step makes that step overdue. The clauses enforced are
quoted in Kazakh and checked against the seed files."""
# ruff: noqa: RUF001  -- the clauses are quoted in Kazakh on purpose

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from regulations import definitions_dir, seeds_path
from shared.calendar import KzCalendar
from shared.eventlog.port import NewEvent
from shared.regulation.catalog import Catalog
from shared.regulation.engine import (
    DEADLINE_APPROACHING,
    REQUEST_OVERDUE,
    STEP_COMPLETED,
    STEP_EXTENDED,
    STEP_OVERDUE,
    StepEngine,
)
from shared.regulation.errors import ActionRefused
from shared.regulation.model import Channel, Definition, NormUnit

ALMATY = ZoneInfo("Asia/Almaty")
CALENDAR = KzCalendar()
CATALOG = Catalog.from_directory(definitions_dir())

# 002 p.3 (service C and D): the term, counted from the submission to the portal.
TERM_FROM_PORTAL = "порталға құжаттар берілген сәттен бастап 9 (тоғыз) жұмыс күні"
# 002 p.5: the department's step inside that term.
STEP_8_DAYS = "8 (сегіз) жұмыс күні ішінде қарайды"
# 004 appendix, table 3 action 6: the archive search, with its extension.
ARCHIVE_SEARCH = "15 тен 30 күн күнтізбелік күнге дейін (жекелеген жағдайларда 6 айға дейін)"
# 004 p.13: the act times each action; it sets no term for the whole service.
EACH_ACTION_TIMED = "Әрбір іс-қимылдың орындалу мерзімін көрсете отырып"
# 004 tables 1-2: every other action takes at most 15 minutes.
AT_MOST_15_MIN = "15 минуттан артық емес"
# 003 appendix 1: the result 10 working days, the actions before it seconds.
RESULT_10_DAYS = "10 жұмыс күні"
SECONDS_ACTION = "10 - 15 сек"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _seed(number: str) -> str:
    path = next(Path(seeds_path()).glob(f"{number}_*.txt"))
    return _squash(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("seed", "quote"),
    [
        ("002", TERM_FROM_PORTAL),
        ("002", STEP_8_DAYS),
        ("004", ARCHIVE_SEARCH),
        ("004", EACH_ACTION_TIMED),
        ("004", AT_MOST_15_MIN),
        ("003", RESULT_10_DAYS),
        ("003", SECONDS_ACTION),
    ],
)
def test_quoted_clauses_are_in_the_seeds(seed: str, quote: str) -> None:
    assert _squash(quote) in _seed(seed)


# --- ways through each definition ---------------------------------------------------------


def _paths(d: Definition, channel: Channel) -> list[tuple[tuple[str, str], ...]]:
    """Every (step, outcome) sequence from the channel's entry step to an end."""
    found: list[tuple[tuple[str, str], ...]] = []

    def walk(step_id: str, done: tuple[tuple[str, str], ...]) -> None:
        step = d.step(step_id)
        names = {o for _, o in done}
        for o in step.outcomes:
            if (o.channels and channel not in o.channels) or (o.after and o.after not in names):
                continue
            path = (*done, (step_id, o.name))
            if o.next is None:
                found.append(path)
            else:
                walk(o.next, path)

    walk(d.entry_step(channel).id, ())
    return found


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ALMATY).astimezone(UTC)


def _instants(d: Definition) -> dict[str, datetime]:
    """Several submission instants inside the version's period of force."""
    day = d.in_force.from_ + timedelta(days=7)
    while not CALENDAR.is_working_day(day):
        day += timedelta(days=1)
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    # A working day followed by a public holiday (not a weekend).
    eve = day
    while not (
        CALENDAR.is_working_day(eve)
        and CALENDAR.holiday_name(eve + timedelta(days=1)) is not None
        and not CALENDAR.is_working_day(eve + timedelta(days=1))
    ):
        eve += timedelta(days=1)
    assert d.in_force.until is None or eve < d.in_force.until, d.key
    return {
        "opening": _local(day, time(9, 0)),
        "before_1830": _local(day, time(18, 29)),
        "saturday": _local(saturday, time(11, 0)),
        "holiday_eve": _local(eve, time(17, 0)),
    }


@dataclass(frozen=True)
class Case:
    key: str
    channel: Channel
    instant: str
    path: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return f"{self.key}-{self.channel.value}-{self.instant}-{'/'.join(o for _, o in self.path)}"


def _cases() -> Iterator[Case]:
    for d in CATALOG.definitions:
        for channel in d.channels:
            for path in _paths(d, channel):
                for instant in _instants(d):
                    yield Case(d.key, channel, instant, path)


def _engine(key: str) -> StepEngine:
    code, version = key.split("@")
    return StepEngine(CATALOG.get(code, version), CALENDAR)


def _run(
    engine: StepEngine,
    channel: Channel,
    at: datetime,
    path: tuple[tuple[str, str], ...],
    late: int | None = None,
) -> tuple[list[NewEvent], list[NewEvent]]:
    """Each step finishes exactly at its deadline (``late``: that step a minute after).
    Returns the events and the timer events due just before each finish."""
    events = engine.submit("r-1", channel, at)
    timers: list[NewEvent] = []
    for index, (step, outcome) in enumerate(path):
        state = engine.state(events)
        current = state.current
        assert current is not None
        assert current.step == step
        assert current.deadline is not None
        finish = current.deadline + (timedelta(minutes=1) if index == late else timedelta(0))
        timers += engine.due(state, finish - timedelta(microseconds=1))
        role = engine.definition.step(step).role
        events += engine.act(state, role=role, step=step, outcome=outcome, at=finish)
    return events, timers


@pytest.mark.parametrize("case", list(_cases()), ids=str)
def test_steps_on_time_end_within_the_term(case: Case) -> None:
    # 002 p.3 / p.5: 8 working days and 6 h 15 min of steps within a term of 9 working days;
    # the seeds mean every version's steps to fit inside its term.
    engine = _engine(case.key)
    at = _instants(engine.definition)[case.instant]
    events, timers = _run(engine, case.channel, at, case.path)
    state = engine.state(events)
    assert state.finished is not None
    end = max(r.completed_at for r in state.runs if r.completed_at is not None)
    assert end <= state.deadline, (end, state.deadline)
    assert [e.data["overdue"] for e in events if e.type == STEP_COMPLETED] == [False] * len(
        case.path
    )
    assert events[-1].data["overdue"] is False
    assert {e.type for e in timers} <= {DEADLINE_APPROACHING}, [e.type for e in timers]
    assert STEP_OVERDUE not in {e.type for e in timers} | {REQUEST_OVERDUE}


def _minute_cases() -> Iterator[tuple[str, Channel, int]]:
    for d in CATALOG.definitions:
        for channel in d.channels:
            for index in range(len(_paths(d, channel)[0])):
                yield d.key, channel, index


@pytest.mark.parametrize(("key", "channel", "index"), list(_minute_cases()))
def test_one_minute_more_in_any_step_makes_it_overdue(
    key: str, channel: Channel, index: int
) -> None:
    engine = _engine(key)
    path = _paths(engine.definition, channel)[0]
    events, _ = _run(engine, channel, _instants(engine.definition)["opening"], path, late=index)
    completed = [e for e in events if e.type == STEP_COMPLETED]
    assert [e.data["overdue"] for e in completed] == [i == index for i in range(len(path))]


# --- the sums of the norms against the terms ------------------------------------------------


def _working_time(d: Definition, path: tuple[tuple[str, str], ...]) -> timedelta:
    per_day = CALENDAR.working_hours.per_day
    total = timedelta(0)
    for step_id, _ in path:
        step = d.step(step_id)
        assert step.norm is not None
        n = step.norm
        if n.unit is NormUnit.WORKING_DAYS:
            total += per_day * n.amount
        elif n.unit is NormUnit.CALENDAR_DAYS:
            raise AssertionError(f"{d.key}: calendar days are not working time")
        else:
            seconds = n.amount * {"seconds": 1, "minutes": 60, "hours": 3600}[n.unit.value]
            total += timedelta(seconds=seconds)
    return total


@pytest.mark.parametrize("d", CATALOG.definitions, ids=lambda d: d.key)
def test_sum_of_step_norms_fits_the_term(d: Definition) -> None:
    if d.term.from_steps:
        # 004 p.13: each action timed, no term of its own; the term is their sum.
        assert _squash(EACH_ACTION_TIMED) in _seed("004")
        return
    assert d.term.norm.unit is NormUnit.WORKING_DAYS
    term = CALENDAR.working_hours.per_day * d.term.norm.amount
    for channel in d.channels:
        for path in _paths(d, channel):
            total = _working_time(d, path)
            if d.key == "cultural_values_export@akmola-2013":
                # 003: the result action alone has the service's 10 working days; the
                # seconds-long actions before it fall inside them (the decision is due at
                # the term, documented in the definition's term.why).
                assert total - term < timedelta(minutes=10)
                assert "fall inside" in d.term.why
            else:
                assert total <= term, (d.key, channel, path, total, term)


def test_a2018_on_time_is_not_overdue() -> None:
    # The A-2018 request of the report: every step on its norm, submitted Friday 6 September
    # 2019 at 10:00; the term of 11 working days ends Monday 23 September 18:30.
    engine = _engine("cultural_values_export@almaty-2018")
    path = _paths(engine.definition, Channel.PORTAL)[0]
    events, timers = _run(engine, Channel.PORTAL, _local(date(2019, 9, 6), time(10, 0)), path)
    state = engine.state(events)
    assert state.deadline == _local(date(2019, 9, 23), time(18, 30))
    assert events[-1].data["overdue"] is False
    assert not [e for e in timers if e.type in (STEP_OVERDUE, REQUEST_OVERDUE)]


def test_akmola_decision_is_due_at_the_term_when_entry_spills_over() -> None:
    # 003: «10 жұмыс күні» for the result; an office request entered at 18:29 has its
    # seconds-long entry spill into the next morning, and the decision is still due at the term.
    engine = _engine("cultural_values_export@akmola-2013")
    at = _instants(engine.definition)["before_1830"]
    path = _paths(engine.definition, Channel.PROVIDER_OFFICE)[0]
    events, _ = _run(engine, Channel.PROVIDER_OFFICE, at, path)
    state = engine.state(events)
    assert state.runs[-1].deadline == state.deadline


def test_a_step_started_after_the_term_keeps_its_own_norm() -> None:
    # A step's deadline is capped at the term only while the term lies ahead: a step that
    # starts once the term has run out still gets its own norm, never a deadline before it
    # began (the timers would otherwise compute a warning from a negative span).
    engine = _engine("cultural_values_export@akmola-2013")
    step = engine.definition.entry_step(Channel.PORTAL)
    start = _local(date(2013, 5, 6), time(10, 0))
    past_term = start - timedelta(days=3)
    own = engine.step_deadline(step, start)
    assert own is not None
    assert own > start
    assert engine.step_deadline(step, start, past_term) == own
    ahead = start + timedelta(seconds=1)
    assert engine.step_deadline(step, start, ahead) == min(own, ahead)


# --- the term counts from the submission ----------------------------------------------------


def test_term_counts_from_submission_not_receipt() -> None:
    # 002 p.3: «порталға құжаттар берілген сәттен бастап» - a message delayed across 18:30
    # does not move the term by a day; the first step starts at the receipt.
    assert _squash(TERM_FROM_PORTAL) in _seed("002")
    engine = _engine("minerals_absence_conclusion@almaty-2019")
    submitted = _local(date(2019, 11, 5), time(18, 20))
    received = _local(date(2019, 11, 5), time(18, 40))
    delayed = engine.state(engine.submit("r-1", Channel.PORTAL, received, submitted_at=submitted))
    on_time = engine.state(engine.submit("r-2", Channel.PORTAL, submitted))
    late = engine.state(engine.submit("r-3", Channel.PORTAL, received))
    assert delayed.deadline == on_time.deadline < late.deadline
    assert delayed.submitted_at == submitted
    assert delayed.received_at == delayed.runs[0].started_at == received


def test_version_in_force_is_checked_at_submission() -> None:
    engine = _engine("cultural_values_export@almaty-2014")
    until = engine.definition.in_force.until
    assert until is not None
    last = _local(until - timedelta(days=1), time(23, 50))
    after = _local(until, time(0, 10))
    state = engine.state(engine.submit("r-1", Channel.PORTAL, after, submitted_at=last))
    assert state.submitted_at == last
    with pytest.raises(ActionRefused) as refused:
        engine.submit("r-2", Channel.PORTAL, after)
    assert refused.value.reason == "VERSION_NOT_IN_FORCE"


def test_old_request_submitted_events_still_fold() -> None:
    engine = _engine("minerals_absence_conclusion@almaty-2019")
    at = _local(date(2019, 11, 5), time(10, 0))
    events = engine.submit("r-1", Channel.PORTAL, at)
    old = dict(events[0].data)
    del old["received_at"]
    state = engine.state([NewEvent(events[0].type, old), events[1]])
    assert state.submitted_at == state.received_at == at


# --- 004: the archive search and its extension ----------------------------------------------

E12 = "archive_reference@astana-2012"


def _at_search(channel: Channel, at: datetime) -> tuple[StepEngine, list[NewEvent]]:
    engine = _engine(E12)
    events = engine.submit("e-1", channel, at)
    for step, outcome in _paths(engine.definition, channel)[0]:
        if step == "search_and_decide":
            break
        state = engine.state(events)
        role = engine.definition.step(step).role
        events += engine.act(state, role=role, step=step, outcome=outcome, at=at)
    return engine, events


@pytest.mark.parametrize("channel", [Channel.PROVIDER_OFFICE, Channel.PSC, Channel.PORTAL])
def test_archive_term_leaves_time_after_a_full_search(channel: Channel) -> None:
    # 004: the search takes «15 тен 30 күн күнтізбелік күнге дейін»; signing and handing out
    # «15 минуттан артық емес» after it are still within the term.
    engine, events = _at_search(channel, _local(date(2013, 2, 5), time(10, 0)))
    state = engine.state(events)
    search = state.runs[-1]
    assert search.step == "search_and_decide"
    assert search.deadline == _local(date(2013, 3, 7), time(18, 30))
    assert state.deadline > search.deadline
    tail = {Channel.PORTAL: 1, Channel.PROVIDER_OFFICE: 16, Channel.PSC: 16}[channel]
    # After 18:30 on 7 March: 8 March is a holiday, then the weekend; Monday 09:00 on.
    assert state.deadline == _local(date(2013, 3, 11), time(9, tail))


def test_archive_search_extension_moves_the_step_and_the_term() -> None:
    engine, events = _at_search(Channel.PORTAL, _local(date(2013, 2, 5), time(10, 0)))
    state = engine.state(events)
    at = _local(date(2013, 3, 1), time(11, 0))
    extended = engine.extend(
        state,
        step="search_and_decide",
        until=date(2013, 4, 30),
        reason="the fund is held at the regional archive",
        at=at,
        actor="880612400411",
    )
    assert [e.type for e in extended] == [STEP_EXTENDED]
    assert extended[0].data["reason"] == "the fund is held at the regional archive"
    state = engine.state([*events, *extended])
    assert state.runs[-1].deadline == _local(date(2013, 4, 30), time(18, 30))
    # Signing (1 min) the next working morning: 1 May is a holiday.
    assert state.deadline == _local(date(2013, 5, 2), time(9, 1))
    # The warning is given again before the new deadline.
    timers = engine.timers(state)
    assert any(t.type == DEADLINE_APPROACHING for t in timers)
    assert not engine.due(state, _local(date(2013, 3, 8), time(12, 0)))


@pytest.mark.parametrize(
    ("until", "reason", "at", "code"),
    [
        # 6 months from 5 February 2013: 5 August; 6 August is beyond.
        (date(2013, 8, 6), "long search", datetime(2013, 3, 1, 5, 0, tzinfo=UTC), "BEYOND_MAXIMUM"),
        (date(2013, 4, 30), "  ", datetime(2013, 3, 1, 5, 0, tzinfo=UTC), "REASON_REQUIRED"),
        (date(2013, 3, 1), "earlier", datetime(2013, 3, 1, 5, 0, tzinfo=UTC), "NOT_LATER"),
        (date(2013, 4, 30), "late", datetime(2013, 3, 12, 5, 0, tzinfo=UTC), "DEADLINE_PASSED"),
    ],
)
def test_archive_search_extension_refusals(
    until: date, reason: str, at: datetime, code: str
) -> None:
    engine, events = _at_search(Channel.PORTAL, _local(date(2013, 2, 5), time(10, 0)))
    state = engine.state(events)
    with pytest.raises(ActionRefused) as refused:
        engine.extend(state, step="search_and_decide", until=until, reason=reason, at=at)
    assert refused.value.reason == code


def test_archive_search_may_take_up_to_six_months() -> None:
    engine, events = _at_search(Channel.PORTAL, _local(date(2013, 2, 5), time(10, 0)))
    state = engine.state(events)
    extended = engine.extend(
        state,
        step="search_and_decide",
        until=date(2013, 8, 5),
        reason="records are being restored",
        at=_local(date(2013, 3, 1), time(11, 0)),
    )
    state = engine.state([*events, *extended])
    assert state.runs[-1].deadline == _local(date(2013, 8, 5), time(18, 30))


def test_only_a_step_the_act_lets_run_longer_is_extended() -> None:
    engine = _engine(E12)
    at = _local(date(2013, 2, 5), time(10, 0))
    state = engine.state(engine.submit("e-1", Channel.PROVIDER_OFFICE, at))
    with pytest.raises(ActionRefused) as refused:
        engine.extend(state, step="accept_at_provider", until=date(2013, 2, 6), reason="why", at=at)
    assert refused.value.reason == "NOT_EXTENDABLE"
    with pytest.raises(ActionRefused) as wrong:
        engine.extend(state, step="search_and_decide", until=date(2013, 3, 20), reason="x", at=at)
    assert wrong.value.reason == "WRONG_ORDER"
