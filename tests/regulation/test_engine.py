from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from shared.calendar import KzCalendar
from shared.eventlog.port import NewEvent
from shared.regulation.catalog import Catalog
from shared.regulation.engine import (
    REQUEST_COMPLETED,
    REQUEST_REFUSED,
    STEP_COMPLETED,
    STEP_STARTED,
    StepEngine,
)
from shared.regulation.errors import ActionRefused
from shared.regulation.model import Channel, Definition

# A working-day morning inside each version's period (local 10:00, UTC+6).
SUBMIT = {
    "akmola-2013": datetime(2013, 4, 16, 4, 0, tzinfo=UTC),
    "almaty-2014": datetime(2014, 11, 4, 4, 0, tzinfo=UTC),
    "almaty-2018": datetime(2019, 2, 5, 4, 0, tzinfo=UTC),
    "almaty-2019": datetime(2019, 11, 5, 4, 0, tzinfo=UTC),
    "astana-2012": datetime(2013, 2, 5, 4, 0, tzinfo=UTC),
}


@pytest.fixture(scope="module")
def calendar() -> KzCalendar:
    return KzCalendar()


def _engine(catalog: Catalog, key: str, calendar: KzCalendar) -> StepEngine:
    code, version = key.split("@")
    return StepEngine(catalog.get(code, version), calendar)


def _run(
    engine: StepEngine, channel: Channel, path: list[tuple[str, str]], start: datetime
) -> list[NewEvent]:
    """Submit, then do each (step, outcome) as the step's role, 5 minutes apart."""
    events = engine.submit("r-1", channel, start)
    at = start
    for step_id, outcome in path:
        at += timedelta(minutes=5)
        state = engine.state(events)
        role = engine.definition.step(step_id).role
        events += engine.act(state, role=role, step=step_id, outcome=outcome, at=at)
    return events


HAPPY: list[tuple[str, Channel, list[tuple[str, str]], str]] = [
    (
        "cultural_values_export@almaty-2018",
        Channel.PORTAL,
        [
            ("register", "registered"),
            ("review_and_assign", "executor_assigned"),
            ("send_to_commission", "sent"),
            ("expertise", "examined"),
            ("write_up_conclusion", "conclusion_written"),
            ("draft_result", "certificate_drafted"),
            ("sign", "signed"),
            ("hand_out", "certificate_issued"),
        ],
        "certificate",
    ),
    (
        "cultural_values_export@almaty-2014",
        Channel.PROVIDER_OFFICE,
        [
            ("register", "registered"),
            ("assign_executor", "assigned"),
            ("check_documents", "complete"),
            ("prepare_result", "result_drafted"),
            ("sign", "signed"),
            ("hand_out", "issued"),
        ],
        "certificate",
    ),
    (
        "restoration_approval@almaty-2014",
        Channel.PORTAL,
        [
            ("register_portal", "registered"),  # 000 p.5.1: the executor registers it
            ("assign_executor", "assigned"),
            ("check_documents", "complete"),
            ("prepare_result", "result_drafted"),
            ("sign", "signed"),
            ("hand_out", "issued"),
        ],
        "approval",
    ),
    (
        "cultural_values_export@akmola-2013",
        Channel.PORTAL,
        [("register_in_elicensing", "registered"), ("decide", "certificate_issued")],
        "certificate",
    ),
    (
        "cultural_values_export@akmola-2013",
        Channel.PROVIDER_OFFICE,
        [
            ("enter_applicant_data", "entered"),
            ("registry_check", "found"),
            ("attach_documents", "attached"),
            ("register_in_elicensing", "registered"),
            ("decide", "certificate_issued"),
        ],
        "certificate",
    ),
    *[
        (
            key,
            Channel.PORTAL,
            [
                ("register", "registered"),
                ("head_review", "sent_to_deputy"),
                ("deputy_review", "accepted"),
                ("prepare_result", f"{result}_drafted"),
                ("endorse", "endorsed"),
                ("sign", f"{result}_issued"),
            ],
            result,
        )
        for key, result in [
            ("minerals_absence_conclusion@almaty-2019", "conclusion"),
            ("minerals_absence_conclusion@almaty-2019", "informational_letter"),
            ("minerals_building_permit@almaty-2019", "permit"),
        ]
    ],
    (
        "archive_reference@astana-2012",
        Channel.PSC,
        [
            ("accept_at_psc", "accepted"),
            ("register", "registered"),
            ("search_and_decide", "reference_prepared"),
            ("sign_output", "to_psc"),
            ("hand_out_at_psc", "reference_handed_out_psc"),
        ],
        "archive_reference",
    ),
    (
        "archive_reference@astana-2012",
        Channel.PROVIDER_OFFICE,
        [
            ("accept_at_provider", "accepted"),
            ("register", "registered"),
            ("search_and_decide", "reference_prepared"),
            ("sign_output", "to_provider_desk"),
            ("hand_out_at_provider", "reference_handed_out"),
        ],
        "archive_reference",
    ),
    (
        "archive_reference@astana-2012",
        Channel.PORTAL,
        [
            ("register", "registered"),
            ("search_and_decide", "reference_prepared"),
            ("sign_output", "reference_to_cabinet"),
        ],
        "archive_reference",
    ),
]


