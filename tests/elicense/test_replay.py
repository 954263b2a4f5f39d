"""``egov replay elicense`` rebuilds the permit registry from the log with the same result as
the live read model, however often it runs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from egov.cli import build_cli
from elicense_svc.handlers import ElicenseService
from elicense_svc.projections import Projections
from shared.eventlog.port import NewEvent
from shared.eventlog.sqlite import SqliteEventStore
from tests.elicense.conftest import Pki
from tests.elicense.test_permits import issued_permit


async def test_replay_rebuilds_the_same_permit_registry(
    tmp_path: Path, service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    number, head, _ = await issued_permit(service, pki)
    await service.permit_command(head, number, "suspend", reason="inspection")
    live = Projections(service.engines)
    await live.catch_up(store)
    # Copy the in-memory log into a file the CLI can open.
    path = tmp_path / "elicense.sqlite3"
    copy = SqliteEventStore(path)
    await copy.open()
    for event in await store.read_all(limit=10_000):
        await copy.append(
            event.stream_id,
            [NewEvent(event.type, event.data, event.event_id, event.metadata)],
            expected_version=event.version - 1,
        )
    await copy.close()
    runner = CliRunner()
    args = ["replay", "elicense", "--url", f"sqlite:///{path}", "--json"]
    first = await asyncio.to_thread(runner.invoke, build_cli(), args)
    second = await asyncio.to_thread(runner.invoke, build_cli(), args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report == {
        **json.loads(second.output),
        "seconds": report["seconds"],
        "events_per_s": report["events_per_s"],
    }
    assert report["permits"] == 1
    assert report["permits_by_state"] == {"suspended": 1}
    assert report["requests"] == 1
    assert report["events"] == live.events
    assert report["sha256"] == live.registry_digest()


def test_replay_of_an_unreachable_log_exits_2() -> None:
    result = CliRunner().invoke(build_cli(), ["replay", "elicense", "--url", "mysql://nowhere/x"])
    assert result.exit_code == 2
    assert "cannot open the event log" in result.output


async def test_concurrent_catch_ups_apply_each_event_once(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    await issued_permit(service, pki)
    alone = Projections(service.engines)
    await alone.catch_up(store)
    together = Projections(service.engines)
    await asyncio.gather(*(together.catch_up(store) for _ in range(4)))
    assert together.events == alone.events
    assert together.registry_digest() == alone.registry_digest()
    [request] = together.requests.values()
    assert request.engine_events == alone.requests[request.request_id].engine_events
