"""``egov replay provider`` rebuilds the inboxes and the SLA report from the log with the same
result as the live read models; ``egov provider staff`` keeps the roster."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from egov.cli import build_cli
from provider_svc.projections import ProviderProjection
from provider_svc.replay import digest
from tests.provider.conftest import Harness, applicant_body
from tests.provider.test_flows import CULTURE, GREEN, do


@pytest.fixture
def env(almaty: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Harness:
    for name in ("EGOV_PG_DSN", "EGOV_PROVIDER_EVENT_STORE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EGOV_PROVIDER_EVENT_STORE_URL", f"sqlite:///{tmp_path}/provider.sqlite3")
    return almaty


async def test_replay_gives_the_live_inboxes_and_sla(env: Harness) -> None:
    h = env
    live = ProviderProjection()
    first = await h.deliver(
        sender="portal", recipient=CULTURE, service_code="A", body=applicant_body()
    )
    await live.catch_up(h.store)
    await h.deliver(sender="portal", recipient=GREEN, service_code="D", body=applicant_body())
    await do(h, CULTURE, first, "office_clerk", "register", "registered")
    await live.catch_up(h.store)
    await do(h, CULTURE, first, "head", "review_and_assign", "executor_assigned")
    await live.catch_up(h.store)

    result = await _invoke(["replay", "provider", "--json"])
    assert result.exit_code == 0, result.output
    replayed = json.loads(result.output)
    expected = digest(live, h.service.engines, datetime.now(UTC))
    assert replayed["sha256"] == expected["sha256"]
    assert replayed["inboxes"] == {CULTURE: {"executor": 1}, GREEN: {"employee": 1}}
    assert replayed["events"] == live.events_seen
    text = await _invoke(["replay", "provider"])
    assert "events/s" in text.output
    assert "cultural_values_export@almaty-2018 | register | office_clerk" in text.output


async def _invoke(args: list[str]) -> Result:
    # The commands run their own event loop (asyncio.run), so not on the test's.
    return await asyncio.to_thread(CliRunner().invoke, build_cli(), args)


async def test_staff_roster_from_the_command_line(env: Harness) -> None:
    ok = await _invoke(
        ["provider", "staff", "appoint", CULTURE, "850301400108", "Test Head", "--role", "head"]
    )
    assert ok.exit_code == 0, ok.output
    # Which certificate the new member signs with: the department's, with its BIN.
    assert "egov pki issue entity --bin 190340123459 --iin 850301400108 --role employee" in (
        ok.output
    )
    bad = await _invoke(
        ["provider", "staff", "appoint", CULTURE, "850301400108", "X", "--role", "deputy"]
    )
    assert bad.exit_code == 1
    assert "unknown_role" in bad.output
    listed = await _invoke(["provider", "staff", "list", CULTURE])
    assert "850301400108" in listed.output
    assert (await _invoke(["provider", "staff", "dismiss", CULTURE, "850301400108"])).exit_code == 0
    assert "850301400108" not in (await _invoke(["provider", "staff", "list", CULTURE])).output
