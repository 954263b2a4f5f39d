"""The report: a Mermaid sequence diagram of the journey drawn from the gateway's trace, and the
Markdown and JSON files with every expectation's verdict (the actual value when it fails)."""

from __future__ import annotations

import json
from pathlib import Path

from egov.scenario.report import (
    ExpectationOutcome,
    ScenarioReport,
    StepOutcome,
    markdown,
    sequence_diagram,
    write_reports,
)

STATUS = json.dumps({"type": "status.changed.v1", "body": {"status": "registered", "seq": 1}})
TRACE = [
    {"record": "MessageAccepted.v1", "message_id": "m1", "type": "request.submitted.v1",
     "sender": "portal", "recipient": "provider.almaty.culture"},
    {"record": "MessageRelayed.v1", "message_id": "m1", "region": "almaty"},
    {"record": "DeliveryStateChanged.v1", "message_id": "m1", "state": "ON_DELIVERY",
     "recipient": "provider.almaty.culture"},
    {"record": "DeliveryStateChanged.v1", "message_id": "m1", "state": "DELIVERED",
     "recipient": "provider.almaty.culture"},
    {"record": "MessageAccepted.v1", "message_id": "m2", "type": "status.changed.v1",
     "sender": "provider.almaty.culture", "recipient": "portal", "envelope_raw": STATUS},
    {"record": "DeliveryStateChanged.v1", "message_id": "m2", "state": "NOT_DELIVERED",
     "recipient": "portal", "reason": "no route; x"},
    {"record": "MessageRejected.v1", "code": "SIGNATURE_INVALID", "claimed": {"sender": "evil"}},
    {"record": "SyncRequestLogged.v1", "service": "registry.person", "caller": "elicense"},
    {"record": "SyncResponseLogged.v1", "service": "registry.person", "caller": "elicense",
     "status": 404},
]  # fmt: skip


def test_the_diagram_follows_the_trace_message_by_message() -> None:
    assert sequence_diagram(TRACE) == (
        "sequenceDiagram\n"
        "    participant gateway as gateway\n"
        "    participant portal as portal\n"
        "    participant provider_almaty_culture as provider.almaty.culture\n"
        "    participant evil as evil\n"
        "    participant elicense as elicense\n"
        "    portal->>gateway: request.submitted.v1\n"
        "    Note over gateway: relayed via almaty regional gateway\n"
        "    gateway->>provider_almaty_culture: request.submitted.v1\n"
        "    provider_almaty_culture->>gateway: status.changed.v1 [registered]\n"
        "    gateway-xportal: status.changed.v1 [registered] NOT_DELIVERED no route, x\n"
        "    evil-xgateway: refused SIGNATURE_INVALID\n"
        "    elicense->>gateway: sync registry.person\n"
        "    gateway-->>elicense: registry.person 404\n"
    )


def _report(passed: bool) -> ScenarioReport:
    return ScenarioReport(
        "demo",
        "A demo",
        "demo.yaml",
        passed=passed,
        started_at="2026-01-01T00:00:00+00:00",
        duration_s=1.5,
        steps=[StepOutcome(1, "submit", "actor=applicant", True, 0.1, 0.2)],
        expectations=[
            ExpectationOutcome(1, "refusal", {"code": "X"}, passed, None if passed else ["Y"])
        ],
        requests={"request": "P1"},
        diagrams={"request": sequence_diagram(TRACE[:1])},
    )


def test_a_failed_expectation_shows_the_actual_value_and_the_run_fails() -> None:
    text = markdown(_report(False))
    assert text.startswith("# demo: FAILED\n")
    assert '| 1 | refusal: {"code": "X"} | FAIL | ["Y"] |' in text
    assert "```mermaid\nsequenceDiagram\n" in text
    assert '| 1 | refusal: {"code": "X"} | pass |  |' in markdown(_report(True))


def test_reports_are_written_as_markdown_and_json_with_an_index(tmp_path: Path) -> None:
    index = write_reports(tmp_path, [_report(True), _report(False)], target="embedded")
    assert index.read_text(encoding="utf-8").startswith(
        "# Scenario run against embedded: 1/2 passed"
    )
    saved = json.loads((tmp_path / "demo.json").read_text(encoding="utf-8"))
    assert saved["expectations"][0]["actual"] == ["Y"]
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert (summary["passed"], summary["failed"]) == (1, 1)
    assert (tmp_path / "demo.md").read_text(encoding="utf-8").startswith("# demo: FAILED")
