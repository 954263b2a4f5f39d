"""What a scenario run found, and how it is written down: per scenario, pass or fail for every
step and expectation (with the actual value when it fails), a timeline, and a Mermaid sequence
diagram of each request's actual journey, drawn from the gateway's trace; as Markdown and JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

GATEWAY = "gateway"


@dataclass
class StepOutcome:
    index: int
    kind: str
    summary: str
    ok: bool
    at_s: float  # seconds since the scenario started (wall clock)
    duration_s: float
    detail: str = ""
    simulated_at: str | None = None  # the simulated instant, where the step read or moved it


@dataclass
class ExpectationOutcome:
    index: int
    kind: str
    expected: dict[str, Any]
    ok: bool
    actual: Any = None
    detail: str = ""


@dataclass
class ScenarioReport:
    scenario: str
    title: str
    file: str
    passed: bool = False
    error: str | None = None
    started_at: str = ""
    duration_s: float = 0.0
    exclusive: bool = False
    steps: list[StepOutcome] = field(default_factory=list)
    expectations: list[ExpectationOutcome] = field(default_factory=list)
    requests: dict[str, str] = field(default_factory=dict)  # name in the file -> request id
    traces: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    diagrams: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# --- Mermaid -----------------------------------------------------------------------------------


def _alias(system: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in system)


def _envelope(entry: Mapping[str, Any]) -> dict[str, Any]:
    raw = entry.get("envelope_raw")
    if not isinstance(raw, str):
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _label(entry: Mapping[str, Any]) -> str:
    text = str(entry.get("type") or entry.get("service") or entry.get("record"))
    body = _envelope(entry).get("body")
    if isinstance(body, dict) and body.get("status"):
        text += f" [{body['status']}]"
    return text.replace(";", ",").replace("#", "")


def sequence_diagram(trace: Sequence[Mapping[str, Any]]) -> str:
    """The journey as a Mermaid sequence diagram: each message accepted by the gateway from its
    sender, relayed through the regional tier, delivered (or parked) to its recipient; refused
    messages crossed out; sync calls with their answers."""
    participants: list[str] = []

    def who(system: Any) -> str:
        name = str(system or "unknown")
        if name not in participants:
            participants.append(name)
        return _alias(name)

    lines: list[str] = []
    types: dict[str, str] = {}
    gateway = who(GATEWAY)
    for entry in trace:
        record = str(entry.get("record", ""))
        message_id = str(entry.get("message_id") or "")
        if record.startswith("MessageAccepted"):
            types[message_id] = _label(entry)
            lines.append(f"    {who(entry.get('sender'))}->>{gateway}: {types[message_id]}")
        elif record.startswith("MessageRelayed"):
            region = entry.get("region") or entry.get("hop") or "regional"
            lines.append(f"    Note over {gateway}: relayed via {region} regional gateway")
        elif record.startswith("DeliveryStateChanged"):
            state = str(entry.get("state", ""))
            label = types.get(message_id, "message")
            target = who(entry.get("recipient"))
            if state == "DELIVERED":
                lines.append(f"    {gateway}->>{target}: {label}")
            elif state in ("NOT_DELIVERED", "DELIVERY_STOPPED"):
                reason = str(entry.get("reason", "")).replace(";", ",")[:80]
                lines.append(f"    {gateway}-x{target}: {label} {state} {reason}".rstrip())
        elif record.startswith("MessageRejected"):
            claimed = entry.get("claimed") or {}
            sender = who(claimed.get("sender") if isinstance(claimed, dict) else None)
            lines.append(f"    {sender}-x{gateway}: refused {entry.get('code', '')}")
        elif record.startswith("SyncRequest"):
            caller = who(entry.get("caller") or entry.get("sender"))
            lines.append(f"    {caller}->>{gateway}: sync {entry.get('service', '')}")
        elif record.startswith("SyncResponse"):
            caller = who(entry.get("caller") or entry.get("sender"))
            status = entry.get("status") or entry.get("http_status") or ""
            lines.append(f"    {gateway}-->>{caller}: {entry.get('service', '')} {status}".rstrip())
    head = ["sequenceDiagram"] + [f"    participant {_alias(p)} as {p}" for p in participants]
    return "\n".join(head + lines) + "\n"


# --- writing -----------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: ScenarioReport) -> str:
    verdict = "PASSED" if report.passed else "FAILED"
    out = [
        f"# {report.scenario}: {verdict}",
        "",
        f"{report.title}  ",
        f"file `{report.file}`, started {report.started_at}, {report.duration_s:.2f} s"
        + (", ran alone (moves the clock or stops a service)" if report.exclusive else ""),
        "",
    ]
    if report.error:
        out += [f"**Error:** {report.error}", ""]
    if report.requests:
        out += ["Requests: " + ", ".join(f"`{k}` = `{v}`" for k, v in report.requests.items()), ""]
    out += ["## Expectations", "", "| # | expectation | result | actual |", "|---|---|---|---|"]
    for e in report.expectations:
        actual = "" if e.ok else _cell(e.actual) + (f" ({_cell(e.detail)})" if e.detail else "")
        out.append(f"| {e.index} | {e.kind}: {_cell(e.expected)} | {'pass' if e.ok else 'FAIL'} "
                   f"| {actual} |")  # fmt: skip
    out += ["", "## Timeline", "", "| t (s) | simulated | step | result |", "|---|---|---|---|"]
    for s in report.steps:
        result = "ok" if s.ok else f"FAILED: {_cell(s.detail)}"
        out.append(f"| {s.at_s:.2f} | {s.simulated_at or ''} | {s.index}. {s.kind}: "
                   f"{_cell(s.summary)} | {result} |")  # fmt: skip
    for name, diagram in report.diagrams.items():
        out += ["", f"## Journey of `{name}` ({report.requests.get(name, '')})", "", "```mermaid"]
        out += [diagram.rstrip("\n"), "```"]
    return "\n".join(out) + "\n"


def write_reports(directory: Path, reports: Sequence[ScenarioReport], *, target: str) -> Path:
    """``<id>.md`` and ``<id>.json`` per scenario, ``index.md`` and ``summary.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    for report in reports:
        (directory / f"{report.scenario}.md").write_text(markdown(report), encoding="utf-8")
        (directory / f"{report.scenario}.json").write_text(
            json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str),
            encoding="utf-8",
        )
    passed = sum(r.passed for r in reports)
    summary = {
        "target": target,
        "scenarios": len(reports),
        "passed": passed,
        "failed": len(reports) - passed,
        "results": [
            {"scenario": r.scenario, "passed": r.passed, "duration_s": r.duration_s,
             "file": r.file, "error": r.error}
            for r in reports
        ],
    }  # fmt: skip
    (directory / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    lines = [
        f"# Scenario run against {target}: {passed}/{len(reports)} passed",
        "",
        "| scenario | result | time (s) |",
        "|---|---|---|",
    ]
    for r in reports:
        verdict = "pass" if r.passed else "**FAIL**"
        lines.append(f"| [{r.scenario}]({r.scenario}.md) | {verdict} | {r.duration_s:.2f} |")
    index = directory / "index.md"
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return index
