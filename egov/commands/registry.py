"""``egov registry``: the person and legal-entity registries from the command line."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer

from egov.commands._registry_store import registry_components
from registry_svc.seed import SeedError, generate_population, load_population


def seed(
    persons: Annotated[int, typer.Option(min=0, help="how many persons")] = 1000,
    entities: Annotated[int, typer.Option(min=0, help="how many legal entities")] = 100,
    seed_: Annotated[int, typer.Option("--seed", help="same seed, same population")] = 1,
) -> None:
    """Load a deterministic synthetic population (valid IIN/BIN, plausible names, no real
    people). Re-running a seed adds nothing; numbers already registered are skipped."""
    started = time.perf_counter()
    try:
        population = generate_population(persons, entities, seed_)
    except SeedError as exc:
        raise typer.BadParameter(str(exc)) from None
    generated = time.perf_counter() - started

    async def run() -> None:
        async with registry_components() as parts:
            report = await load_population(parts.registry.store, population, parts.registry.view)
        typer.echo(
            f"persons: {report.persons_written} written, {report.persons_skipped} already there; "
            f"entities: {report.entities_written} written, {report.entities_skipped} already there"
        )
        typer.echo(
            f"generated in {generated:.1f} s, written in {report.seconds:.1f} s, "
            f"total {time.perf_counter() - started:.1f} s"
        )

    asyncio.run(run())


def build() -> typer.Typer:
    """The ``registry`` sub-app; the main CLI mounts it with ``add_typer(build(), name=...)``."""
    app = typer.Typer(
        help="The registries of individuals and legal entities.", no_args_is_help=True
    )
    app.command("seed")(seed)
    return app
