"""Reading scenario files: every problem named by file, line, path in the document and what is
wrong, for every file, before anything runs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from egov.scenario.model import Scenario


@dataclass(frozen=True)
class Problem:
    file: str
    path: str  # e.g. steps[2].submit.channel ("" for the whole document)
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.path or '(document)'}: {self.message}"


class ScenarioFileError(ValueError):
    """One or more scenario files are not valid; ``problems`` lists each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class LoadedScenario:
    path: Path
    scenario: Scenario


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the ``*.yaml``/``*.yml`` files under the directories named
    (sorted); a path that does not exist is a problem."""
    found: list[Path] = []
    problems = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Problem(str(path), "", "no such file or directory"))
    if problems:
        raise ScenarioFileError(problems)
    return found


def load_scenarios(paths: Iterable[Path]) -> list[LoadedScenario]:
    """Every scenario of ``paths``; all problems of all files at once, and ids used twice."""
    loaded: list[LoadedScenario] = []
    problems: list[Problem] = []
    for file in scenario_files(paths):
        try:
            loaded.append(LoadedScenario(file, load_scenario(file)))
        except ScenarioFileError as exc:
            problems += exc.problems
    seen: dict[str, Path] = {}
    for item in loaded:
        first = seen.setdefault(item.scenario.scenario, item.path)
        if first != item.path:
            message = f"scenario id {item.scenario.scenario!r} is also used by {first}"
            problems.append(Problem(str(item.path), "scenario", message))
    if problems:
        raise ScenarioFileError(problems)
    if not loaded:
        raise ScenarioFileError([Problem(", ".join(map(str, paths)), "", "no scenario files")])
    return loaded


def load_scenario(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError([Problem(str(path), "", f"cannot read: {exc}")]) from None
    return parse_scenario(text, source=str(path))


def parse_scenario(text: str, *, source: str = "<scenario>") -> Scenario:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioFileError([Problem(source, "", f"not YAML: {reason}", line)]) from None
    if not isinstance(data, dict):
        raise ScenarioFileError([Problem(source, "", "a scenario is a YAML mapping", 1)])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            if not error["loc"]:
                problems += _document_problems(source, data, node, _message(error))
                continue
            path, line = _locate(data, node, error["loc"])
            problems.append(Problem(source, path, _message(error), line))
        raise ScenarioFileError(problems) from None


_PART = re.compile(r"^(?P<path>[a-z_]+(?:\[\d+\]|\.[a-z_]+)*): (?P<what>.+)$")


def _document_problems(source: str, data: Any, node: Any, message: str) -> list[Problem]:
    """The whole-document checks (references between actors, steps and expectations) report
    "path: what; path: what": one problem each, at the line of its path."""
    problems = []
    for part in message.split("; "):
        found = _PART.match(part)
        if found is None:
            problems.append(Problem(source, "", part, 1))
            continue
        loc = [int(k) if k.isdigit() else k for k in re.findall(r"[a-z_]+|\d+", found["path"])]
        path, line = _locate(data, node, loc)
        problems.append(Problem(source, path, found["what"], line))
    return problems


def _message(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("missing", "extra_forbidden"):
        return {"missing": "required, missing", "extra_forbidden": "unknown key"}[error["type"]]
    if error["type"] == "literal_error" or error["type"] == "enum":
        return f"{message}, got {error.get('input')!r}"
    return message


def _locate(data: Any, node: Any, loc: Sequence[Any]) -> tuple[str, int | None]:
    """The path of ``loc`` in the document, skipping what pydantic adds that is not in it
    (a union's tag), and the line of the deepest node found."""
    parts: list[str] = []
    line = node.start_mark.line + 1 if node is not None else None
    for index, key in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            parts.append(f"[{key}]")
            data = data[key]
            node = node.value[key] if node is not None else None
        elif isinstance(data, dict) and key in data:
            parts.append(f".{key}")
            data = data[key]
            node = _child(node, key)
        elif parts and parts[-1] == f".{key}":
            continue  # the wrapper's field under its own tag (steps[2].advance.advance)
        elif last or not isinstance(data, dict):
            parts.append(f".{key}" if not isinstance(key, int) else f"[{key}]")
            data = None
        else:
            continue  # a union's tag (step kind, actor kind): not a key of the document
        if node is not None:
            line = node.start_mark.line + 1
    return "".join(parts).lstrip("."), line


def _child(node: Any, key: Any) -> Any:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if key_node.value == str(key):
            return value_node
    return None
