"""Reading deploy/ the way docker compose would, without Docker: YAML with merge keys, then
``${VAR:-default}`` interpolation with an empty environment (the defaults)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
_VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?-([^}]*))?\}")


def interpolate(node: Any) -> Any:
    if isinstance(node, str):
        return _VARIABLE.sub(lambda m: m.group(2) or "", node)
    if isinstance(node, dict):
        return {key: interpolate(value) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item) for item in node]
    return node


@cache
def raw_compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def compose() -> dict[str, Any]:
    resolved = interpolate(raw_compose())
    assert isinstance(resolved, dict)
    return resolved


def environment(service: str) -> dict[str, str]:
    env = compose()["services"][service].get("environment", {})
    assert isinstance(env, dict), f"{service}: environment as a mapping, please"
    return {name: str(value) for name, value in env.items()}


def egov_services() -> dict[str, str]:
    """Container name -> the service it serves (``egov serve SERVICE``)."""
    out = {}
    for name, spec in compose()["services"].items():
        command = spec.get("command") or []
        if command[:1] == ["serve"]:
            out[name] = command[1]
    return out
