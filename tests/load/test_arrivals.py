"""The open-loop schedule: fixed before the run, independent of how the topology keeps up."""

from __future__ import annotations

import itertools
import math
import random
import statistics

import pytest

from egov.load.arrivals import ArrivalError, Process, check, parse_process, schedule


def test_uniform_arrivals_are_evenly_spaced_and_exactly_rate_times_duration() -> None:
    offsets = schedule(4.0, 2.5, rng=random.Random(0), process=Process.UNIFORM)
    assert offsets == [i * 0.25 for i in range(10)]


def test_poisson_arrivals_lie_in_the_window_in_order() -> None:
    offsets = schedule(5.0, 30.0, rng=random.Random(3))
    assert offsets == sorted(offsets)
    assert all(0 <= at < 30.0 for at in offsets)


def test_poisson_gaps_are_exponential_with_mean_one_over_rate() -> None:
    offsets = schedule(10.0, 2_000.0, rng=random.Random(11))
    gaps = [b - a for a, b in itertools.pairwise(offsets)]
    # ~20,000 gaps: the mean's standard error is 1/(10*sqrt(20000)) = 0.0007; 0.005 is seven.
    assert statistics.fmean(gaps) == pytest.approx(0.1, abs=0.005)
    # Exponential: the standard deviation equals the mean (uniform gaps would give 0).
    assert statistics.pstdev(gaps) == pytest.approx(0.1, abs=0.01)
    assert len(offsets) == pytest.approx(20_000, rel=0.03)


def test_the_same_seed_gives_the_same_schedule() -> None:
    assert schedule(3.0, 10.0, rng=random.Random(5)) == schedule(3.0, 10.0, rng=random.Random(5))
    assert schedule(3.0, 10.0, rng=random.Random(5)) != schedule(3.0, 10.0, rng=random.Random(6))


@pytest.mark.parametrize(
    ("rate", "duration", "says"),
    [
        (0.0, 10.0, "--rate must be a positive number"),
        (-1.0, 10.0, "--rate must be a positive number"),
        (math.inf, 10.0, "--rate must be a positive number"),
        (1.0, 0.0, "--duration must be a positive number"),
        (1.0, math.nan, "--duration must be a positive number"),
    ],
)
def test_a_rate_or_duration_that_schedules_nothing_is_refused(
    rate: float, duration: float, says: str
) -> None:
    with pytest.raises(ArrivalError, match=says):
        check(rate, duration)
    with pytest.raises(ArrivalError, match=says):
        schedule(rate, duration, rng=random.Random(0))


def test_arrival_processes_are_named() -> None:
    assert parse_process("uniform") is Process.UNIFORM
    with pytest.raises(ArrivalError, match="--arrivals must be poisson or uniform, got 'bursty'"):
        parse_process("bursty")