@pytest.mark.parametrize(("key", "channel", "path", "result"), HAPPY)
def test_happy_path_ends_with_the_result(
    catalog: Catalog,
    calendar: KzCalendar,
    key: str,
    channel: Channel,
    path: list[tuple[str, str]],
    result: str,
) -> None:
    engine = _engine(catalog, key, calendar)
    events = _run(engine, channel, path, SUBMIT[key.split("@")[1]])
    state = engine.state(events)
    assert state.finished == "completed"
    assert state.result == result
    assert state.status == "completed"
    assert [r.step for r in state.runs] == [s for s, _ in path]
    assert engine.allowed(state) == []
    assert events[-1].type == REQUEST_COMPLETED
    # Each step started when the previous one was completed, with a deadline from its norm.
    starts = [e for e in events if e.type == STEP_STARTED]
    assert len(starts) == len(path)
    assert all(e.data["deadline"] is not None for e in starts)


def _refusal_branches(d: Definition) -> Iterator[tuple[str, str, str]]:
    for step in d.steps:
        for outcome in step.outcomes:
            if outcome.refusal is not None:
                yield step.id, outcome.name, outcome.refusal


def _path_to(
    engine: StepEngine, channel: Channel, target: tuple[str, str], start: datetime
) -> list[NewEvent] | None:
    """Breadth-first search through the engine's own allowed actions to a state where the
    ``target`` (step, outcome) is allowed; returns the events leading there."""
    queue: deque[list[NewEvent]] = deque([engine.submit("r-1", channel, start)])
    while queue:
        events = queue.popleft()
        state = engine.state(events)
        for action in engine.allowed(state):
            if action.step == target[0] and target[1] in action.outcomes:
                return events
            for outcome in action.outcomes:
                at = start + timedelta(minutes=len(events))
                more = engine.act(state, role=action.role, step=action.step, outcome=outcome, at=at)
                if more[-1].type == STEP_STARTED:  # finished requests lead nowhere
                    queue.append(events + more)
    return None


def _all_refusals(catalog: Catalog) -> list[tuple[str, str, str, str]]:
    return [
        (d.key, step, outcome, code)
        for d in catalog.definitions
        for step, outcome, code in _refusal_branches(d)
    ]


def test_every_definition_has_refusal_branches(catalog: Catalog) -> None:
    keys = {k for k, *_ in _all_refusals(catalog)}
    assert keys == {d.key for d in catalog.definitions}


