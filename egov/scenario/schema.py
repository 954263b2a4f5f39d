"""The published JSON Schema of the scenario format, generated from the pydantic models."""

from __future__ import annotations

import json
from typing import Any

from egov.scenario.model import Scenario

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def scenario_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema(by_alias=True)
    return {"$schema": SCHEMA_DRAFT, **schema}


def schema_text() -> str:
    return json.dumps(scenario_schema(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
