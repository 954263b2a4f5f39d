"""schemathesis against each service's OpenAPI, on the live ``egov run`` stack: stateless,
a bounded number of examples per operation, derandomized (the same inputs every run). Checks:
no 5xx, and a response whose status the schema declares matches its schema and media type.

Excluded, and why (docs/hostile-input.md): ``status_code_conformance``, because the services
declare only their 2xx and 422 answers in OpenAPI while their 401/403/404/409/413 errors share
the edge's ``{"code", "message"}`` shape documented in docs/; ``/simulation/*``, an operator's
control that moves the stack's time (off in this stack)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.hostile.campaign import SKIPPED_PREFIXES
from tests.hostile.stack import SERVICES, Stack

pytestmark = [pytest.mark.infra, pytest.mark.slow]

# OCSP requests are DER bytes (registry's POST /ocsp): sent as the raw bytes generated.
schemathesis.serializer.alias("application/ocsp-request", "application/octet-stream")

# Examples per operation (~77 operations): inside the suite's 3-minute budget on 2 cores.
EXAMPLES = {GenerationMode.POSITIVE: 30, GenerationMode.NEGATIVE: 15}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("service", SERVICES)
def test_openapi_holds_under_generated_input(
    stack: Stack, service: str, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(f"{stack.urls[service]}/openapi.json")
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"the schema cannot be read: {result.err()}")
            continue
        operation = result.ok()
        if operation.path.startswith(SKIPPED_PREFIXES):
            continue
        tried += 1
        # A page (tag "pages") answers HTML, its refusals as pages too: only its never
        # failing with a server error is asked of it here (the pages' own tests check the rest).
        checks = [not_a_server_error] if "pages" in (operation.tags or []) else CHECKS

        @settings(
            max_examples=EXAMPLES[mode],
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: Any) -> None:
            # Called below, in this same iteration: the loop variable is the current one.
            case.call_and_validate(base_url=stack.urls[service], checks=checks, timeout=30)  # noqa: B023

        try:
            check()
        except Unsatisfiable:
            # Negative mode: the operation has nothing that can be made invalid (no
            # parameters, or only free-form strings); the positive run covers it.
            assert mode is GenerationMode.NEGATIVE, operation.path
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    assert tried > 0
    assert not failures, f"{len(failures)} of {tried} operations failed:\n" + "\n\n".join(failures)
