"""bench/e2e_bench.py turns a load run into the harness's rows: the throughput, p50 and p99 of
every stage in milliseconds, and CPU per application for the stack and for the generator."""

from __future__ import annotations

from collections import Counter

from bench.e2e_bench import NAME, rows
from egov.load.bots import Intent
from egov.load.mix import normalised
from egov.load.runner import Application, LoadOptions, LoadResult


def _done(number: int, total: float) -> Application:
    app = Application(number=number, service="minerals_absence_conclusion",
                      intent=Intent.COMPLETE, due=0.0, applicant=0,
                      marks={"start": 0.0, "submitted": 0.1, "cabinet": total})  # fmt: skip
    app.request_id, app.status, app.terminal_events = f"r{number}", "completed", 1
    return app


def test_a_run_becomes_throughput_stage_latency_and_cpu_rows() -> None:
    result = LoadResult(
        options=LoadOptions(rate=2.0, duration=1.0, mix=normalised({"C": 1})),
        applications=[_done(1, 1.0), _done(2, 3.0)], errors=Counter(), window_s=4.0,
        cpu_s={"portal": 0.2, "provider": 0.6}, generator_cpu_s=0.5, offsets={},
        bot_actions=4, setup_s=0.0,
    )  # fmt: skip
    found = {(r.case, r.subject, r.metric): r.value for r in rows("steady", result)}
    assert all(r.bench == NAME for r in rows("steady", result))
    assert found[("steady: 2/s offered for 1 s", "egov up", "applications/s")] == 0.5
    assert found[("steady: total", "egov up", "ms p50")] == 2000.0
    assert found[("steady: total", "egov up", "ms p99")] == 1000.0 + 2000.0 * 0.99
    assert found[("steady: submit call", "egov up", "ms p50")] == 100.0
    assert found[("steady: CPU per application", "egov up (5 processes)", "CPU ms")] == 400.0
    assert found[("steady: CPU per application", "load generator and bots", "CPU ms")] == 250.0
