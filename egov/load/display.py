"""What ``egov load`` shows: a live table while the run goes (rich ``Live``) and the summary at
the end (stages with their quantiles, throughput, CPU, errors)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from egov.load.runner import Progress


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f} ms"


def progress_table(progress: Progress) -> Table:
    table = Table(title="egov load", show_header=True, header_style="bold")
    for column in ("elapsed", "sent", "done", "in flight", "failed", "done/s", "p50", "p99"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{progress.elapsed:,.1f} s",
        f"{progress.sent}/{progress.scheduled}",
        str(progress.done),
        str(progress.in_flight),
        str(progress.failed),
        "-" if progress.done_per_s is None else f"{progress.done_per_s:,.2f}",
        _ms(progress.p50),
        _ms(progress.p99),
    )
    return table


def _errors(errors: Mapping[str, int]) -> Text:
    if not errors:
        return Text("errors: none", style="green")
    top = sorted(errors.items(), key=lambda kv: -kv[1])[:5]
    return Text("errors: " + ", ".join(f"{code} x{n}" for code, n in top), style="red")


@contextlib.asynccontextmanager
async def live(
    snapshot: Callable[[], Progress], console: Console, *, every_s: float = 0.5
) -> AsyncIterator[None]:
    """Refresh the table from ``snapshot()`` until the block ends (nothing on a non-terminal:
    the summary is printed anyway)."""
    if not console.is_terminal:
        yield
        return

    def render() -> Group:
        progress = snapshot()
        return Group(progress_table(progress), _errors(progress.errors))

    with Live(render(), console=console, refresh_per_second=4, transient=False) as view:

        async def refresh() -> None:
            while True:
                await asyncio.sleep(every_s)
                view.update(render())

        task = asyncio.create_task(refresh())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            view.update(render())


def summary_tables(summary: Mapping[str, Any]) -> Group:
    """The end-of-run report of :meth:`LoadResult.summary`."""
    head = Table(title="egov load: summary", show_header=False)
    head.add_column("what")
    head.add_column("value", justify="right")
    throughput = summary.get("throughput_per_s")
    cpu = summary.get("cpu_s_per_application")
    rows = [
        ("offered", f"{summary['rate_offered_per_s']}/s for {summary['duration_s']} s "
                    f"({summary['arrivals']})"),
        ("mix", str(summary["mix"])),
        ("sent / done", f"{summary['sent']} / {summary['done']}"),
        ("failed / unfinished", f"{summary['failed']} / {summary['unfinished']}"),
        ("throughput", "-" if throughput is None else f"{throughput:,.2f} applications/s"),
        ("window", f"{summary['window_s']:,.1f} s"),
        ("CPU per application", "-" if cpu is None else f"{cpu * 1000:,.0f} ms (stack)"),
        ("outcomes", ", ".join(f"{k}={v}" for k, v in summary["outcomes"].items()) or "-"),
    ]  # fmt: skip
    for what, value in rows:
        head.add_row(what, value)
    stages = Table(title="latency per stage", header_style="bold")
    for column in ("stage", "count", "mean", "p50", "p95", "p99", "max"):
        stages.add_column(column, justify="left" if column == "stage" else "right")
    for stage, lat in summary["latency"].items():
        stages.add_row(
            stage,
            str(lat["count"]),
            *(_ms(lat[key]) for key in ("mean_s", "p50_s", "p95_s", "p99_s", "max_s")),
        )
    return Group(head, stages, _errors(summary["errors"]))
