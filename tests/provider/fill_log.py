"""Fill a provider event log with N A-2018 portal requests worked to the certificate, for
measuring ``egov replay provider``:

    .venv/bin/python -m tests.provider.fill_log 500 /tmp/provider-bench
    EGOV_PROVIDER_EVENT_STORE_URL=sqlite:////tmp/provider-bench/provider.sqlite3 \
        .venv/bin/egov replay provider
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

from tests.provider.conftest import ALMATY_2019, Harness, applicant_body, make_harness
from tests.provider.test_flows import CULTURE, do

STEPS = [
    ("office_clerk", "register", "registered", False),
    ("head", "review_and_assign", "executor_assigned", False),
    ("executor", "send_to_commission", "sent", False),
    ("expert_commission", "expertise", "examined", False),
    ("executor", "write_up_conclusion", "conclusion_written", False),
    ("executor", "draft_result", "certificate_drafted", False),
    ("head", "sign", "signed", True),
    ("office_clerk", "hand_out", "certificate_issued", False),
]


async def fill_into(h: Harness, count: int, *, spread: bool = False) -> list[str]:
    """``count`` requests delivered to the culture workstation of ``h`` and worked to the
    certificate; with ``spread``, request i stops after i mod 8 of the 8 steps (every request
    still open, each step's inbox holding an eighth). Returns their ids."""
    ids = []
    for i in range(count):
        rid = await h.deliver(
            sender="portal", recipient=CULTURE, service_code="A", body=applicant_body()
        )
        for role, step, outcome, sign in STEPS[: i % len(STEPS)] if spread else STEPS:
            await h.clock.advance(timedelta(minutes=3))
            await do(h, CULTURE, rid, role, step, outcome, sign=sign)
        ids.append(rid)
    return ids


async def fill(count: int, directory: Path) -> None:
    began = time.perf_counter()
    async for h in make_harness(directory, ALMATY_2019):
        await fill_into(h, count)
        events = await h.store.head_position()
    seconds = time.perf_counter() - began
    print(f"{count} requests, {events} events written in {seconds:.1f} s")


if __name__ == "__main__":
    Path(sys.argv[2]).mkdir(parents=True, exist_ok=True)
    asyncio.run(fill(int(sys.argv[1]), Path(sys.argv[2])))
