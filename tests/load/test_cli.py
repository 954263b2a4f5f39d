"""``egov load`` refuses bad input with exit code 2 and a message naming what is wrong, before
it starts or touches anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from egov.cli import build_cli


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--mix", "Z=1"], "no service 'Z'"),
        (["--mix", "A=0.5,,C=0.5"], "an empty item"),
        (["--mix", "A=0"], "the weight must be a positive number"),
        (["--refuse", "2"], "--refuse must be between 0 and 1"),
        (["--rate", "0"], "--rate must be a positive number"),
        (["--duration", "-5"], "--duration must be a positive number"),
        (["--arrivals", "bursty"], "--arrivals must be poisson or uniform"),
        (["--drain", "-1"], "--drain must be zero or more seconds"),
        (["--target", "no-such-stack.json"], "not 'up', a URL, or an existing stack.json"),
    ],
)
def test_bad_input_exits_2_naming_the_problem(
    args: list[str], says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = {"--rate": "1", "--duration": "1", "--data-dir": str(tmp_path)}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["load", *(item for pair in base.items() for item in pair)]
    result = CliRunner().invoke(build_cli(), argv)
    assert result.exit_code == 2, result.output
    assert says in result.output


def test_without_a_target_it_asks_for_a_running_stack(tmp_path: Path) -> None:
    argv = ["load", "--rate", "1", "--duration", "1", "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(build_cli(), argv)
    assert result.exit_code == 2
    assert "no running egov up found" in result.output
    assert "stack.json does not exist" in result.output


def test_a_manifest_that_is_not_json_is_named(tmp_path: Path) -> None:
    manifest = tmp_path / "stack.json"
    manifest.write_text("{not json", encoding="utf-8")
    argv = ["load", "--rate", "1", "--duration", "1", "--target", str(manifest)]
    result = CliRunner().invoke(build_cli(), argv)
    assert result.exit_code == 2
    assert "the stack manifest is not JSON" in result.output
