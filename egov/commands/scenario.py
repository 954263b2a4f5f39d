"""``egov scenario``: run scenario files against a topology and report (docs/scenarios.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from egov.scenario.loader import LoadedScenario

TARGET_HELP = (
    "embedded (start egov run's topology for the run), up (start egov up's on EGOV_PG_DSN / "
    "EGOV_AMQP_URL), a URL or host of a running topology on the default ports, or a running "
    "egov up's stack.json"
)


def build() -> typer.Typer:
    app = typer.Typer(help="Scenario files: run, check, schema.", no_args_is_help=True)
    app.command("run")(run)
    app.command("check")(check)
    app.command("schema")(schema)
    app.command("generate")(generate)
    return app


def _load(paths: list[Path]) -> list[LoadedScenario]:
    from egov.scenario.loader import ScenarioFileError, load_scenarios

    try:
        return load_scenarios(paths)
    except ScenarioFileError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"egov scenario: {len(exc.problems)} problem(s); nothing was run", err=True)
        raise typer.Exit(2) from None


def check(paths: Annotated[list[Path], typer.Argument(help="files or directories")]) -> None:
    """Validate scenario files (exit 2 naming every problem)."""
    loaded = _load(paths)
    typer.echo(f"{len(loaded)} scenario(s) valid")


def schema(
    out: Annotated[Path | None, typer.Option(help="write here instead of printing")] = None,
) -> None:
    """The JSON Schema of the scenario format (scenarios/schema.json is this output)."""
    from egov.scenario.schema import schema_text

    text = schema_text()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


def generate(
    out: Annotated[Path, typer.Option(help="the catalogue's directory")] = Path("scenarios"),
) -> None:
    """(Re)write the shipped catalogue from regulations/definitions (scenarios/catalogue/)."""
    from egov.scenario.catalogue import write_catalogue

    written = write_catalogue(out)
    typer.echo(f"wrote {len(written)} scenario files under {out}")


def run(
    paths: Annotated[list[Path], typer.Argument(help="scenario files or directories")],
    target: Annotated[str, typer.Option(help=TARGET_HELP)] = "embedded",
    report: Annotated[
        Path | None, typer.Option(help="write Markdown and JSON reports into this directory")
    ] = None,
    jobs: Annotated[int, typer.Option(min=1, max=64, help="independent scenarios at once")] = 4,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="the topology's data directory (keys); default: a temporary one for "
            "embedded/up, EGOV_DATA_DIR for a URL, the manifest's for stack.json"
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option(help="the services' logs on stderr")] = False,
) -> None:
    """Run scenarios (independent ones in parallel); exit 0 only when every expectation holds,
    1 when one fails, 2 for bad files or a target that cannot be reached."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from egov.client import ClientError, KeyMaterialError, ManifestError
    from egov.scenario.report import ScenarioReport, write_reports
    from egov.scenario.session import new_salt, run_all
    from egov.scenario.targets import TargetError, open_target
    from shared.clock import SystemClock
    from shared.logging import configure_logging

    loaded = _load(paths)
    configure_logging(service="egov", level="INFO" if verbose else "WARNING", clock=SystemClock())
    salt = new_salt()
    console = Console(stderr=True)
    results: list[ScenarioReport] = []

    async def main() -> None:
        nonlocal results
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task(f"starting {target}", total=len(loaded), failed=0)
            failed = 0

            def done(found: ScenarioReport) -> None:
                nonlocal failed
                failed += not found.passed
                progress.update(task, advance=1, failed=failed, description=found.scenario)

            async with open_target(target, data_dir, loaded, salt) as opened:
                progress.update(task, description=f"running on {target}")
                results = await run_all(loaded, opened, salt=salt, jobs=jobs, on_done=done)

    try:
        asyncio.run(main())
    except (TargetError, ManifestError, KeyMaterialError, ClientError, OSError) as exc:
        typer.echo(f"egov scenario run: {exc}", err=True)
        raise typer.Exit(2) from None
    for found in results:
        mark = "PASS" if found.passed else "FAIL"
        typer.echo(f"{mark}  {found.scenario}  ({found.duration_s:.1f} s)")
        if not found.passed:
            if found.error:
                typer.echo(f"      {found.error}")
            for e in found.expectations:
                if not e.ok:
                    typer.echo(f"      expect {e.index} {e.kind} {e.expected}: got {e.actual}")
    passed = sum(r.passed for r in results)
    typer.echo(f"{passed}/{len(results)} scenarios passed on {target}")
    if report is not None:
        index = write_reports(report, results, target=target)
        typer.echo(f"report: {index}")
    if passed != len(results):
        raise typer.Exit(1)
