"""``make bench``: run every benchmark in turn, each in its own process so one's state (event
loops, connections, caches) cannot flatter another's figures.

Servers come from the same variables as the tests: ``EGOV_AMQP_URL`` (and ``EGOV_PG_DSN``); a
benchmark whose server is not given measures what it can and says what it skipped.
"""

from __future__ import annotations

import subprocess
import sys
import time

BENCHMARKS = (
    ("message bus: publish one by one vs pipelined confirms", "bench.bus_publish"),
    ("signatures: our JWS vs raw cryptography", "bench.pki_bench"),
    ("gateway: verify + log + forward vs raw aio-pika", "bench.gateway_bench"),
)


def main() -> int:
    failed = []
    for title, module in BENCHMARKS:
        print(f"\n== {title} ({module})", flush=True)
        started = time.perf_counter()
        # Our own modules with fixed arguments: nothing from outside reaches the command line.
        result = subprocess.run([sys.executable, "-m", module], check=False)
        print(f"-- {module}: {time.perf_counter() - started:.1f} s, exit {result.returncode}")
        if result.returncode != 0:
            failed.append(module)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
