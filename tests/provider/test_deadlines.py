"""Deadlines from the engine on the simulated clock: the warning, the step's overdue event at
the working-day moment the norm gives, the `overdue` status to the cabinet, the head's overdue
view and the SLA report (live and replayed from the log)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from provider_svc.projections import ProviderProjection
from tests.provider.conftest import Harness, applicant_body, make_harness
from tests.provider.test_flows import CULTURE, do

# Friday 13 December 2019, 10:00 in Almaty. 16 and 17 December are Independence Day.
FRIDAY = datetime(2019, 12, 13, 4, 0, tzinfo=UTC)
# send_to_commission has 2 working days (001 p.5.3) of working time, 16 h: 7 h left on Friday
# from 10:00, none over the weekend and the holidays, 8 h on Wednesday 18, 1 h on Thursday 19:
# due 10:00 local time (04:00 UTC) on Thursday 19 December.
COMMISSION_DEADLINE = datetime(2019, 12, 19, 4, 0, tzinfo=UTC)


async def test_step_overdue_at_the_working_day_moment_and_in_the_cabinet(
    tmp_path: Path,
) -> None:
    async for h in make_harness(tmp_path, FRIDAY):
        await _overdue_scenario(h)


async def _overdue_scenario(h: Harness) -> None:
    rid = await h.deliver(
        sender="portal",
        recipient=CULTURE,
        service_code="cultural_values_export",
        body=applicant_body(),
    )
    await do(h, CULTURE, rid, "office_clerk", "register", "registered")
    await do(h, CULTURE, rid, "head", "review_and_assign", "executor_assigned")
    request, _, _ = await h.service.load(rid)
    assert request.state.current is not None
    assert request.state.current.deadline == COMMISSION_DEADLINE

    # Over the holidays nothing is due yet.
    await h.clock.advance_to(datetime(2019, 12, 17, 12, 0, tzinfo=UTC))
    kinds = [e.type for e in await h.stream(rid)]
    assert "StepOverdue.v1" not in kinds
    assert "overdue" not in await h.statuses(rid)

    await h.clock.advance_to(COMMISSION_DEADLINE - timedelta(minutes=1))
    kinds = [e.type for e in await h.stream(rid)]
    assert "DeadlineApproaching.v1" in kinds  # the warning came before the deadline
    assert "StepOverdue.v1" not in kinds

    await h.clock.advance_to(COMMISSION_DEADLINE + timedelta(minutes=1))
    overdue = [e for e in await h.stream(rid) if e.type == "StepOverdue.v1"]
    assert len(overdue) == 1
    assert overdue[0].data["at"] == COMMISSION_DEADLINE.isoformat()
    notes = [
        e for e in await h.outbox() if e.body.get("status") == "overdue" and e.correlation_id == rid
    ]
    assert len(notes) == 1
    assert notes[0].recipient == "portal"  # the cabinet shows it
    assert notes[0].body["step"] == "send_to_commission"

    # The head's overdue view, and the SLA report counting the late step.
    projection = ProviderProjection()
    await projection.catch_up(h.store)
    assert [v.request_id for v in projection.overdue(CULTURE)] == [rid]
    report = projection.sla(h.service.engines, h.clock.now(), CULTURE)
    late = {s.step: s.late for s in report.steps}
    assert late["send_to_commission"] == 1
    assert late["register"] == 0

    # Acting late is still allowed; the step is recorded as overdue and the view clears.
    await do(h, CULTURE, rid, "executor", "send_to_commission", "sent")
    completed = [e for e in await h.stream(rid) if e.type == "StepCompleted.v1"]
    assert completed[-1].data["overdue"] is True
    await projection.catch_up(h.store)
    assert projection.overdue(CULTURE) == []
    # The firing is idempotent: advancing further raises no second event for that step.
    await h.clock.advance(timedelta(days=1))
    assert len([e for e in await h.stream(rid) if e.type == "StepOverdue.v1"]) == 1


async def test_inboxes_and_sla_replay_to_the_same_result(almaty: Harness) -> None:
    h = almaty
    live = ProviderProjection()
    ids = []
    for _ in range(3):
        rid = await h.deliver(
            sender="portal", recipient=CULTURE, service_code="A", body=applicant_body()
        )
        ids.append(rid)
        await live.catch_up(h.store)
    await do(h, CULTURE, ids[0], "office_clerk", "register", "registered")
    await live.catch_up(h.store)
    await do(h, CULTURE, ids[1], "office_clerk", "register", "registered")
    await do(h, CULTURE, ids[1], "head", "review_and_assign", "executor_assigned")
    await h.clock.advance(timedelta(days=20))
    await live.catch_up(h.store)
    inbox = live.inbox(CULTURE, ["office_clerk"])
    assert [v.request_id for v in inbox] == [ids[2]]
    assert [v.request_id for v in live.inbox(CULTURE, ["head"])] == [ids[0]]
    assert live.summary() == {CULTURE: {"executor": 1, "head": 1, "office_clerk": 1}}
    # Twenty calendar days later all three are past the 11-working-day term.
    assert {v.request_id for v in live.overdue(CULTURE)} == set(ids)

    replayed = ProviderProjection()
    await replayed.catch_up(h.store, batch=7)
    assert replayed.requests == live.requests
    assert replayed.summary() == live.summary()
    now = h.clock.now()
    assert (
        replayed.sla(h.service.engines, now).render() == live.sla(h.service.engines, now).render()
    )
