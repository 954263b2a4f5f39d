"""Load and validate definition files, with errors naming the file, the path and the problem."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from shared.regulation.errors import DefinitionError
from shared.regulation.model import Definition


def _path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_definition(raw: Any, file: str) -> Definition:
    """Validate already-parsed YAML; raise :class:`DefinitionError` on the first problem."""
    if not isinstance(raw, dict):
        raise DefinitionError(file, "", f"expected a mapping at the top, got {type(raw).__name__}")
    try:
        definition = Definition.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DefinitionError(file, _path(first["loc"]), first["msg"]) from exc
    check_references(definition, file)
    return definition


# LibYAML's safe loader when PyYAML was built with it: the same documents, about 7 times faster
# (the 7 definitions took 0.8-0.9 s to parse in pure Python, and `egov run` loads them three
# times at start: portal, elicense, provider; docs/performance.md).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_definition(path: Path) -> Definition:
    file = path.name
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506
    except yaml.YAMLError as exc:
        raise DefinitionError(file, "", f"not valid YAML: {exc}") from exc
    definition = parse_definition(raw, file)
    expected = f"{definition.code}@{definition.version}.yaml"
    if file != expected:
        raise DefinitionError(file, "", f"file must be named {expected!r} after its code/version")
    return definition


def load_directory(directory: Path) -> list[Definition]:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise DefinitionError(str(directory), "", "no *.yaml definitions found")
    return [load_definition(path) for path in files]


def _unique(file: str, where: str, ids: list[str]) -> None:
    for value, count in Counter(ids).items():
        if count > 1:
            raise DefinitionError(file, where, f"duplicate id {value!r}")


def check_references(d: Definition, file: str) -> None:
    """Cross-field rules a schema cannot express: every reference resolves, every step is
    reachable from the first one and can reach an end."""
    role_ids = [r.id for r in d.roles]
    step_ids = [s.id for s in d.steps]
    _unique(file, "roles", role_ids)
    _unique(file, "steps", step_ids)
    _unique(file, "systems", [s.id for s in d.systems])
    _unique(file, "refusal_grounds", [g.code for g in d.refusal_grounds])
    _unique(file, "form", [f.name for f in d.form])
    _unique(file, "statuses", list(d.statuses))
    grounds = {g.code for g in d.refusal_grounds}
    results = {r.kind for r in d.results}
    statuses = set(d.statuses)
    systems = {s.id for s in d.systems}
    _unique(file, "status_names", [n.id for n in d.status_names])
    for i, named in enumerate(d.status_names):
        if named.id not in statuses:
            raise DefinitionError(file, f"status_names[{i}].id", f"status {named.id!r} not listed")
    for i, result in enumerate(d.results):
        if result.signed_by_role not in role_ids:
            raise DefinitionError(
                file, f"results[{i}].signed_by_role", f"unknown role {result.signed_by_role!r}"
            )
    for i, step in enumerate(d.steps):
        where = f"steps[{i}]"
        if step.role not in role_ids:
            raise DefinitionError(file, f"{where}.role", f"unknown role {step.role!r}")
        if step.status not in statuses:
            raise DefinitionError(file, f"{where}.status", f"status {step.status!r} not listed")
        _unique(file, f"{where}.outcomes", [o.name for o in step.outcomes])
        for j, outcome in enumerate(step.outcomes):
            at = f"{where}.outcomes[{j}]"
            if outcome.next is not None and outcome.next not in step_ids:
                raise DefinitionError(file, f"{at}.next", f"unknown step {outcome.next!r}")
            if outcome.result is not None and outcome.result not in results:
                raise DefinitionError(
                    file, f"{at}.result", f"result {outcome.result.value!r} not in results"
                )
            if outcome.refusal is not None and outcome.refusal not in grounds:
                raise DefinitionError(
                    file, f"{at}.refusal", f"unknown refusal ground {outcome.refusal!r}"
                )
            if outcome.status not in statuses:
                raise DefinitionError(file, f"{at}.status", f"status {outcome.status!r} not listed")
    outcome_names = {o.name for s in d.steps for o in s.outcomes}
    for i, step in enumerate(d.steps):
        for j, outcome in enumerate(step.outcomes):
            at = f"steps[{i}].outcomes[{j}]"
            if outcome.after is not None and outcome.after not in outcome_names:
                raise DefinitionError(file, f"{at}.after", f"unknown outcome {outcome.after!r}")
            for channel in outcome.channels:
                if channel not in d.channels:
                    raise DefinitionError(
                        file, f"{at}.channels", f"channel {channel.value!r} not in channels"
                    )
    for i, entry in enumerate(d.entries):
        if entry.channel not in d.channels:
            raise DefinitionError(
                file, f"entries[{i}].channel", f"channel {entry.channel.value!r} not in channels"
            )
        if entry.step not in step_ids:
            raise DefinitionError(file, f"entries[{i}].step", f"unknown step {entry.step!r}")
    for i, channel in enumerate(d.channels):
        if channel not in {e.channel for e in d.entries}:
            raise DefinitionError(file, f"channels[{i}]", f"no entry step for {channel.value!r}")
    for i, trace in enumerate(d.trace):
        for attr in ("sender", "receiver"):
            value = getattr(trace, attr)
            if value is not None and value not in systems:
                raise DefinitionError(file, f"trace[{i}].{attr}", f"unknown system {value!r}")
    if d.term.from_steps:
        for i, step in enumerate(d.steps):
            if step.norm is None:
                raise DefinitionError(
                    file,
                    f"steps[{i}].norm",
                    "a term counted from the steps needs every step's norm",
                )
    _check_graph(d, file)


def _check_graph(d: Definition, file: str) -> None:
    edges = {s.id: [o.next for o in s.outcomes if o.next is not None] for s in d.steps}
    seen: set[str] = set()
    todo = [e.step for e in d.entries]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(edges[current])
    for i, step in enumerate(d.steps):
        if step.id not in seen:
            raise DefinitionError(file, f"steps[{i}]", f"step {step.id!r} is unreachable")
    # Every step must be able to finish: walk backwards from the steps with a terminal outcome.
    ending = {s.id for s in d.steps if any(o.next is None for o in s.outcomes)}
    changed = True
    while changed:
        changed = False
        for step_id, nexts in edges.items():
            if step_id not in ending and any(n in ending for n in nexts):
                ending.add(step_id)
                changed = True
    for i, step in enumerate(d.steps):
        if step.id not in ending:
            raise DefinitionError(file, f"steps[{i}]", f"step {step.id!r} can never end")
