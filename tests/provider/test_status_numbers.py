"""Status notifications are numbered 1, 2, ... per request, across actions and deadline timers:
the gateway may deliver them out of order and those of one action share their ``at``, so the
number is what puts the cabinet's history in order (found by test_gateway_matrix.py)."""

from __future__ import annotations

from datetime import timedelta

from tests.provider.conftest import Harness, applicant_body
from tests.provider.test_flows import CULTURE, GROUNDS, do


async def _numbers(h: Harness, rid: str) -> list[tuple[int, str]]:
    return [
        (int(e.body["seq"]), str(e.body["status"]))
        for e in await h.outbox()
        if e.correlation_id == rid and e.type == "status.changed.v2"
    ]


async def test_notifications_are_numbered_across_actions_and_timers(almaty: Harness) -> None:
    h = almaty
    rid = await h.deliver(
        sender="portal", recipient=CULTURE, service_code="A", body=applicant_body()
    )
    # The office does not register it within its 10 working minutes: an overdue notice.
    await h.clock.advance(timedelta(minutes=11))
    await do(h, CULTURE, rid, "office_clerk", "register", "registered")
    await do(
        h,
        CULTURE,
        rid,
        "head",
        "review_and_assign",
        "documents_non_compliant",
        grounds=GROUNDS,
        sign=True,
    )
    numbered = await _numbers(h, rid)
    assert [n for n, _ in numbered] == list(range(1, len(numbered) + 1))
    assert [s for _, s in numbered] == ["registered", "overdue", "under_review", "refused"]
    # The log records the same numbers, so a replay sees what was sent.
    logged = [e.data["seq"] for e in await h.stream(rid) if e.type == "StatusNotified.v1"]
    assert logged == [n for n, _ in numbered]


async def test_numbers_are_per_request(almaty: Harness) -> None:
    h = almaty
    first = await h.deliver(
        sender="portal", recipient=CULTURE, service_code="A", body=applicant_body()
    )
    await do(h, CULTURE, first, "office_clerk", "register", "registered")
    second = await h.deliver(
        sender="portal", recipient=CULTURE, service_code="A", body=applicant_body()
    )
    assert [n for n, _ in await _numbers(h, first)] == [1, 2]
    assert [n for n, _ in await _numbers(h, second)] == [1]