def test_every_refusal_branch_ends_refused_with_its_ground(
    catalog: Catalog, calendar: KzCalendar
) -> None:
    checked = 0
    for key, step_id, outcome, code in _all_refusals(catalog):
        engine = _engine(catalog, key, calendar)
        reached = False
        for channel in engine.definition.channels:
            start = SUBMIT[key.split("@")[1]]
            events = _path_to(engine, channel, (step_id, outcome), start)
            if events is None:
                continue
            reached = True
            state = engine.state(events)
            role = engine.definition.step(step_id).role
            at = start + timedelta(days=1)
            events += engine.act(state, role=role, step=step_id, outcome=outcome, at=at)
            final = engine.state(events)
            assert final.finished == "refused", (key, step_id, outcome)
            assert final.refusal == code
            assert final.status == "refused"
            assert events[-1].type == REQUEST_REFUSED
            checked += 1
        assert reached, f"{key}: refusal {step_id}/{outcome} unreachable from any channel"
    assert checked >= 15


@pytest.fixture
def a2018(catalog: Catalog, calendar: KzCalendar) -> StepEngine:
    return _engine(catalog, "cultural_values_export@almaty-2018", calendar)


def test_wrong_role_is_refused_with_reason(a2018: StepEngine) -> None:
    state = a2018.state(a2018.submit("r-1", Channel.PORTAL, SUBMIT["almaty-2018"]))
    with pytest.raises(ActionRefused) as info:
        a2018.act(state, role="head", step="register", outcome="registered", at=state.submitted_at)
    assert info.value.reason == "WRONG_ROLE"
    assert "office_clerk" in info.value.message


def test_wrong_order_is_refused_with_reason(a2018: StepEngine) -> None:
    state = a2018.state(a2018.submit("r-1", Channel.PORTAL, SUBMIT["almaty-2018"]))
    with pytest.raises(ActionRefused) as info:
        a2018.act(state, role="head", step="sign", outcome="signed", at=state.submitted_at)
    assert info.value.reason == "WRONG_ORDER"
    assert "'register'" in info.value.message


def test_certificate_cannot_be_issued_after_a_refusal_was_drafted(a2018: StepEngine) -> None:
    path = [
        ("register", "registered"),
        ("review_and_assign", "executor_assigned"),
        ("send_to_commission", "sent"),
        ("expertise", "examined"),
        ("write_up_conclusion", "conclusion_written"),
        ("draft_result", "refusal_drafted"),
        ("sign", "signed"),
    ]
    events = _run(a2018, Channel.PORTAL, path, SUBMIT["almaty-2018"])
    state = a2018.state(events)
    assert a2018.allowed(state)[0].outcomes == ("refusal_issued",)
    with pytest.raises(ActionRefused) as info:
        a2018.act(
            state,
            role="office_clerk",
            step="hand_out",
            outcome="certificate_issued",
            at=state.runs[-1].started_at,
        )
    assert info.value.reason == "OUTCOME_NOT_ALLOWED"
    events += a2018.act(
        state,
        role="office_clerk",
        step="hand_out",
        outcome="refusal_issued",
        at=state.runs[-1].started_at,
    )
    final = a2018.state(events)
    assert (final.finished, final.result, final.refusal) == (
        "refused",
        "reasoned_refusal",
        "APPLICANT_NON_COMPLIANT",
    )


def test_unknown_outcome_finished_request_and_time_travel_are_refused(
    a2018: StepEngine,
) -> None:
    start = SUBMIT["almaty-2018"]
    state = a2018.state(a2018.submit("r-1", Channel.PORTAL, start))
    with pytest.raises(ActionRefused, match="UNKNOWN_OUTCOME"):
        a2018.act(state, role="office_clerk", step="register", outcome="lost", at=start)
    with pytest.raises(ActionRefused, match="BEFORE_STEP_START"):
        a2018.act(
            state,
            role="office_clerk",
            step="register",
            outcome="registered",
            at=start - timedelta(seconds=1),
        )
    events = _run(
        a2018,
        Channel.PORTAL,
        [("register", "registered"), ("review_and_assign", "documents_non_compliant")],
        start,
    )
    with pytest.raises(ActionRefused, match="REQUEST_FINISHED"):
        a2018.act(a2018.state(events), role="head", step="sign", outcome="signed", at=start)


