"""The SLA report of the workstation's projection (the SLA page and GET .../sla): each request
is folded once for each length of its stream and kept, and the report stays the one
``shared.regulation.sla.sla_report`` makes from the events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from provider_svc import projections
from provider_svc.projections import ProviderProjection
from shared.regulation.sla import sla_report
from tests.provider.conftest import Harness, applicant_body
from tests.provider.test_flows import CULTURE, do


async def test_a_report_folds_only_the_requests_whose_streams_grew(
    almaty: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = almaty
    ids = [
        await h.deliver(sender="portal", recipient=CULTURE, service_code="A", body=applicant_body())
        for _ in range(3)
    ]
    folded: list[str] = []
    fold = projections.fold_request

    def counted(engine: Any, events: Any) -> Any:
        found = fold(engine, events)
        folded.append(found.state.request_id)
        return found

    monkeypatch.setattr(projections, "fold_request", counted)
    live = ProviderProjection()
    await live.catch_up(h.store)
    engines = h.service.engines

    def fresh(report_at: Any) -> Any:
        streams = [live.engine_events[rid] for rid in sorted(live.requests)]
        return sla_report(engines, streams, report_at)

    first = live.sla(engines, h.clock.now(), CULTURE)
    assert sorted(folded) == sorted(ids)
    assert live.sla(engines, h.clock.now(), CULTURE) == first  # nothing new: nothing folded
    assert len(folded) == 3

    await do(h, CULTURE, ids[0], "office_clerk", "register", "registered")
    await live.catch_up(h.store)
    moved = live.sla(engines, h.clock.now(), CULTURE)
    assert folded[3:] == [ids[0]]
    assert moved == fresh(h.clock.now())
    assert {s.step: s.finished for s in moved.steps}["register"] == 1

    # Later, the open steps are late: the kept folds give the report at the new instant.
    await h.clock.advance(timedelta(days=20))
    await live.catch_up(h.store)
    late = live.sla(engines, h.clock.now(), CULTURE)
    assert late == fresh(h.clock.now())
    assert late.requests[0].late == 3
    replayed = ProviderProjection()
    await replayed.catch_up(h.store)
    assert replayed.sla(engines, h.clock.now(), CULTURE) == late
