"""End to end through ``egov up``: applications per second from the portal submission to the
result in the cabinet, latency per stage, CPU seconds per application.

    python -m bench --only e2e [--quick]

One ``egov up`` stack (five processes on the real PostgreSQL and RabbitMQ, its own namespace,
dropped afterwards) and the load generator of ``egov load`` (egov/load/): a synthetic
population files requests of A (2018), C and D at the portal on an open-loop Poisson schedule;
staff bots do every workstation step as soon as it reaches them (no think time) on the
simulated day; each application is followed to its final status and result in the cabinet.

Two cases on the same stack, one after the other:

* **steady**: a rate the stack sustains; its latencies are the service times plus queueing at
  that load;
* **saturated**: more than the stack can take; its throughput (applications finished per
  second of the window) is the capacity, its latencies show the queues growing.

There is no reference in the same run: no other e-government gateway runs on this machine (a
published X-Road figure is quoted in docs/performance.md for scale only).
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

from bench.harness import AMQP, PG, BenchConfig, Result, Size
from egov.load.arrivals import Process
from egov.load.mix import parse_mix
from egov.load.runner import LoadOptions, LoadResult, LoadRun
from egov.load.topology import Topology
from egov.stack import StackOptions, running_stack
from regulations import definitions_dir
from shared.regulation.catalog import Catalog

MIX = "A=0.5,C=0.3,D=0.2"
NAME = "e2e"
SUBJECT = "egov up"


def _cases(size: Size) -> list[tuple[str, float, float]]:
    """(case, rate, duration) per size: about 100 s of arrivals in full."""
    if size is Size.FULL:
        return [("steady", 2.0, 60.0), ("saturated", 8.0, 25.0)]
    if size is Size.QUICK:
        return [("steady", 2.0, 15.0), ("saturated", 6.0, 10.0)]
    return [("steady", 1.0, 3.0)]


def rows(case: str, result: LoadResult) -> list[Result]:
    """The figures of one case as the harness's rows."""
    summary = result.summary()
    label = f"{case}: {result.options.rate:g}/s offered for {result.options.duration:g} s"
    detail: dict[str, Any] = {
        k: summary[k]
        for k in ("sent", "done", "failed", "unfinished", "window_s", "outcomes", "errors")
    }
    found: list[Result] = []
    throughput = summary["throughput_per_s"]
    if throughput is not None:
        found.append(Result(NAME, label, SUBJECT, "applications/s", throughput, detail=detail))
    for stage, latency in summary["latency"].items():
        for quantile in ("p50", "p99"):
            found.append(
                Result(
                    NAME,
                    f"{case}: {stage}",
                    SUBJECT,
                    f"ms {quantile}",
                    latency[f"{quantile}_s"] * 1000,
                    detail={"count": latency["count"]},
                )
            )
    per_app = summary["cpu_s_per_application"]
    if per_app is not None:
        found.append(
            Result(
                NAME,
                f"{case}: CPU per application",
                f"{SUBJECT} (5 processes)",
                "CPU ms",
                per_app * 1000,
                detail={"cpu_s": summary["cpu_s"]},
            )
        )
    if result.done:
        found.append(
            Result(
                NAME,
                f"{case}: CPU per application",
                "load generator and bots",
                "CPU ms",
                result.generator_cpu_s / len(result.done) * 1000,
            )
        )
    return found


async def measure(config: BenchConfig) -> list[Result]:
    mix = parse_mix(MIX, Catalog.from_directory(definitions_dir()))
    config.workdir.mkdir(parents=True, exist_ok=True)
    options = StackOptions(
        data_dir=Path(config.workdir) / "stack",
        pg_dsn=config.postgres(),
        amqp_url=config.rabbitmq(),
        namespace=f"bench_e2e_{secrets.token_hex(3)}",
    )
    found: list[Result] = []
    async with running_stack(options, drop=True) as stack:
        topology = Topology.from_manifest(stack.manifest(), source="egov up")
        for index, (case, rate, duration) in enumerate(_cases(config.size)):
            run = LoadRun(
                topology,
                LoadOptions(
                    rate=rate,
                    duration=duration,
                    mix=mix,
                    process=Process.POISSON,
                    seed=index + 1,
                    drain_s=120.0,
                ),
            )
            result = await run.run()
            summary = result.summary()
            print(
                f"  {case}: {summary['done']}/{summary['sent']} done, "
                f"{summary['throughput_per_s']} applications/s, total p50 "
                f"{summary['latency'].get('total', {}).get('p50_s')} s, "
                f"errors {summary['errors'] or 'none'}",
                flush=True,
            )
            if not result.ok:
                raise RuntimeError(
                    f"{case}: {summary['failed']} failed, {summary['unfinished']} unfinished, "
                    f"not once: {summary['terminal_not_once']}; errors {summary['errors']}"
                )
            found += rows(case, result)
    return found


class _EndToEndBench:
    name = NAME
    title = "end to end through egov up: portal submission to the result in the cabinet"
    needs = frozenset({PG, AMQP})

    def run(self, config: BenchConfig) -> list[Result]:
        return asyncio.run(measure(config))


BENCHMARK = _EndToEndBench()
