"""``egov load --rate R --duration D --mix A=0.5,C=0.3,D=0.2``: an open-loop load run against
a topology (see egov/load/ and docs/load.md). A live table while it runs, a summary at the end,
``--json FILE`` for the whole result. Exit codes: 0 every application reached its final status,
1 some failed or did not finish within ``--drain``, 2 bad input or a topology that cannot be
used."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

DEFAULT_MIX = "A=0.5,C=0.3,D=0.2"


def load(
    rate: Annotated[float, typer.Option("--rate", help="applications per second offered")],
    duration: Annotated[float, typer.Option("--duration", help="seconds of arrivals")],
    mix: Annotated[
        str, typer.Option("--mix", help="service mix: LETTER-or-code=weight, comma-separated")
    ] = DEFAULT_MIX,
    refuse: Annotated[
        str, typer.Option("--refuse", help="outcome mix: the share of applications refused")
    ] = "0",
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="up (start egov up for the run), a stack.json, or a URL with the default "
            "ports; default: the data directory's stack.json",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="the topology's data directory (default EGOV_DATA_DIR)"),
    ] = None,
    arrivals: Annotated[
        str, typer.Option("--arrivals", help="poisson (default) or uniform gaps")
    ] = "poisson",
    seed: Annotated[int | None, typer.Option("--seed", help="repeat a run exactly")] = None,
    population: Annotated[
        int | None, typer.Option("--population", min=1, help="applicants (default ~5 s of rate)")
    ] = None,
    drain: Annotated[
        float, typer.Option("--drain", help="seconds to wait for the last applications")
    ] = 60.0,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="write the summary as JSON here")
    ] = None,
) -> None:
    """Send applications at RATE per second for DURATION seconds, with staff bots doing every
    step at once; show throughput and latency live and summarise per stage."""
    from rich.console import Console

    from egov.load.arrivals import ArrivalError, parse_process
    from egov.load.display import live, summary_tables
    from egov.load.mix import MixError, parse_mix, parse_share
    from egov.load.runner import LoadError, LoadOptions, LoadRun
    from egov.load.targets import open_target
    from egov.load.topology import TopologyError
    from regulations import definitions_dir
    from shared.config import RuntimeSettings, SettingsError, load_settings
    from shared.regulation.catalog import Catalog

    console = Console(stderr=True)
    try:
        common = load_settings(RuntimeSettings)
        options = LoadOptions(
            rate=rate,
            duration=duration,
            mix=parse_mix(mix, Catalog.from_directory(definitions_dir())),
            refuse_share=parse_share(refuse, "--refuse"),
            process=parse_process(arrivals),
            seed=seed,
            population=population,
            drain_s=drain,
        )
    except (MixError, ArrivalError, SettingsError) as exc:
        typer.echo(f"egov load: {exc}", err=True)
        raise typer.Exit(2) from None

    async def run() -> dict[str, Any]:
        async with open_target(
            target,
            data_dir or common.data_dir,
            pg_dsn=common.pg_dsn,
            amqp_url=common.amqp_url,
            on_stack=lambda line: console.print(line),
        ) as topology:
            load_run = LoadRun(topology, options)
            ready = asyncio.Event()
            task = asyncio.create_task(load_run.run(on_ready=ready.set))
            waiter = asyncio.create_task(ready.wait())
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if ready.is_set():
                async with live(load_run.progress, console):
                    result = await task
            else:
                result = await task
            return {"ok": result.ok, **result.summary()}

    try:
        summary = asyncio.run(run())
    except (LoadError, TopologyError, ArrivalError) as exc:
        typer.echo(f"egov load: {exc}", err=True)
        raise typer.Exit(2) from None
    out = Console()
    if not out.is_terminal:
        out = Console(width=120)  # a log or a pipe: no terminal to fit, keep rows whole
    out.print(summary_tables(summary))
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if not summary["ok"]:
        typer.echo(
            f"egov load: {summary['failed']} failed, {summary['unfinished']} unfinished, "
            f"{len(summary['terminal_not_once'])} not finished exactly once",
            err=True,
        )
        raise typer.Exit(1)
