"""A whole journey through the real topology (``egov run``'s embedded stack: portal, gateway,
regional tier, the Almaty culture workstation, staff acting step by step), then the applicant's
cabinet: every status once, the final one included, in the history and on the live stream.

The journey is the shipped scenario of the certificate being issued at the portal (generated
from the definition, so its steps and status names are the definition's); the final status is
the one the scenario expects on the bus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from egov.scenario import model as m
from egov.scenario.identities import identity
from egov.scenario.loader import load_scenarios
from egov.scenario.report import markdown
from egov.scenario.session import new_salt, run_all
from egov.scenario.targets import open_target

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
JOURNEY = "cultural_values_export@almaty-2018/a-almaty-2018-portal-hand-out-certificate-issued"
HEARTBEAT_S = "0.5"


def _final_status(expectations: list[Any]) -> str:
    """The status the scenario expects the last notification on the bus to carry."""
    for item in expectations:
        body = m.step_body(item)
        if isinstance(body, m.Event) and "body.status" in body.fields:
            return str(body.fields["body.status"])
    raise AssertionError("the journey names no final status")


async def _stream_until_quiet(portal: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every event of the stream from the log's start (Last-Event-ID: 0), up to the first
    keep-alive: once it comes, nothing more was owed."""
    found: list[dict[str, Any]] = []
    block: dict[str, str] = {}
    async with (
        httpx.AsyncClient(base_url=portal, timeout=30) as http,
        http.stream(
            "GET", "/cabinet/stream", headers={**headers, "Last-Event-ID": "0"}
        ) as response,
    ):
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line == ": keep-alive":
                return found
            if line:
                name, _, value = line.partition(": ")
                block[name] = value
            elif block:
                found.append({"id": int(block["id"]), **json.loads(block["data"])})
                block = {}
    raise AssertionError("the stream ended without a keep-alive")


async def test_a_finished_journey_shows_each_status_once_in_the_cabinet_and_the_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EGOV_PORTAL_STREAM_HEARTBEAT_S", HEARTBEAT_S)
    [loaded] = [
        s
        for s in load_scenarios([ROOT / "scenarios"])
        if s.path.with_suffix("").as_posix().endswith(JOURNEY)
    ]
    scenario = loaded.scenario
    final = _final_status(list(scenario.expect))
    salt = new_salt()
    async with open_target("embedded", None, [loaded], salt) as target:
        [report] = await run_all([loaded], target, salt=salt, jobs=1)
        assert report.passed, markdown(report)
        applicant = scenario.actors["applicant"]
        assert isinstance(applicant, m.ApplicantActor)
        async with httpx.AsyncClient(base_url=target.urls.portal, timeout=30) as http:
            iin = identity(scenario, "applicant", salt).iin
            login = {"iin": iin, "password": applicant.password}
            token = (await http.post("/auth/login", json=login)).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            [row] = (await http.get("/cabinet/requests", headers=headers)).json()["requests"]
            one = (await http.get(f"/cabinet/requests/{row['request_id']}", headers=headers)).json()
            events = await _stream_until_quiet(target.urls.portal, headers)
    history = [(h["status"], h["step"], h["at"]) for h in one["history"]]
    statuses = [status for status, _, _ in history]
    assert statuses[-1] == final == one["status"]
    assert statuses.count(final) == 1, statuses
    # No entry twice (the result used to be recorded beside its status notification).
    assert len(set(history)) == len(history), history
    streamed = [e["status"] for e in events]
    assert sorted(streamed) == sorted(statuses)
    assert streamed.count(final) == 1
    assert [e["id"] for e in events] == sorted({e["id"] for e in events})
    assert events[-1]["current"] == final
