"""The checked-in contract (docs/asyncapi/) is what the code generates: a change to a model, an
exchange name, a status or a service code that was not regenerated fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from egov.contract.files import generated, stale_files

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_DIR = ROOT / "docs" / "asyncapi"


def test_checked_in_contract_files_match_the_models() -> None:
    stale = stale_files(CONTRACT_DIR)
    assert not stale, f"regenerate with `python -m egov.contract write`: {stale}"


def test_check_command_names_a_drifted_file_and_fails(tmp_path: Path) -> None:
    for name, text in generated().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    check = [sys.executable, "-m", "egov.contract", "check", "--dir", str(tmp_path)]
    assert subprocess.run(check, capture_output=True, check=False).returncode == 0
    schema = tmp_path / "schemas" / "status-notification.json"
    schema.write_text(schema.read_text().replace('"seq"', '"sequence"'), encoding="utf-8")
    failed = subprocess.run(check, capture_output=True, text=True, check=False)
    assert failed.returncode == 1
    assert "status-notification.json differs" in failed.stderr


def test_write_command_regenerates_what_check_accepts(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "egov.contract", "write", "--dir", str(tmp_path)], check=True
    )
    assert stale_files(tmp_path) == []
