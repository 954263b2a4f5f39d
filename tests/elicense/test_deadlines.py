"""The definition's norms and term, enforced by shared.regulation's timers on the service's
clock: a step left undone gets DeadlineApproaching then StepOverdue; a request past its term
gets RequestOverdue and an ``overdue`` status notification, and work on it continues."""

from __future__ import annotations

from datetime import timedelta

from elicense_svc.domain import events as ev
from elicense_svc.handlers import ElicenseService
from shared.clock import SimulatedClock
from shared.eventlog.sqlite import SqliteEventStore
from shared.regulation.engine import DEADLINE_APPROACHING, REQUEST_OVERDUE, STEP_OVERDUE
from tests.elicense.conftest import (
    ALMATY_CULTURE_BIN,
    EXECUTOR_IIN,
    UNKNOWN_IIN,
    Pki,
    staff_actor,
)
from tests.elicense.test_paths import portal_submit, sent, statuses


async def test_timers_fire_on_the_service_clock(
    service: ElicenseService, pki: Pki, store: SqliteEventStore, clock: SimulatedClock
) -> None:
    await portal_submit(service, pki, request_id="late-1")
    await clock.advance(timedelta(hours=1))  # register: 10 working minutes
    events = await store.read_stream(ev.request_stream("late-1"))
    kinds = [e.type for e in events]
    assert kinds.count(DEADLINE_APPROACHING) == 1
    assert kinds.count(STEP_OVERDUE) == 1
    assert REQUEST_OVERDUE not in kinds
    assert events[-1].metadata["actor"]["subject"] == "elicense"
    await clock.advance(timedelta(days=30))  # past 15 working days
    kinds = [e.type for e in await store.read_stream(ev.request_stream("late-1"))]
    assert kinds.count(REQUEST_OVERDUE) == 1
    assert "overdue" in statuses(await sent(store), "late-1")
    executor = staff_actor(
        service.directory, EXECUTOR_IIN, pki.staff(EXECUTOR_IIN, ALMATY_CULTURE_BIN)
    )
    state = await service.act(executor, "late-1", step="register_portal", outcome="registered")
    run = state.steps(service.engine_of(state)).runs[0]
    assert run.outcome == "registered"
    # The next step has its own timers; nothing fires twice for the first.
    await clock.advance(timedelta(days=1))
    kinds = [e.type for e in await store.read_stream(ev.request_stream("late-1"))]
    assert kinds.count(REQUEST_OVERDUE) == 1
    assert kinds.count(STEP_OVERDUE) == 2  # register_portal, then assign_executor


async def test_a_finished_request_has_no_timers(
    service: ElicenseService, pki: Pki, clock: SimulatedClock
) -> None:
    timers_before = clock.pending_timers
    await portal_submit(service, pki, request_id="late-2", iin=UNKNOWN_IIN)
    state = await service.load("late-2")
    assert state.steps(service.engine_of(state)).finished == "refused"
    assert clock.pending_timers == timers_before
