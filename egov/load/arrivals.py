"""The open-loop arrival process: when each application is sent, fixed before the run.

Open loop means arrivals do not wait for earlier applications to finish (a closed loop would
slow down with the system and hide its queueing, the "coordinated omission" of load tests):
the ``i``-th application is due at ``schedule[i]`` seconds after the start, however far behind
the topology is. Poisson arrivals (exponential gaps with mean 1/R) are what independent
applicants produce; ``uniform`` (gaps of exactly 1/R) is for a steady, repeatable pattern.
"""

from __future__ import annotations

import math
import random
from enum import StrEnum


class Process(StrEnum):
    POISSON = "poisson"
    UNIFORM = "uniform"


class ArrivalError(ValueError):
    """A rate or duration that cannot make a schedule."""


def parse_process(text: str) -> Process:
    try:
        return Process(text)
    except ValueError:
        known = " or ".join(p.value for p in Process)
        raise ArrivalError(f"--arrivals must be {known}, got {text!r}") from None


def check(rate: float, duration: float) -> None:
    """A rate and a duration that can make a schedule, else :class:`ArrivalError`."""
    if not math.isfinite(rate) or rate <= 0:
        raise ArrivalError(f"--rate must be a positive number of applications per second: {rate}")
    if not math.isfinite(duration) or duration <= 0:
        raise ArrivalError(f"--duration must be a positive number of seconds: {duration}")


def schedule(
    rate: float, duration: float, *, rng: random.Random, process: Process = Process.POISSON
) -> list[float]:
    """Offsets in seconds from the start, ascending, all in ``[0, duration)``: about
    ``rate * duration`` of them (exactly that many, rounded down, for ``uniform``)."""
    check(rate, duration)
    if process is Process.UNIFORM:
        count = math.floor(rate * duration + 1e-9)
        return [i / rate for i in range(count)]
    offsets: list[float] = []
    at = rng.expovariate(rate)
    while at < duration:
        offsets.append(at)
        at += rng.expovariate(rate)
    return offsets
