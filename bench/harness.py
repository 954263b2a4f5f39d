"""What every benchmark offers the harness (``python -m bench``), and the rows it hands back.

A benchmark is a module under ``bench/`` with a module-level ``BENCHMARK`` object that satisfies
:class:`Benchmark`: a short ``name`` (what ``--only`` takes), a ``title``, the servers it
``needs``, and ``run(config)`` returning :class:`Result` rows. The harness runs each benchmark in
its own process, prints the rows as a table with the ratios to the references, and saves them as
JSON with a description of the machine (``bench/machine.py``).

Every comparison a benchmark makes (ours next to a reference) is measured inside that one
``run`` call, in one process, on the same servers: the ratios compare like with like.

A minimal benchmark::

    from bench.harness import BenchConfig, Result

    class _Echo:
        name = "echo"
        title = "echo: ours vs the reference"
        needs = frozenset({"pg"})

        def run(self, config: BenchConfig) -> list[Result]:
            n = config.pick(full=10_000, quick=1_000, smoke=50)
            ...
            return [
                Result("echo", "n messages", "raw", "msg/s", raw_rate, reference=True),
                Result("echo", "n messages", "ours", "msg/s", our_rate),
            ]

    BENCHMARK = _Echo()
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

#: Servers a benchmark may need; the harness skips it, saying why, when one is not given.
PG = "pg"
AMQP = "amqp"


class Size(StrEnum):
    """How long to measure: ``full`` for ``make bench``, ``quick`` for a look at one part,
    ``smoke`` for the tests (tiny, only proves the benchmark runs and reports)."""

    FULL = "full"
    QUICK = "quick"
    SMOKE = "smoke"


@dataclass(frozen=True)
class BenchConfig:
    """What the harness hands every benchmark."""

    pg_dsn: str | None
    amqp_url: str | None
    size: Size = Size.FULL
    #: A scratch directory the benchmark may fill; the harness removes it afterwards.
    workdir: Path = Path("var/bench/work")

    @property
    def quick(self) -> bool:
        return self.size is not Size.FULL

    def postgres(self) -> str:
        """The DSN, for a benchmark that ``needs`` PG (the harness skips it when unset)."""
        if not self.pg_dsn:
            raise RuntimeError("this benchmark needs PostgreSQL: set EGOV_PG_DSN")
        return self.pg_dsn

    def rabbitmq(self) -> str:
        """The AMQP URL, for a benchmark that ``needs`` AMQP (the harness skips it when unset)."""
        if not self.amqp_url:
            raise RuntimeError("this benchmark needs RabbitMQ: set EGOV_AMQP_URL")
        return self.amqp_url

    def pick(self, *, full: int, quick: int, smoke: int | None = None) -> int:
        """The count for this size (``smoke`` defaults to ``quick``)."""
        if self.size is Size.FULL:
            return full
        if self.size is Size.QUICK or smoke is None:
            return quick
        return smoke


@dataclass(frozen=True)
class Result:
    """One measured figure.

    Rows with the same ``bench``, ``case`` and ``metric`` are compared: each row that is not a
    reference gets ``value / reference value`` for every reference row of its group (so for
    rates above 1 is faster than the reference, for times above 1 is slower).
    """

    bench: str  # the benchmark's name
    case: str  # what was measured, e.g. "append, 8 writers, 10 events/tx"
    subject: str  # who was measured, e.g. "ours", "eventsourcing 9.5.6", "raw asyncpg"
    metric: str  # the unit, e.g. "events/s", "ms p50", "s"
    value: float
    reference: bool = False  # a baseline the other rows of the group are divided by
    #: Anything worth keeping beside the figure: counts, run values, conflicts retried.
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not all((self.bench, self.case, self.subject, self.metric)):
            raise ValueError(f"a result needs bench, case, subject and metric: {self!r}")
        if not math.isfinite(self.value):
            raise ValueError(f"{self.bench}/{self.case}/{self.subject}: value {self.value}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        return cls(
            bench=str(data["bench"]),
            case=str(data["case"]),
            subject=str(data["subject"]),
            metric=str(data["metric"]),
            value=float(data["value"]),
            reference=bool(data.get("reference", False)),
            detail=dict(data.get("detail") or {}),
        )


class Benchmark(Protocol):
    """The interface of a benchmark module's ``BENCHMARK`` object."""

    name: str  # short, lower case, no comma: what ``--only`` takes
    title: str  # one line for the table's heading
    needs: frozenset[str]  # of PG, AMQP

    def run(self, config: BenchConfig) -> Sequence[Result]:
        """Measure and return the rows. Synchronous: a benchmark that needs an event loop runs
        its own (``asyncio.run``). It must leave nothing behind on the servers (its schemas,
        queues and exchanges are its own, deleted before it returns, also on failure)."""
        ...


def ratios(results: Iterable[Result]) -> dict[int, dict[str, float]]:
    """For each non-reference row (by index), its value divided by each reference of its group."""
    rows = list(results)
    references: dict[tuple[str, str, str], list[Result]] = {}
    for row in rows:
        if row.reference:
            references.setdefault((row.bench, row.case, row.metric), []).append(row)
    out: dict[int, dict[str, float]] = {}
    for index, row in enumerate(rows):
        if row.reference:
            continue
        found = {
            ref.subject: row.value / ref.value
            for ref in references.get((row.bench, row.case, row.metric), [])
            if ref.value != 0
        }
        if found:
            out[index] = found
    return out
