"""Quantiles, the stage chain of an application and the run's summary: the maths the report
stands on."""

from __future__ import annotations

import random
import statistics
from collections import Counter

import pytest

from egov.load.bots import Intent
from egov.load.mix import normalised
from egov.load.runner import Application, LoadOptions, LoadResult
from egov.load.stats import Latency, latencies, quantile, rate


def test_quantiles_interpolate_between_closest_ranks() -> None:
    ordered = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert quantile(ordered, 0.0) == 1.0
    assert quantile(ordered, 0.5) == 3.0
    assert quantile(ordered, 1.0) == 10.0
    assert quantile(ordered, 0.875) == pytest.approx(4.0 + 0.5 * 6.0)  # rank 3.5
    assert quantile([7.0], 0.99) == 7.0


def test_quantiles_agree_with_the_standard_librarys_inclusive_method() -> None:
    rng = random.Random(2)
    samples = sorted(rng.expovariate(3.0) for _ in range(1001))
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    for percent in (50, 95, 99):
        assert quantile(samples, percent / 100) == pytest.approx(cuts[percent - 1])


def test_no_samples_or_a_quantile_outside_zero_to_one_is_an_error() -> None:
    with pytest.raises(ValueError, match="no samples"):
        quantile([], 0.5)
    with pytest.raises(ValueError, match="not between 0 and 1"):
        quantile([1.0], 1.5)


def test_latency_summarises_unsorted_samples() -> None:
    latency = Latency.of([0.3, 0.1, 0.2])
    assert latency is not None
    assert (latency.count, latency.p50, latency.max) == (3, 0.2, 0.3)
    assert latency.mean == pytest.approx(0.2)
    assert latency.as_dict()["p50_s"] == 0.2
    assert Latency.of([]) is None
    assert list(latencies({"a": [1.0], "empty": [], "b": [2.0]})) == ["a", "b"]


def test_a_rate_over_an_empty_window_is_none() -> None:
    assert rate(10, 4.0) == 2.5
    assert rate(10, 0.0) is None


def _app(**marks: float) -> Application:
    return Application(number=0, service="cultural_values_export", intent=Intent.COMPLETE,
                       due=0.0, applicant=0, marks=dict(marks))  # fmt: skip


def test_stages_chain_from_milestone_to_milestone() -> None:
    app = _app(start=100.0, submitted=100.2, gateway=100.15, provider=100.25, cabinet=101.0)
    app.steps = [("register", 100.4), ("sign", 100.9)]
    stages = app.stages()
    assert list(stages) == [
        "submit call", "to gateway", "to provider", "step register", "step sign", "to cabinet",
        "total",
    ]  # fmt: skip
    expected = {
        "submit call": 0.2, "to gateway": 0.15, "to provider": 0.1, "step register": 0.15,
        "step sign": 0.5, "to cabinet": 0.1, "total": 1.0,
    }  # fmt: skip
    assert stages == pytest.approx(expected)
    # The chain's stages add up to the total: nothing is counted twice or lost.
    chain = sum(v for k, v in stages.items() if k not in ("submit call", "total"))
    assert chain == pytest.approx(stages["total"])


def test_a_missing_milestone_is_skipped_and_the_next_stage_spans_it() -> None:
    app = _app(start=10.0, submitted=10.1, provider=10.5, cabinet=11.0)
    stages = app.stages()
    assert "to gateway" not in stages
    assert stages["to provider"] == pytest.approx(0.5)
    assert _app().stages() == {}


def _result(apps: list[Application], errors: Counter[str] | None = None) -> LoadResult:
    options = LoadOptions(rate=2.0, duration=2.0, mix=normalised({"cultural_values_export": 1}))
    return LoadResult(
        options=options, applications=apps, errors=errors or Counter(), window_s=2.0,
        cpu_s={"portal": 0.5, "provider": 1.5}, generator_cpu_s=0.4, offsets={},
        bot_actions=8, setup_s=1.0,
    )  # fmt: skip


def _done(number: int, total: float, status: str = "completed") -> Application:
    app = _app(start=0.0, submitted=0.1, cabinet=total)
    app.number, app.request_id, app.status, app.terminal_events = number, f"r{number}", status, 1
    return app


def test_the_summary_counts_throughput_cpu_and_latency_per_stage() -> None:
    result = _result([_done(1, 1.0), _done(2, 2.0), _done(3, 3.0, "refused"), _done(4, 4.0)])
    summary = result.summary()
    assert result.ok
    assert (summary["sent"], summary["done"], summary["failed"], summary["unfinished"]) == (
        4, 4, 0, 0,
    )  # fmt: skip
    assert summary["throughput_per_s"] == 2.0
    assert summary["cpu_s_per_application"] == 0.5  # (0.5 + 1.5) / 4
    assert summary["outcomes"] == {
        "cultural_values_export:completed": 3,
        "cultural_values_export:refused": 1,
    }
    assert summary["latency"]["total"]["p50_s"] == 2.5
    assert list(summary["latency"]) == ["submit call", "to cabinet", "total"]


def test_a_failed_unfinished_or_twice_finished_application_makes_the_run_not_ok() -> None:
    failed = _app(start=0.0)
    failed.error = "submit:invalid_form"
    assert not _result([_done(1, 1.0), failed]).ok
    lost = _app(start=0.0, submitted=0.1)
    lost.request_id = "r9"
    assert not _result([_done(1, 1.0), lost]).ok
    twice = _done(2, 1.0)
    twice.terminal_events = 2
    result = _result([_done(1, 1.0), twice])
    assert not result.ok
    assert result.summary()["terminal_not_once"] == ["r2"]
    assert not _result([]).ok
