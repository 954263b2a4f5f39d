"""``egov audit verify``: finds a tampered event and names its position."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from egov.cli import build_cli
from shared.eventlog.port import NewEvent
from shared.eventlog.sqlite import SqliteEventStore

runner = CliRunner()


def _log_with_events(path: Path) -> None:
    asyncio.run(_append_events(path))


async def _append_events(path: Path) -> None:
    store = SqliteEventStore(path)
    await store.open()
    try:
        for n in range(3):
            await store.append(
                f"request-{n}", [NewEvent("RequestSubmitted.v1", {"n": n}) for _ in range(2)]
            )
    finally:
        await store.close()


def test_intact_log_of_a_service_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without --url the command checks the service's configured log: here the embedded default
    # under EGOV_DATA_DIR.
    monkeypatch.setenv("EGOV_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("EGOV_PG_DSN", raising=False)
    _log_with_events(tmp_path / "gateway.sqlite3")

    result = runner.invoke(build_cli(), ["audit", "verify", "gateway"])

    assert result.exit_code == 0, result.output
    assert "gateway: intact, 6 events checked" in result.output


def test_tampered_row_is_named_by_its_position(tmp_path: Path) -> None:
    path = tmp_path / "portal.sqlite3"
    _log_with_events(path)
    with sqlite3.connect(path) as db:
        position, data = db.execute(
            "SELECT position, data FROM events WHERE stream_id = 'request-1' AND version = 1"
        ).fetchone()
        forged = {**json.loads(data), "n": 99}
        db.execute("UPDATE events SET data = ? WHERE position = ?", (json.dumps(forged), position))

    result = runner.invoke(build_cli(), ["audit", "verify", "portal", "--url", f"sqlite:///{path}"])

    assert result.exit_code == 1
    assert f"BROKEN at position {position}" in result.output


def test_unknown_service_is_a_usage_error() -> None:
    result = runner.invoke(build_cli(), ["audit", "verify", "bank"])

    assert result.exit_code == 2
    assert "unknown service 'bank'" in result.output


def test_unreadable_log_url_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(build_cli(), ["audit", "verify", "portal", "--url", "mysql://x/y"])

    assert result.exit_code == 2
    assert "cannot open the event log" in result.output
