"""How many status events per second one core checks, for docs/subscribers.md (not a test):

    .venv/bin/python -m tests.contract.measure_check

The example subscriber's ``check_event`` (schema, x5c chain, joserfc) and ``egov subscribe``'s
``check`` (the services' JwsVerifier; revocation answered in-process, as in the tests), on one
real-sized event signed by a workstation certificate."""

from __future__ import annotations

import json
import time

from egov.commands.subscribe import check
from shared.clock import SystemClock
from shared.pki.profiles import InformationSystem
from tests.contract.support import SCHEMAS
from tests.contract.test_example_subscriber import example
from tests.contract.test_subscribe_cli import KEY, _event
from tests.provider.support import make_long_ca, make_signer, verifier

ROUNDS = 500


def main() -> None:
    ca = make_long_ca()
    raw = _event(make_signer(ca, InformationSystem("provider.almaty.culture")))
    header = json.loads(raw)["signature"].split(".")[0]
    print(f"event: {len(raw)} bytes, JWS header (with x5c): {len(header)} characters")
    validator = example.schema_validator(
        json.loads((SCHEMAS / "status-notification.json").read_text(encoding="utf-8"))
    )
    began = time.perf_counter()
    for _ in range(ROUNDS):
        example.check_event(raw, KEY, validator, [ca.root.certificate])
    print(f"examples/subscriber check_event: {ROUNDS / (time.perf_counter() - began):.0f}/s")
    v = verifier(ca, SystemClock())
    began = time.perf_counter()
    for _ in range(ROUNDS):
        assert check(raw, KEY, v).problem is None
    print(f"egov subscribe check: {ROUNDS / (time.perf_counter() - began):.0f}/s")


if __name__ == "__main__":
    main()
