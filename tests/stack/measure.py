"""Times of egov.stack on this machine (docs/stack.md, "Measured"): provisioning, a start, a
provider killed and restarted, a gateway stopped and restarted, a stop. Each run uses its own
namespace, dropped afterwards.

    EGOV_PG_DSN=... EGOV_AMQP_URL=... .venv/bin/python -m tests.stack.measure [RUNS]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from egov.stack import Stack, StackOptions


async def measure(runs: int, pg_dsn: str, amqp_url: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(1, runs + 1):
            options = StackOptions(
                Path(scratch) / str(run),
                pg_dsn=pg_dsn,
                amqp_url=amqp_url,
                namespace="measure" + uuid.uuid4().hex[:8],
                env={"EGOV_SHUTDOWN_TIMEOUT_S": "5"},
            )
            stack = Stack(options)
            times: list[tuple[str, float]] = []
            try:
                began = time.perf_counter()
                await stack.provision()
                times.append(("provision (new НУЦ, 10 keys)", time.perf_counter() - began))
                began = time.perf_counter()
                await stack.start()
                times.append(("start: spawn five, all healthy", time.perf_counter() - began))
                began = time.perf_counter()
                await stack.restart("provider", kill=True)
                times.append(("kill -9 provider + restart", time.perf_counter() - began))
                began = time.perf_counter()
                await stack.restart("gateway")
                times.append(("SIGTERM gateway + restart", time.perf_counter() - began))
                began = time.perf_counter()
                codes = await stack.stop()
                times.append(("stop", time.perf_counter() - began))
            finally:
                await stack.stop()
                await stack.drop()
            shown = "; ".join(f"{what} {seconds:.1f} s" for what, seconds in times)
            print(f"run {run}: {shown}; exit statuses {sorted(set(codes.values()))}")
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()}")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    asyncio.run(measure(runs, os.environ["EGOV_PG_DSN"], os.environ["EGOV_AMQP_URL"]))


if __name__ == "__main__":
    main()
