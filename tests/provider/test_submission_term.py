"""The workstation counts the term and picks the version from the submission to the portal
(002 p.3), and staff extend the archive search as 004 allows (up to 6 months)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from provider_svc.domain.errors import Conflict
from regulations import seeds_path
from shared.bus.port import Reject
from tests.provider.conftest import Harness, applicant_body, make_harness
from tests.provider.test_flows import ARCHIVES, CULTURE, member

TERM_FROM_PORTAL = "порталға құжаттар берілген сәттен бастап"
SEARCH_UP_TO_6_MONTHS = "жекелеген жағдайларда 6 айға дейін"

# Tuesday 5 November 2019: submitted at 18:20 Almaty time, delivered at 18:40.
SUBMITTED = datetime(2019, 11, 5, 12, 20, tzinfo=UTC)
RECEIVED = datetime(2019, 11, 5, 12, 40, tzinfo=UTC)


def _in_seed(number: str, quote: str) -> bool:
    text = next(Path(seeds_path()).glob(f"{number}_*.txt")).read_text(encoding="utf-8")
    return re.sub(r"\s+", "", quote) in re.sub(r"\s+", "", text)


async def test_a_delivery_delayed_across_1830_keeps_the_term(tmp_path: Path) -> None:
    # 002 p.3: the term counts «порталға құжаттар берілген сәттен бастап».
    assert _in_seed("002", TERM_FROM_PORTAL)
    async for h in make_harness(tmp_path, RECEIVED):
        delayed = await h.deliver(
            sender="portal",
            recipient=CULTURE,
            service_code="cultural_values_export",
            body={**applicant_body(), "submitted_at": SUBMITTED.isoformat()},
        )
        unstamped = await h.deliver(
            sender="portal",
            recipient=CULTURE,
            service_code="cultural_values_export",
            body=applicant_body(),
        )
        first, _, _ = await h.service.load(delayed)
        second, _, _ = await h.service.load(unstamped)
        # 11 working days from the day after 5 November vs from the day after 6 November.
        assert first.state.deadline == datetime(2019, 11, 20, 12, 30, tzinfo=UTC)
        assert second.state.deadline == datetime(2019, 11, 21, 12, 30, tzinfo=UTC)
        assert first.state.submitted_at == SUBMITTED
        assert first.state.runs[0].started_at == RECEIVED
        assert first.origin.submitted_at == SUBMITTED
        received = [e for e in await h.stream(delayed) if e.type == "RequestReceived.v1"]
        assert received[0].data["submitted_at"] == SUBMITTED.isoformat()


async def test_a_bad_submission_stamp_is_rejected(tmp_path: Path) -> None:
    async for h in make_harness(tmp_path, RECEIVED):
        with pytest.raises(Reject, match="bad_submitted_at"):
            await h.deliver(
                sender="portal",
                recipient=CULTURE,
                service_code="cultural_values_export",
                body={**applicant_body(), "submitted_at": "yesterday"},
            )


async def _at_search(h: Harness) -> str:
    rid = await h.deliver(
        sender="portal", recipient=ARCHIVES, service_code="archive_reference", body=applicant_body()
    )
    request, _, _ = await h.service.load(rid)
    assert request.state.current is not None
    assert request.state.current.step == "search_and_decide"
    return rid


async def test_staff_extend_the_archive_search_with_a_reason(astana: Harness) -> None:
    # 004 table 3 action 6: «15 тен 30 күн ... (жекелеген жағдайларда 6 айға дейін)».
    assert _in_seed("004", SEARCH_UP_TO_6_MONTHS)
    h = astana
    rid = await _at_search(h)
    before, _, _ = await h.service.load(rid)
    who, _ = await member(h, ARCHIVES, "provider_employee")
    after = await h.service.extend(
        ARCHIVES,
        who,
        rid,
        step="search_and_decide",
        until=date(2013, 5, 20),
        reason="the fund is kept at the regional branch",
    )
    assert after.state.current is not None
    assert after.state.current.deadline == datetime(2013, 5, 20, 12, 30, tzinfo=UTC)
    assert after.state.deadline > before.state.deadline
    assert after.state.deadline > after.state.current.deadline
    extended = [e for e in await h.stream(rid) if e.type == "StepExtended.v1"]
    assert extended[0].data["reason"] == "the fund is kept at the regional branch"
    assert extended[0].data["actor"] == who.iin
    # The old deadline passes without an overdue event.
    await h.clock.advance_to(before.state.deadline + timedelta(days=1))
    assert "StepOverdue.v1" not in [e.type for e in await h.stream(rid)]


@pytest.mark.parametrize(
    ("until", "reason", "code"),
    [
        (date(2013, 9, 5), "six months are not enough", "BEYOND_MAXIMUM"),
        (date(2013, 4, 20), " ", "REASON_REQUIRED"),
    ],
)
async def test_extension_past_the_maximum_is_refused(
    astana: Harness, until: date, reason: str, code: str
) -> None:
    h = astana
    rid = await _at_search(h)
    who, _ = await member(h, ARCHIVES, "provider_employee")
    with pytest.raises(Conflict) as refused:
        await h.service.extend(
            ARCHIVES, who, rid, step="search_and_decide", until=until, reason=reason
        )
    assert refused.value.code == code
    assert "StepExtended.v1" not in [e.type for e in await h.stream(rid)]
