"""Mermaid text for the two kinds of diagram the acts append, drawn from a definition.

* ``interaction``: the functional interaction diagram: information systems as participants,
  each numbered process as a message between them, each condition as a check, refusals as
  failed messages. One block per diagram of the act (portal, provider, PSC).
* ``process``: the business-process handbook: one lane per role, the steps with their norms,
  an arrow per outcome (with its guard), the ends (result documents and refusals).

Node ids are prefixed (``step_*``, ``result_*``, ``refused_*``): Mermaid flowcharts misparse ids
that begin with the keyword ``end``. Output is deterministic (same definition, same text):
docs/regulations/ is checked for drift.
"""

from __future__ import annotations

import re
from typing import Literal

from shared.regulation.model import Definition, Outcome, TraceEntry, TraceKind

Kind = Literal["interaction", "process"]

_DIAGRAM_TITLES = {
    "portal": "Through the portal (ЭҮП)",
    "provider": "Through the provider",
    "psc": "Through the Public Service Center (ХҚКО)",
}


def _text(value: str) -> str:
    """Make free text safe inside a Mermaid label."""
    value = value.replace('"', "#quot;").replace(";", ",").replace("#quot,", "#quot;")
    return re.sub(r"\s+", " ", value).strip()


def render(definition: Definition, kind: Kind) -> str:
    if kind == "interaction":
        return interaction(definition)
    if kind == "process":
        return process(definition)
    raise ValueError(f"unknown diagram kind {kind!r}; use 'interaction' or 'process'")


def _label(entry: TraceEntry) -> str:
    if entry.kind is TraceKind.CONDITION:
        prefix = f"C{entry.number}" if entry.number else "C"
    else:
        prefix = f"P{entry.number}" if entry.number else "·"
    norm = f" ⏱ {entry.norm.label()}" if entry.norm is not None else ""
    return _text(f"{prefix} {entry.text.en}{norm} → {entry.records}")


def interaction(d: Definition) -> str:
    lines = [
        "sequenceDiagram",
        f"    %% {d.key}: {_text(d.name.en)}",
        f"    %% {_text(d.act.body.en)} № {d.act.number} of {d.act.date}",
    ]
    for system in d.systems:
        lines.append(
            f"    participant {system.id} as {_text(system.abbr)}<br/>{_text(system.name.en)}"
        )
    groups: list[str] = []
    for entry in d.trace:
        if entry.diagram not in groups:
            groups.append(entry.diagram)
    for group in groups:
        title = _DIAGRAM_TITLES.get(group, group)
        lines.append("    rect rgba(200, 200, 200, 0.15)")
        lines.append(f"    Note over {d.systems[0].id},{d.systems[-1].id}: {_text(title)}")
        for entry in d.trace:
            if entry.diagram != group:
                continue
            if entry.receiver is None or entry.kind is TraceKind.CONDITION:
                lines.append(f"    Note over {entry.sender}: {_label(entry)}")
                continue
            arrow = "--x" if entry.refusal else "->>"
            lines.append(f"    {entry.sender}{arrow}{entry.receiver}: {_label(entry)}")
        lines.append("    end")
    return "\n".join(lines) + "\n"


def _node(step_id: str) -> str:
    # Prefixed: a step id such as ``endorse`` must not start with Mermaid's ``end`` keyword.
    return f"step_{step_id}"


def _end_node(outcome: Outcome) -> tuple[str, str]:
    if outcome.refusal is not None:
        suffix = f"<br/>({outcome.result.value})" if outcome.result is not None else ""
        return f"refused_{outcome.refusal.lower()}", f"Refused: {outcome.refusal}{suffix}"
    assert outcome.result is not None  # noqa: S101  -- a terminal outcome has an end
    return f"result_{outcome.result.value}", f"Result: {outcome.result.value}"


def _guard(outcome: Outcome) -> str:
    parts = [c.value for c in outcome.channels]
    if outcome.after is not None:
        parts.append(f"after {outcome.after}")
    return f" [{', '.join(parts)}]" if parts else ""


def process(d: Definition) -> str:
    lines = [
        "flowchart TD",
        f"    %% {d.key}: {_text(d.name.en)}",
        f"    %% request term: {d.term.label()} ({_text(d.term.norm.source.clause)})",
    ]
    for entry in d.entries:
        lines.append(f'    start_{entry.channel.value}(["Start: {entry.channel.value}"])')
    for role in d.roles:
        steps = [s for s in d.steps if s.role == role.id]
        if not steps:
            continue
        lane = f"{_text(role.name.kk)}<br/>{_text(role.name.en)}"
        lines.append(f'    subgraph lane_{role.id}["{lane}"]')
        for step in steps:
            norm = step.norm.label() if step.norm else "no norm in the act"
            label = f"{_text(step.action.kk)}<br/><i>{_text(step.action.en)}</i><br/>⏱ {norm}"
            lines.append(f'        {_node(step.id)}["{label}"]')
        lines.append("    end")
    ends: dict[str, str] = {}
    for entry in d.entries:
        lines.append(f"    start_{entry.channel.value} --> {_node(entry.step)}")
    for step in d.steps:
        for outcome in step.outcomes:
            label = _text(outcome.label.en + _guard(outcome))
            if outcome.next is not None:
                lines.append(f'    {_node(step.id)} -->|"{label}"| {_node(outcome.next)}')
            else:
                node, text = _end_node(outcome)
                ends[node] = text
                lines.append(f'    {_node(step.id)} -->|"{label}"| {node}')
    for node, text in ends.items():
        lines.append(f'    {node}(["{_text(text)}"])')
    return "\n".join(lines) + "\n"
