"""Checks a status notification against the checked-in contract: the generated JSON Schema (as
a consumer in another language would) and the pydantic models it came from."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from pydantic import TypeAdapter

from shared.contract.status import StatusBody

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi" / "schemas"


@cache
def status_validator() -> jsonschema.Draft7Validator:
    schema = json.loads((SCHEMAS / "status-notification.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def contract_errors(document: Any) -> list[str]:
    """Every way ``document`` (a decoded status notification) breaks the contract."""
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in status_validator().iter_errors(document)
    ]
    if not errors:
        TypeAdapter(StatusBody).validate_python(document["body"])
    return errors
