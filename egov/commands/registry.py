"""``egov registry``: the person and legal-entity registries from the command line."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from pydantic import BaseModel

from egov.commands._registry_store import registry_components
from registry_svc.domain.registry import LegalEntity
from registry_svc.errors import RegistryError
from registry_svc.registry_service import RegistryService
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


def _lookup(query: Callable[[RegistryService], Awaitable[BaseModel | list[LegalEntity]]]) -> None:
    async def run() -> str:
        async with registry_components() as parts:
            found = await query(parts.registry)
        if isinstance(found, list):
            return json.dumps(
                [e.model_dump(mode="json") for e in found], ensure_ascii=False, indent=2
            )
        return found.model_dump_json(indent=2)

    try:
        typer.echo(asyncio.run(run()))
    except RegistryError as exc:
        typer.echo(f"{exc.code}: {exc.message}", err=True)
        raise typer.Exit(1) from None


def person(iin: Annotated[str, typer.Argument(help="12-digit IIN")]) -> None:
    """Print a person's record (exit 1 with the reason when invalid or unknown)."""
    _lookup(lambda registry: registry.person(iin))


def entity(bin_: Annotated[str, typer.Argument(metavar="BIN", help="12-digit BIN")]) -> None:
    """Print a legal entity's record."""
    _lookup(lambda registry: registry.entity(bin_))


def headed_by(iin: Annotated[str, typer.Argument(help="the head's IIN")]) -> None:
    """Print the legal entities whose head has this IIN."""
    _lookup(lambda registry: registry.entities_headed_by(iin))


def build() -> typer.Typer:
    """The ``registry`` sub-app; the main CLI mounts it with ``add_typer(build(), name=...)``."""
    app = typer.Typer(
        help="The registries of individuals and legal entities.", no_args_is_help=True
    )
    app.command("seed")(seed)
    app.command("person")(person)
    app.command("entity")(entity)
    app.command("headed-by")(headed_by)
    return app
