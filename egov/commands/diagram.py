"""``egov diagram SERVICE [--version V] [--kind interaction|process] [--format mermaid|svg]``.

Draws a regulation's functional interaction diagram or business-process handbook from its
definition. Mermaid text always; SVG when the Mermaid CLI (``mmdc``) is on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from regulations import definitions_dir
from shared.regulation.catalog import Catalog
from shared.regulation.errors import RegulationError
from shared.regulation.mermaid import render


def build() -> typer.Typer:
    """The ``diagram`` sub-app; the main CLI mounts it with ``add_typer(build(), name=...)``."""
    app = typer.Typer(
        help="Draw a service regulation's diagrams from its definition.",
        # The sub-app has no sub-commands: let options follow the SERVICE argument.
        context_settings={"allow_interspersed_args": True},
    )
    app.callback(invoke_without_command=True)(diagram)
    return app


class DiagramKind(StrEnum):
    INTERACTION = "interaction"
    PROCESS = "process"


class OutputFormat(StrEnum):
    MERMAID = "mermaid"
    SVG = "svg"


def mermaid_text(service: str, version: str | None, kind: DiagramKind) -> str:
    catalog = Catalog.from_directory(definitions_dir())
    # Without --version: the latest version of the service.
    latest = version is None
    definition = catalog.versions(service)[-1] if latest else catalog.get(service, str(version))
    return render(definition, kind.value)


def to_svg(text: str, mmdc: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "diagram.mmd"
        target = Path(tmp) / "diagram.svg"
        source.write_text(text, encoding="utf-8")
        subprocess.run(  # noqa: S603 -- fixed argv, the executable found by shutil.which
            [mmdc, "--quiet", "-i", str(source), "-o", str(target)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return target.read_bytes()


def diagram(
    service: Annotated[str, typer.Argument(help="Service code or letter (A..E)")],
    version: Annotated[
        str | None, typer.Option("--version", "-v", help="e.g. almaty-2018; default: latest")
    ] = None,
    kind: Annotated[DiagramKind, typer.Option("--kind", "-k")] = DiagramKind.PROCESS,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.MERMAID,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file to write")] = None,
) -> None:
    """Print (or write) the diagram as Mermaid text, or as SVG when ``mmdc`` is installed."""
    try:
        text = mermaid_text(service, version, kind)
    except RegulationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if fmt is OutputFormat.MERMAID:
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
        return
    mmdc = shutil.which("mmdc")
    if mmdc is None:
        typer.echo(
            "error: SVG needs the Mermaid CLI (`mmdc`, npm package @mermaid-js/mermaid-cli) on "
            "PATH; it is not installed. Use --format mermaid and render the text elsewhere.",
            err=True,
        )
        raise typer.Exit(3)
    try:
        svg = to_svg(text, mmdc)
    except subprocess.CalledProcessError as exc:
        typer.echo(f"error: mmdc failed: {exc.stderr.decode(errors='replace')}", err=True)
        raise typer.Exit(4) from exc
    if output is None:
        typer.echo(svg.decode("utf-8"), nl=False)
    else:
        output.write_bytes(svg)
