"""Time from ``make run`` (``egov run``) to all five services answering ``/health`` 200, and
from SIGINT to exit.

    python -m bench --only startup [--quick]

``egov run`` is started as a user starts it (its own process, the embedded mode: SQLite and the
in-memory bus), on free ports, in a fresh data directory. Cold: an empty data directory, so the
start includes provisioning (the simulated НУЦ and every system's key file). Warm: a restart on
the data directory a cold start left. The clock starts just before the process is spawned and
stops when the last of the five ``/health`` answers 200 (polled every 20 ms each). The median of
a few runs is reported, every run in the JSON.

For scale, the same interpreter importing ``egov.embedded`` and exiting (no server): the part of
a start that is Python loading the code.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import BenchConfig, Result
from egov.stack import free_ports

SERVICES = ("portal", "gateway", "elicense", "registry", "provider")
EGOV = Path(sys.executable).parent / "egov"
POLL_S = 0.02
BOUND_S = 120.0  # catches a hang; not a speed requirement


def environment(data_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env["EGOV_DATA_DIR"] = str(data_dir)
    env["EGOV_SHUTDOWN_TIMEOUT_S"] = "5"
    for name, port in ports.items():
        env[f"EGOV_{name.upper()}_PORT"] = str(port)
    return env


def start_and_stop(data_dir: Path) -> tuple[float, float]:
    """One ``egov run``: (seconds to all healthy, seconds from SIGINT to exit)."""
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    env = environment(data_dir, ports)
    log = data_dir.parent / f"{data_dir.name}.log"
    with log.open("ab") as err:
        began = time.perf_counter()
        # Our own entry point with a fixed argument: nothing from outside reaches the command.
        process = subprocess.Popen(
            [str(EGOV), "run"], env=env, stdout=subprocess.DEVNULL, stderr=err
        )
        try:
            pending = dict(ports)
            with httpx.Client(timeout=2) as client:
                while pending:
                    if process.poll() is not None:
                        raise RuntimeError(
                            f"egov run exited with {process.returncode}: {log.read_text()[-2000:]}"
                        )
                    if time.perf_counter() - began > BOUND_S:
                        raise RuntimeError(f"not healthy after {BOUND_S} s: {sorted(pending)}")
                    for name, port in list(pending.items()):
                        try:
                            answer = client.get(f"http://127.0.0.1:{port}/health")
                        except httpx.TransportError:
                            continue
                        if answer.status_code == 200:
                            del pending[name]
                    if pending:
                        time.sleep(POLL_S)
            healthy = time.perf_counter() - began
            stopping = time.perf_counter()
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=60)
            stopped = time.perf_counter() - stopping
            if code != 0:
                raise RuntimeError(
                    f"egov run exited {code} after SIGINT: {log.read_text()[-2000:]}"
                )
            return healthy, stopped
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def import_only() -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import egov.embedded"], check=True)
    return time.perf_counter() - began


def row(case: str, subject: str, runs: list[float], reference: bool = False) -> Result:
    return Result(
        "startup", case, subject, "s", statistics.median(runs), reference,
        {"runs": [round(r, 3) for r in runs]},
    )  # fmt: skip


class _StartupBench:
    name = "startup"
    title = "egov run (make run): start to all five /health 200, and stop"
    needs: frozenset[str] = frozenset()

    def run(self, config: BenchConfig) -> list[Result]:
        cold_runs = config.pick(full=3, quick=1)
        warm_runs = config.pick(full=5, quick=2, smoke=1)
        config.workdir.mkdir(parents=True, exist_ok=True)
        cold: list[float] = []
        warm: list[float] = []
        stops: list[float] = []
        with tempfile.TemporaryDirectory(dir=config.workdir) as scratch:
            for index in range(cold_runs):
                data_dir = Path(scratch) / f"var{index}"
                healthy, stopped = start_and_stop(data_dir)
                cold.append(healthy)
                stops.append(stopped)
                print(f"  cold start {index + 1}: healthy in {healthy:.2f} s, stop {stopped:.2f} s")
            for index in range(warm_runs):
                healthy, stopped = start_and_stop(Path(scratch) / "var0")
                warm.append(healthy)
                stops.append(stopped)
                print(f"  warm start {index + 1}: healthy in {healthy:.2f} s, stop {stopped:.2f} s")
        imports = [import_only() for _ in range(config.pick(full=3, quick=1))]
        subject = "egov run"
        return [
            row("start, empty data dir (provisioning)", subject, cold),
            row("start, empty data dir (provisioning)", "python: import egov.embedded", imports,
                reference=True),
            row("start, provisioned data dir", subject, warm),
            row("start, provisioned data dir", "python: import egov.embedded", imports,
                reference=True),
            row("stop: SIGINT to exit", subject, stops),
        ]  # fmt: skip


BENCHMARK = _StartupBench()