def test_channel_and_date_are_checked_on_submit(
    catalog: Catalog, calendar: KzCalendar, a2018: StepEngine
) -> None:
    with pytest.raises(ActionRefused, match="CHANNEL_NOT_OFFERED"):
        a2018.submit("r-1", Channel.PSC, SUBMIT["almaty-2018"])
    with pytest.raises(ActionRefused, match="VERSION_NOT_IN_FORCE"):
        a2018.submit("r-1", Channel.PORTAL, datetime(2017, 1, 10, 4, tzinfo=UTC))


def test_events_are_plain_versioned_data(a2018: StepEngine) -> None:
    events = _run(a2018, Channel.PORTAL, [("register", "registered")], SUBMIT["almaty-2018"])
    assert [e.type for e in events] == [
        "RequestSubmitted.v1",
        STEP_STARTED,
        STEP_COMPLETED,
        STEP_STARTED,
    ]
    completed = events[2].data
    assert completed["outcome"] == "registered"
    assert completed["next"] == "review_and_assign"
    assert isinstance(completed["completed_at"], str)


def test_deadlines_follow_the_norm_units(a2018: StepEngine, calendar: KzCalendar) -> None:
    # Tuesday 2019-02-05 10:00 local: 10 min of working time, then 1 h, then 2 working days.
    start = SUBMIT["almaty-2018"]
    events = a2018.submit("r-1", Channel.PORTAL, start)
    state = a2018.state(events)
    assert state.runs[0].deadline == start + timedelta(minutes=10)
    # Request term: 11 working days, end of working hours (18:30 local = 12:30 UTC).
    assert state.deadline == datetime(2019, 2, 20, 12, 30, tzinfo=UTC)
    events += a2018.act(state, role="office_clerk", step="register", outcome="registered", at=start)
    state = a2018.state(events)
    # 1 h from 10:00 local.
    assert state.runs[1].deadline == start + timedelta(hours=1)
    events += a2018.act(
        state, role="head", step="review_and_assign", outcome="executor_assigned", at=start
    )
    state = a2018.state(events)
    # A step in working days is that many working days of working time (2 x 8 h): Thursday
    # 10:00 local, not the end of the second working day after, which the term's rule gives.
    assert state.runs[2].deadline == calendar.add_working_time(start, timedelta(hours=16))
    assert state.runs[2].deadline == datetime(2019, 2, 7, 4, 0, tzinfo=UTC)


def test_archive_search_counts_calendar_days(catalog: Catalog, calendar: KzCalendar) -> None:
    # 004 appendix 2 table 3: 15 to 30 calendar days for the search; the engine uses 30.
    # Submitted Tuesday 5 February 2013 10:00 Astana; day 30 is Thursday 7 March, a working
    # day (8 March is the holiday), so the search ends at 18:30 local that day. The term is
    # the steps' sum: signing (at most 1 minute) after a full search ends Monday 11 March 09:01.
    engine = _engine(catalog, "archive_reference@astana-2012", calendar)
    start = SUBMIT["astana-2012"]
    events = _run(engine, Channel.PORTAL, [("register", "registered")], start)
    state = engine.state(events)
    assert state.deadline == datetime(2013, 3, 11, 3, 1, tzinfo=UTC)
    search = state.runs[-1]
    assert search.step == "search_and_decide"
    assert search.deadline == datetime(2013, 3, 7, 12, 30, tzinfo=UTC)
    # The system step before it had an elapsed-time norm of at most 1 minute.
    assert state.runs[0].deadline == start + timedelta(minutes=1)
