"""The checked-in contract (docs/asyncapi/) is what the code generates: a change to a model, an
exchange name, a status or a service code that was not regenerated fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from egov.contract.__main__ import main
from egov.contract.files import generated, stale_files

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_DIR = ROOT / "docs" / "asyncapi"


def test_checked_in_contract_files_match_the_models() -> None:
    stale = stale_files(CONTRACT_DIR)
    assert not stale, f"regenerate with `python -m egov.contract write`: {stale}"


def test_check_command_names_a_drifted_file_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in generated().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert main(["check", "--dir", str(tmp_path)]) == 0
    schema = tmp_path / "schemas" / "status-notification.json"
    schema.write_text(schema.read_text().replace('"seq"', '"sequence"'), encoding="utf-8")
    (tmp_path / "asyncapi.yaml").unlink()
    assert main(["check", "--dir", str(tmp_path)]) == 1
    errors = capsys.readouterr().err
    assert "status-notification.json differs" in errors
    assert "asyncapi.yaml differs" in errors
    assert "envelope.json" not in errors


def test_write_command_regenerates_what_check_accepts(tmp_path: Path) -> None:
    assert main(["write", "--dir", str(tmp_path / "new")]) == 0
    assert stale_files(tmp_path / "new") == []
