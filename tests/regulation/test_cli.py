from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from egov.commands.diagram import build

runner = CliRunner()
app = build()


def test_prints_the_process_diagram_of_the_latest_version() -> None:
    result = runner.invoke(app, ["A"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("flowchart TD\n")
    assert "cultural_values_export@almaty-2018" in result.output


def test_interaction_diagram_of_a_chosen_version(tmp_path: Path) -> None:
    target = tmp_path / "e.mmd"
    args = ["archive_reference", "--version", "astana-2012", "--kind", "interaction"]
    result = runner.invoke(app, [*args, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("sequenceDiagram\n")


def test_unknown_service_and_version_are_clear_errors() -> None:
    result = runner.invoke(app, ["Z"])
    assert result.exit_code == 2
    assert "unknown service 'Z'" in result.output
    result = runner.invoke(app, ["A", "--version", "almaty-1999"])
    assert result.exit_code == 2
    assert "almaty-2018" in result.output


def test_svg_without_renderer_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("egov.commands.diagram.shutil.which", lambda _name: None)
    result = runner.invoke(app, ["C", "--format", "svg"])
    assert result.exit_code == 3
    assert "mmdc" in result.output


def test_works_mounted_as_egov_diagram() -> None:
    # Mounted the way egov/cli.py mounts sub-apps, beside other commands.
    root = typer.Typer(no_args_is_help=True, add_completion=False)
    root.command("version")(lambda: typer.echo("0"))
    root.add_typer(build(), name="diagram")
    result = runner.invoke(root, ["diagram", "D", "--kind", "interaction"])
    assert result.exit_code == 0, result.output
    assert "minerals_building_permit@almaty-2019" in result.output
