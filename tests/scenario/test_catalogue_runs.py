"""Every shipped scenario runs and passes, on the embedded topology and on ``egov up`` (every
service its own process on the real RabbitMQ and PostgreSQL): one topology per target for the
whole catalogue, independent scenarios in parallel. In the same run, a scenario whose
expectations are wrong fails, and its report says what was expected and what was found."""

from __future__ import annotations

from pathlib import Path

import pytest

from egov.scenario.loader import LoadedScenario, load_scenarios, parse_scenario
from egov.scenario.report import ScenarioReport, markdown
from egov.scenario.session import new_salt, run_all
from egov.scenario.targets import open_target

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
JOBS = 8

WRONG = """
scenario: wrong-expectations
title: A request that is registered, expected refused
start: 2019-11-04
timeout_s: 3
actors:
  applicant: {kind: applicant}
steps:
  - register: {actor: applicant}
  - login: {actor: applicant}
  - submit:
      actor: applicant
      service: cultural_values_export
      form: {item_description: A dombra, destination_country: Kyrgyzstan, return_date: "2020-03-01"}
  - wait: {status: registered}
expect:
  - statuses: {in_order: [submitted, registered]}
  - refusal: {code: DOCUMENTS_NON_COMPLIANT}
  - statuses: {exactly: [registered, completed]}
"""


def _catalogue() -> list[LoadedScenario]:
    wrong = LoadedScenario(Path("wrong.yaml"), parse_scenario(WRONG, source="wrong.yaml"))
    return [*load_scenarios([ROOT / "scenarios"]), wrong]


def _check(reports: list[ScenarioReport]) -> None:
    by_id = {r.scenario: r for r in reports}
    wrong = by_id.pop("wrong-expectations")
    failed = [markdown(r) for r in by_id.values() if not r.passed]
    assert not failed, "\n\n".join(failed)
    assert len(by_id) >= 60
    # The runner can fail: each wrong expectation FAILS with what was found instead.
    assert not wrong.passed
    assert wrong.error is None
    verdicts = [(e.kind, e.ok) for e in wrong.expectations]
    assert verdicts == [("statuses", True), ("refusal", False), ("statuses", False)]
    assert wrong.expectations[1].actual is None  # not refused at all
    assert wrong.expectations[2].actual[:3] == ["draft", "submitted", "registered"]
    text = markdown(wrong)
    assert text.startswith("# wrong-expectations: FAILED")
    assert '| 2 | refusal: {"code": "DOCUMENTS_NON_COMPLIANT"} | FAIL | null |' in text
    assert "portal->>gateway: request.submitted.v1" in wrong.diagrams["request"]


async def _run(target: str) -> list[ScenarioReport]:
    scenarios, salt = _catalogue(), new_salt()
    async with open_target(target, None, scenarios, salt) as opened:
        return await run_all(scenarios, opened, salt=salt, jobs=JOBS)


async def test_every_shipped_scenario_passes_embedded() -> None:
    _check(await _run("embedded"))


@pytest.mark.infra
async def test_every_shipped_scenario_passes_on_egov_up(
    pg_dsn: str, amqp_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EGOV_PG_DSN", pg_dsn)
    monkeypatch.setenv("EGOV_AMQP_URL", amqp_url)
    _check(await _run("up"))
