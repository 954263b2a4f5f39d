"""The hostile-input corpus against every HTTP endpoint of the five services, served by
``egov run`` on PostgreSQL: no 5xx, every refusal a JSON ``{"code", "message"}``, a 5 MiB body
refused unread with 413, and nothing stored (the gateway logs each refused sync call as a
``MessageRejected`` record, by design, and nothing else)."""

from __future__ import annotations

import httpx
import pytest

from tests.hostile import campaign
from tests.hostile.stack import SERVICES, Stack

pytestmark = [pytest.mark.infra, pytest.mark.slow]

# What the campaign may leave behind, per service: the gateway's message log records every
# refusal of its sync channel (docs/gateway-errors.md), and the portal's GET /auth/challenge
# (public, no input) issues a login challenge each time it answers 200. Nothing else.
ALLOWED_NEW_EVENTS = {"gateway": {"MessageRejected.v1"}, "portal": {"ChallengeIssued.v1"}}


@pytest.mark.parametrize("service", SERVICES)
async def test_every_endpoint_refuses_the_corpus_cleanly(
    stack: Stack, pg_dsn: str, service: str
) -> None:
    before = {s: await campaign.counts(pg_dsn, stack.schemas[s]) for s in SERVICES}
    async with httpx.AsyncClient(base_url=stack.urls[service], timeout=60.0) as http:
        spec = (await http.get("/openapi.json")).json()
        ops = campaign.operations(spec)
        assert ops, f"{service} serves no operations"
        sent, findings = await campaign.run(http, ops)
    assert not findings, f"{len(findings)} of {sent} probes broke the rules:\n" + "\n".join(
        findings[:60]
    )
    for name in SERVICES:
        (was, head) = before[name]
        now, _ = await campaign.counts(pg_dsn, stack.schemas[name], types_after=head)
        allowed = ALLOWED_NEW_EVENTS.get(name, set())
        if allowed and name == service:
            assert set(now.event_types_after) <= allowed, (name, now.event_types_after)
            assert (now.outbox, now.inbox) == (was.outbox, was.inbox), name
        else:
            assert (now.events, now.outbox, now.inbox) == (was.events, was.outbox, was.inbox), (
                f"{name} stored something while {service} was probed"
            )
