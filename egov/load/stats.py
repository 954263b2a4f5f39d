"""Latency quantiles and the run's summary, from every recorded sample.

A run records a few thousand samples per stage at most, so the quantiles are exact, computed
on the sorted samples with linear interpolation between closest ranks (the "inclusive" method
of :func:`statistics.quantiles`, numpy's default ``linear``): no histogram buckets, no
approximation error to explain.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

QUANTILES = (0.5, 0.95, 0.99)


def quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0 <= q <= 1) of ``ordered`` (sorted ascending, not empty)."""
    if not ordered:
        raise ValueError("no samples")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is not between 0 and 1")
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Latency:
    """One stage's samples summarised, in seconds."""

    count: int
    mean: float
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: Iterable[float]) -> Latency | None:
        ordered = sorted(samples)
        if not ordered:
            return None
        return cls(
            count=len(ordered),
            mean=math.fsum(ordered) / len(ordered),
            p50=quantile(ordered, 0.5),
            p95=quantile(ordered, 0.95),
            p99=quantile(ordered, 0.99),
            max=ordered[-1],
        )

    def as_dict(self) -> dict[str, float | int]:
        return {
            "count": self.count,
            "mean_s": round(self.mean, 4),
            "p50_s": round(self.p50, 4),
            "p95_s": round(self.p95, 4),
            "p99_s": round(self.p99, 4),
            "max_s": round(self.max, 4),
        }


def latencies(samples: Mapping[str, Sequence[float]]) -> dict[str, Latency]:
    """Each stage with samples, summarised; stages keep the mapping's order."""
    found = {stage: Latency.of(values) for stage, values in samples.items()}
    return {stage: latency for stage, latency in found.items() if latency is not None}


def rate(count: int, seconds: float) -> float | None:
    """``count`` per second over ``seconds``; None for an empty window."""
    return count / seconds if seconds > 0 else None
